"""Thin Celery wrappers: take ids, call one service."""

from functools import partial
from smtplib import SMTPException

from celery import shared_task
from django.db import transaction

from ethics import audit, channels, jobs, services


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


class _RetryableDelivery(Exception):
    """A delivery that may succeed later (HTTP 5xx, no answer, the mail server refused)."""


@shared_task(
    name="ethics.deliver",
    acks_late=True,
    autoretry_for=(_RetryableDelivery, *jobs.TRANSIENT_ERRORS),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def deliver_task(delivery_id: int) -> bool:
    """Send one outbox row (e-mail or group robot) once; retried with backoff on errors that
    may pass, while a permanent error is recorded on the row (README "Notifications and
    calendars")."""
    try:
        return channels.deliver(delivery_id=delivery_id)
    except channels.DeliveryError as exc:
        if exc.retry:
            raise _RetryableDelivery(str(exc)) from exc
        return False
    except (SMTPException, OSError) as exc:
        raise _RetryableDelivery(str(exc)) from exc


@shared_task(
    name="ethics.sweep_deliveries",
    autoretry_for=jobs.TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def sweep_deliveries_task() -> int:
    """Beat, every minute: queue again what is pending and unclaimed (never queued, a failed
    attempt, or a worker that died holding it and whose lease ran out)."""
    due = channels.deliveries_due()
    for delivery_id in due:
        deliver_task.delay(delivery_id)
    return len(due)


@shared_task(
    name="ethics.send_digests",
    autoretry_for=jobs.TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def send_digests_task() -> int:
    """Beat, each morning: yesterday's messages as one e-mail to each person who chose it."""
    return channels.digests_create()
