"""Thin Celery wrappers: take ids, call one service."""

from celery import shared_task

from reviews import services


@shared_task(name="reviews.render_letter", acks_late=True, autoretry_for=(OSError,), max_retries=5)
def render_letter_task(decision_id: int) -> str:
    return services.letter_render(decision_id=decision_id).letter_hash


@shared_task(
    name="reviews.render_rereview_package", acks_late=True, autoretry_for=(OSError,), max_retries=5
)
def render_rereview_package_task(rereview_id: int) -> str:
    return services.package_render(rereview_id=rereview_id).package_hash
