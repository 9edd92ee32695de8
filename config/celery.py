"""The Celery application. The beat schedule lives in the database (django-celery-beat).

`DEFAULT_SCHEDULE` is what `manage.py migrate` installs as periodic tasks (data migrations in
ethics); afterwards administrators edit the rows in Django admin, not this dict. Time limits,
acknowledgement, queues and the visibility timeout are settings (config/settings.py, CELERY_*).
"""

import gc
import logging
import os
from typing import Any

from celery import Celery, bootsteps, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)

app = Celery("ethics")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

DEFAULT_SCHEDULE = {
    "scan-deadlines": {"task": "ethics.scan_deadlines", "every_minutes": 15},
    "sweep-jobs": {"task": "ethics.sweep_jobs", "every_minutes": 1},
    # AUDIT_ANCHOR_MINUTES at migrate time (ethics migration 0007), 60 by default.
    "anchor-audit": {"task": "ethics.anchor_audit", "every_minutes": 60},
    # The delivery outbox and the daily digest (ethics migration 0009; README "Notifications").
    "sweep-deliveries": {"task": "ethics.sweep_deliveries", "every_minutes": 1},
    "send-digests": {"task": "ethics.send_digests", "crontab": "30 7 * * *"},
    # The dashboards' monthly summaries (reports migration 0002; README "Reports").
    "refresh-report-summaries": {"task": "reports.refresh_summaries", "crontab": "17 * * * *"},
}


def _worker_heartbeat() -> None:
    from django.db import close_old_connections

    from ethics import jobs

    try:
        close_old_connections()
        jobs.heartbeat(jobs.worker_heartbeat_name())
    except Exception:
        logger.warning("worker heartbeat not recorded", exc_info=True)


class HeartbeatStep(bootsteps.StartStopStep):
    """Record `Heartbeat("worker@<host>")` every HEARTBEAT_EVERY_SECONDS (read by /healthz)."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.tref: Any = None

    def start(self, worker: Any) -> None:
        from django.conf import settings

        _worker_heartbeat()
        self.tref = worker.timer.call_repeatedly(
            settings.HEARTBEAT_EVERY_SECONDS, _worker_heartbeat, priority=10
        )

    def stop(self, worker: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()


app.steps["worker"].add(HeartbeatStep)


@signals.worker_init.connect
@signals.beat_init.connect
def _prepare(**_: Any) -> None:
    from config.embedded import prepare
    from config.observability import init_sentry

    prepare()
    init_sentry()


def _consumes_pdf_queue() -> bool:
    from django.conf import settings

    return settings.CELERY_PDF_QUEUE in app.amqp.queues.consume_from


@signals.worker_init.connect
def _preload_pdf_engine(**_: Any) -> None:
    """A PDF worker's main process imports WeasyPrint once, before it forks its pool, so a new
    child (every --max-tasks-per-child PDFs) does not spend its first task on the import."""
    if _consumes_pdf_queue():
        from ethics import pdf

        pdf.preload()


@signals.worker_process_init.connect
def _warm_pdf_engine(**_: Any) -> None:
    """In each PDF worker process, before it takes a task: load the CJK faces (ethics.pdf keeps
    them per process), then freeze what is alive so the garbage collector's full passes, which
    otherwise land inside renders, walk only what a task allocates (README "PDF worker under
    Celery")."""
    if not _consumes_pdf_queue():
        return
    from ethics import pdf

    try:
        pdf.prepare_process()
    except Exception:
        logger.warning("PDF engine not warmed up; the first task will load it", exc_info=True)
        gc.collect()
        gc.freeze()
