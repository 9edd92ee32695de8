"""Declares one clock the way a product app does, from AppConfig.ready(), touching no kernel code."""

from django.apps import AppConfig

TRAINING_RENEWAL = "training_renewal"


def person_to_retrain(deadline):
    from ethics.hooks import Recipients
    from ethics.models import User

    return Recipients(responsible=list(User.objects.filter(pk=deadline.subject_id)))


def training_page(deadline):
    return f"/training/{deadline.subject_id}/"


class ClockAppConfig(AppConfig):
    name = "tests.ethics.clockapp"
    label = "clockapp"

    def ready(self) -> None:
        from ethics import hooks
        from ethics.reminders import StageConfig

        hooks.register_deadline_kind(
            TRAINING_RENEWAL,
            label="Ethics training renewal",
            recipients=person_to_retrain,
            url=training_page,
            # One reminder a month ahead, none on the last day, one when overdue.
            stages=StageConfig(days_before=(30,), on_last_day=False, overdue_every_days=0),
        )
