"""Thin Celery wrappers: take ids, call one service (through the kernel's job outbox)."""

from celery import shared_task

from ethics import jobs
from meetings import services


@shared_task(name="meetings.render_minutes", **jobs.RENDER_TASK_OPTIONS)
def render_minutes_task(minutes_id: int, job_id: int | None = None) -> str:
    with jobs.running(job_id):
        return services.minutes_render(minutes_id=minutes_id).sha256
