"""Appeals against a disapproval (申诉, R27); the original decision is preserved."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics.errors import Conflict
from ethics.models import User
from ethics.services import invalid, site_text
from reviews.models import (
    Appeal,
    AppealState,
    Application,
    Decision,
    Outcome,
)
from reviews.services._common import (
    applicants,
    latest_decision,
    lock_application,
    move,
    notify_application,
    record,
)
from reviews.workflow import Action, Kind

# --- appeals (R27) ----------------------------------------------------------------------------


@transaction.atomic
def appeal_file(*, application_id: int, grounds: str, actor: User) -> Appeal:
    """R27: a written appeal against 不予批准 opens an appeal application (draft) for documents.

    The appeal application is submitted, accepted and reviewed like any other; its decision is
    the new decision (upheld) or confirms the original (rejected). The original is kept as is.
    """
    application = lock_application(application_id)
    move(application, Action.APPEAL, actor)
    decision = latest_decision(application)
    if decision is None or decision.outcome != Outcome.DISAPPROVE:
        raise Conflict(
            "nothing_to_appeal", _("Only a decision of disapproval can be appealed."), rule="R27"
        )
    if application.kind == Kind.APPEAL:
        raise Conflict(
            "appeal_of_appeal",
            _("The decision on an appeal is final within the committee."),
            rule="R27",
        )
    if Appeal.objects.filter(original_decision=decision, state=AppealState.FILED).exists():
        raise Conflict(
            "appeal_pending", _("An appeal against this decision is pending."), rule="R27"
        )
    if not grounds.strip():
        raise invalid("grounds", _("State the grounds of the appeal."), "required")
    from reviews.services.documents import new_application

    appeal_application = new_application(application.project, actor, Kind.APPEAL, grounds.strip())
    appeal = Appeal.objects.create(
        original_decision=decision,
        application=appeal_application,
        grounds=grounds.strip(),
        filed_by=actor,
    )
    record(
        actor,
        "application.appeal",
        application,
        after={"decision": decision.number, "appeal_application": appeal_application.pk},
        reason=grounds,
    )
    return appeal


def appeal_resolve(application: Application, decision: Decision, actor: User) -> None:
    """The decision on an appeal application records whether the appeal is upheld (R27)."""
    appeal = Appeal.objects.select_for_update().filter(application=application).first()
    if appeal is None or appeal.state != AppealState.FILED:
        return
    upheld = decision.outcome != Outcome.DISAPPROVE
    appeal.state = AppealState.UPHELD if upheld else AppealState.REJECTED
    appeal.resolved_at = timezone.now()
    appeal.new_decision = decision if upheld else None
    appeal.save(update_fields=["state", "resolved_at", "new_decision"])
    original = appeal.original_decision
    record(
        actor,
        f"appeal.{appeal.state}",
        original.application,
        after={"original": original.number, "decision": decision.number, "rule": "R27"},
    )
    notify_application(
        applicants(application.project),
        application,
        _("Your appeal against %(original)s was %(state)s"),
        "appeal (R27)",
        original=original.number,
        state=site_text(AppealState(appeal.state).label),
    )
