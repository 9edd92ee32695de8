"""Thin Celery wrapper: render an investigation's referral package (through the job outbox)."""

from celery import shared_task

from ethics import jobs
from oversight.services import complaints as services


@shared_task(name="oversight.render_referral", **jobs.RENDER_TASK_OPTIONS)
def render_referral_task(package_id: int, job_id: int | None = None) -> str:
    with jobs.running(job_id):
        try:
            return services.referral_render(package_id=package_id).verification_hash
        except jobs.TRANSIENT_ERRORS:
            raise
        except Exception as exc:
            services.referral_render_failed(package_id=package_id, error=repr(exc))
            raise
