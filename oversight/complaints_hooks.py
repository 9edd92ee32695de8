"""What the kernel asks of complaints and investigations: their clocks' recipients and links,
the nav items, the admin (R55, R56). `register_complaints()` runs from OversightConfig.ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ethics.hooks import Recipients
from ethics.models import Deadline
from oversight import complaints_selectors as selectors
from oversight.models_complaints import Complaint, CorrectiveMeasure


def case_recipients(deadline: Deadline) -> Recipients:
    """The officers handling the case; a measure's responsible person too."""
    subject = deadline.subject
    if isinstance(subject, CorrectiveMeasure):
        handlers = selectors.complaint_handlers(subject.investigation)
        responsible = [subject.responsible] if subject.responsible_id else []
        return Recipients(responsible=[*responsible, *handlers])
    if isinstance(subject, Complaint):
        return Recipients(responsible=selectors.complaint_handlers(subject))
    return Recipients()


def case_url(deadline: Deadline) -> str:
    subject = deadline.subject
    if isinstance(subject, CorrectiveMeasure):
        return reverse("oversight:investigation-detail", args=[subject.investigation_id])
    if isinstance(subject, Complaint):
        return reverse("oversight:complaint-detail", args=[subject.pk])
    return reverse("oversight:complaint-list")


def register_complaints() -> None:
    from ethics import hooks
    from ethics.reminders import StageConfig
    from oversight import complaints_admin, complaints_policies, complaints_tasks  # noqa: F401
    from oversight import complaints_clocks as clocks

    complaints_admin.register()
    complaints_policies.register()
    # R55 names no period: the rule set's defaults (unverified) set the due times.
    hooks.register_deadline_kind(
        clocks.COMPLAINT_ACKNOWLEDGE,
        label=_("Acknowledge a complaint"),
        recipients=case_recipients,
        url=case_url,
        stages=StageConfig(days_before=(3, 1), on_last_day=True, overdue_every_days=2),
    )
    hooks.register_deadline_kind(
        clocks.COMPLAINT_HANDLING,
        label=_("Handle a complaint"),
        recipients=case_recipients,
        url=case_url,
    )
    hooks.register_deadline_kind(
        clocks.CORRECTIVE_MEASURE,
        label=_("Corrective measure due"),
        recipients=case_recipients,
        url=case_url,
    )
    hooks.register_nav_item(
        84, _("Complaints"), "oversight:complaint-list", complaints_policies.may_handle_cases
    )
    hooks.register_nav_item(
        85,
        _("Investigations"),
        "oversight:investigation-list",
        complaints_policies.may_handle_cases,
    )
