"""Thin Celery wrappers: take ids, call one service."""

from functools import partial
from smtplib import SMTPException

from celery import shared_task
from django.db import transaction

from ethics import audit, jobs, services


@shared_task(
    name="ethics.scan_deadlines",
    autoretry_for=jobs.TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=5,
)
def scan_deadlines_task() -> dict[str, int]:
    result = services.deadlines_scan()
    for reminder_id in result.to_send:
        transaction.on_commit(partial(send_reminder_task.delay, reminder_id))
    return {
        "overdue": result.marked_overdue,
        "created": result.reminders_created,
        "queued": len(result.to_send),
    }


@shared_task(
    name="ethics.send_reminder",
    acks_late=True,
    autoretry_for=(SMTPException, *jobs.TRANSIENT_ERRORS),
    retry_backoff=True,
    max_retries=8,
)
def send_reminder_task(reminder_id: int) -> bool:
    return services.reminder_send(reminder_id=reminder_id)


@shared_task(
    name="ethics.sweep_jobs",
    autoretry_for=jobs.TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def sweep_jobs_task() -> dict[str, int]:
    """Beat, every minute: queue again the rendering jobs that have not finished in time."""
    return jobs.sweep()


@shared_task(
    name="ethics.anchor_audit",
    autoretry_for=(SMTPException, *jobs.TRANSIENT_ERRORS),
    retry_backoff=True,
    max_retries=3,
)
def anchor_audit_task() -> dict[str, object]:
    """Beat, every AUDIT_ANCHOR_MINUTES: append the chain head to the anchor file (and e-mail)."""
    anchor = audit.anchor()
    return {"last_id": anchor.last_id, "count": anchor.count, "hash": anchor.hash}
