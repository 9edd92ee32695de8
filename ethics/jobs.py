"""Rendering jobs that survive broker outages and dead workers (a transactional outbox).

A service that needs a PDF calls `enqueue(...)` inside its own transaction: the `Job` row commits
or rolls back with the change that needs it. After commit the job is handed to the broker; if
that fails (Redis down) the request still succeeds and the row stays `pending`. Beat runs
`sweep()` every minute and hands again every unfinished job whose `sweep_at` has passed, so a
job lost by the broker or held by a killed worker runs within minutes. Tasks are idempotent
(a letter renders once per decision and template version) and wrap their work in `running()`,
which counts the attempt and records the outcome.

    jobs.enqueue("reviews.render_letter", decision_id=decision.pk)   # in the service

    @shared_task(name="reviews.render_letter", **jobs.RENDER_TASK_OPTIONS)
    def render_letter_task(decision_id: int, job_id: int | None = None) -> str:
        with jobs.running(job_id):
            return services.letter_render(decision_id=decision_id).letter_hash
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from ethics.job_models import UNFINISHED_JOB_STATES, Heartbeat, Job, JobState

logger = logging.getLogger(__name__)

# Errors a retry can cure: a locked SQLite file, a dropped database connection, a full disk or
# an unreachable file or object store. Anything else is a bug and fails the job at once.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, OSError)

RENDER_TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 8,
    # WeasyPrint renders a document in about a second; minutes mean something is stuck.
    "soft_time_limit": 120,
    "time_limit": 150,
}

PDF = "pdf"
DEFAULT = "default"
# How soon a job the broker refused is tried again.
BROKER_RETRY = timedelta(minutes=1)


def _requeue_after() -> timedelta:
    return timedelta(minutes=float(settings.JOBS_REQUEUE_AFTER_MINUTES))


def requeue_at() -> Any:
    """When the sweeper hands an unfinished job again, counted from now."""
    return timezone.now() + _requeue_after()


def job_key(task: str, kwargs: dict[str, Any]) -> str:
    """One job per task and arguments: a second enqueue of the same work is the same job."""
    return f"{task}:{json.dumps(kwargs, sort_keys=True, separators=(',', ':'))}"[:200]


def enqueue(task: str, *, queue: str = PDF, key: str = "", **kwargs: Any) -> Job:
    """Record `task(**kwargs)` in the caller's transaction and queue it once that commits."""
    now = timezone.now()
    job, created = Job.objects.get_or_create(
        key=key or job_key(task, kwargs),
        defaults={
            "task": task,
            "kwargs": kwargs,
            "queue": queue,
            "created_at": now,
            "sweep_at": now + _requeue_after(),
        },
    )
    if created:
        transaction.on_commit(partial(dispatch, job.pk, task, kwargs, queue), robust=True)
    return job


def _queue_name(queue: str) -> str:
    if queue == PDF:
        return str(settings.CELERY_PDF_QUEUE)
    from celery import current_app

    return str(current_app.conf.task_default_queue)


def _task(name: str) -> Any:
    """The registered Celery task `name`; the web process imports the apps' tasks on first use."""
    from celery import current_app

    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def dispatch(job_id: int, task: str, kwargs: dict[str, Any], queue: str) -> bool:
    """Hand one job to the broker; on failure log it and leave it to the sweeper."""
    try:
        _task(task).apply_async(
            kwargs={**kwargs, "job_id": job_id}, queue=_queue_name(queue), retry=False
        )
    except Exception:
        logger.warning(
            "job %s (%s) not queued; the sweeper will queue it", job_id, task, exc_info=True
        )
        # Never handed over: the sweeper tries again within a minute, not after the full wait.
        Job.objects.filter(pk=job_id, state=JobState.PENDING).update(
            sweep_at=timezone.now() + min(_requeue_after(), BROKER_RETRY)
        )
        return False
    Job.objects.filter(pk=job_id, state=JobState.PENDING).update(
        state=JobState.QUEUED, enqueued_at=timezone.now(), dispatches=F("dispatches") + 1
    )
    return True


@contextmanager
def running(job_id: int | None) -> Iterator[None]:
    """Wrap a task's work: count the attempt and record the outcome (the work is idempotent)."""
    if job_id is None:  # called directly, not through the outbox
        yield
        return
    now = timezone.now()
    started = (
        Job.objects.filter(pk=job_id)
        .exclude(state=JobState.DONE)
        .update(
            state=JobState.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            sweep_at=now + _requeue_after(),
        )
    )
    if not started:  # already done: the idempotent service returns what it made
        yield
        return
    try:
        yield
    except Exception as exc:
        Job.objects.filter(pk=job_id).update(last_error=repr(exc)[:2000])
        raise
    Job.objects.filter(pk=job_id).update(
        state=JobState.DONE, finished_at=timezone.now(), last_error=""
    )


def sweep(*, now: Any = None) -> dict[str, int]:
    """Queue again every unfinished job past its `sweep_at`; give up after JOBS_MAX_DISPATCHES."""
    now = now or timezone.now()
    requeued = failed = 0
    due = Job.objects.filter(state__in=UNFINISHED_JOB_STATES, sweep_at__lte=now).order_by(
        "sweep_at"
    )[: settings.JOBS_SWEEP_BATCH]
    for job in due:
        if job.dispatches >= settings.JOBS_MAX_DISPATCHES:
            Job.objects.filter(pk=job.pk, state__in=UNFINISHED_JOB_STATES).update(
                state=JobState.FAILED, finished_at=now
            )
            logger.error("job %s (%s) failed after %s dispatches", job.pk, job.task, job.dispatches)
            failed += 1
            continue
        # Back off (N, 2N, 4N, ... minutes) so a long queue is not doubled at every pass.
        wait = _requeue_after() * (2 ** min(job.dispatches, 6))
        claimed = Job.objects.filter(pk=job.pk, sweep_at=job.sweep_at).update(
            sweep_at=now + wait, dispatches=F("dispatches") + 1
        )
        if not claimed:  # another sweeper (a second beat) took it
            continue
        try:
            _task(job.task).apply_async(
                kwargs={**job.kwargs, "job_id": job.pk},
                queue=_queue_name(job.queue),
                retry=False,
            )
        except Exception:
            # The broker is down: this pass is not a dispatch; try again within a minute.
            Job.objects.filter(pk=job.pk).update(
                sweep_at=now + min(_requeue_after(), BROKER_RETRY), dispatches=F("dispatches") - 1
            )
            logger.warning("job %s (%s) still not queued: broker unavailable", job.pk, job.task)
            break
        Job.objects.filter(pk=job.pk, state=JobState.PENDING).update(
            state=JobState.QUEUED, enqueued_at=now
        )
        requeued += 1
    _prune(now)
    return {"requeued": requeued, "failed": failed}


def _prune(now: Any) -> None:
    """Forget finished jobs after JOBS_KEEP_DAYS (their results live in the records) and
    heartbeats of hosts gone for a week; in batches so one pass stays short."""
    old = Job.objects.filter(
        state=JobState.DONE, finished_at__lt=now - timedelta(days=settings.JOBS_KEEP_DAYS)
    ).values_list("pk", flat=True)[: settings.JOBS_SWEEP_BATCH]
    Job.objects.filter(pk__in=list(old)).delete()
    Heartbeat.objects.filter(at__lt=now - timedelta(days=7)).delete()


# --- heartbeats (read by /healthz) -----------------------------------------------------------

WORKER_PREFIX = "worker@"
BEAT = "beat"


def worker_heartbeat_name(host: str | None = None) -> str:
    return f"{WORKER_PREFIX}{host or socket.gethostname()}"


def heartbeat(name: str) -> None:
    """Record that `name` (a worker host or beat) is alive now."""
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
