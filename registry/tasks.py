"""Thin Celery wrappers: take ids, call one service."""

from celery import shared_task
from django.utils import timezone

from registry import services


@shared_task(
    name="registry.render_package", acks_late=True, autoretry_for=(OSError,), max_retries=5
)
def render_package_task(package_id: int) -> str:
    try:
        return services.package_render(package_id=package_id).verification_hash
    except Exception as exc:
        services.package_render_failed(package_id=package_id, error=repr(exc))
        raise


@shared_task(name="registry.open_annual_reports")
def open_annual_reports_task(year: int | None = None) -> int:
    """1 January: open the drafts for the year that just ended (R52)."""
    covered = year or timezone.localdate().year - 1
    return len(services.annual_report_open(year=covered))
