"""Thin Celery wrapper: render an approval statement (through the kernel's job outbox)."""

from celery import shared_task

from ethics import jobs
from oversight.services import incidents as services


@shared_task(name="oversight.render_statement", **jobs.RENDER_TASK_OPTIONS)
def render_statement_task(statement_id: int, job_id: int | None = None) -> str:
    with jobs.running(job_id):
        return services.statement_render(statement_id=statement_id).code
