"""Thin Celery wrappers: take ids, call one service (through the kernel's job outbox)."""

from celery import shared_task

from ethics import jobs
from reviews import services


@shared_task(name="reviews.render_letter", **jobs.RENDER_TASK_OPTIONS)
def render_letter_task(decision_id: int, job_id: int | None = None) -> str:
    with jobs.running(job_id):
        return services.letter_render(decision_id=decision_id).letter_hash


@shared_task(name="reviews.render_rereview_package", **jobs.RENDER_TASK_OPTIONS)
def render_rereview_package_task(rereview_id: int, job_id: int | None = None) -> str:
    with jobs.running(job_id):
        return services.package_render(rereview_id=rereview_id).package_hash
