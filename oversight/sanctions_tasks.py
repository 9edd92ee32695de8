"""Thin Celery wrapper of the members' training clocks (R10a): the daily beat entry
`oversight.sync_member_training` (installed by migration 0002_sanctions)."""

from celery import shared_task

from ethics import jobs
from oversight.services import sanctions


@shared_task(name="oversight.sync_member_training", autoretry_for=jobs.TRANSIENT_ERRORS)
def sync_member_training_task() -> int:
    return sanctions.member_training_clocks_sync()
