"""Oversight's Celery tasks (autodiscovered here); each part keeps its own in its module."""

from oversight.sanctions_tasks import sync_member_training_task  # noqa: F401 (R10a)
