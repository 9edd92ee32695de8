"""Thin Celery wrappers: call one service."""

from celery import shared_task

from ethics import jobs
from reports import summaries


@shared_task(
    name="reports.refresh_summaries",
    autoretry_for=jobs.TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def refresh_summaries_task() -> int:
    """Beat, hourly: the dashboards' monthly summaries of every closed month, counted anew."""
    return summaries.refresh()
