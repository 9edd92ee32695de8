"""Thin Celery wrappers: take ids, call one service (through the kernel's job outbox)."""

from celery import shared_task
from django.utils import timezone

from ethics import jobs
from registry import services


@shared_task(name="registry.render_package", **jobs.RENDER_TASK_OPTIONS)
def render_package_task(package_id: int, job_id: int | None = None) -> str:
    with jobs.running(job_id):
        try:
            return services.package_render(package_id=package_id).verification_hash
        except jobs.TRANSIENT_ERRORS:
            raise  # retried; the package stays pending
        except Exception as exc:
            services.package_render_failed(package_id=package_id, error=repr(exc))
            raise


@shared_task(name="registry.open_annual_reports", autoretry_for=jobs.TRANSIENT_ERRORS)
def open_annual_reports_task(year: int | None = None) -> int:
    """1 January: open the drafts for the year that just ended (R52)."""
    covered = year or timezone.localdate().year - 1
    return len(services.annual_report_open(year=covered))
