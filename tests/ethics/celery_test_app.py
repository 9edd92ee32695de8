"""Celery app for the worker started by test_celery_worker: the product's app plus a recipient
resolver that names the test's users, so the worker's reminders have someone to go to."""

import django

from config.celery import app

django.setup()

from ethics import hooks  # noqa: E402
from ethics.models import User  # noqa: E402


def _recipients(deadline):
    return hooks.Recipients(
        responsible=list(User.objects.filter(username=f"sec{deadline.subject_id}"))
    )


hooks.route_deadline_kind("committee_update", recipients=_recipients)

__all__ = ["app"]
