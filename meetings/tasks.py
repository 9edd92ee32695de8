"""Thin Celery wrappers: take ids, call one service."""

from celery import shared_task

from meetings import services


@shared_task(
    name="meetings.render_minutes", acks_late=True, autoretry_for=(OSError,), max_retries=5
)
def render_minutes_task(minutes_id: int) -> str:
    return services.minutes_render(minutes_id=minutes_id).sha256
