"""Appeals against an adverse decision (申诉, R27); the original decision and letter are kept.

Adverse: the conditions of 修改后批准, 修改后再审, 不予批准, suspension and termination. The appeal
is filed within the rule set's ``appeal_days`` (counted like every day period, from the local
date of the decision) and opens an appeal application; its decision is a new decision linked to
the original through the ``Appeal`` row, never a change of the original.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics import deadlines, regulations
from ethics.errors import Conflict
from ethics.models import User
from ethics.selectors import working_calendar
from ethics.services import invalid, site_text
from reviews.models import (
    Appeal,
    AppealState,
    Application,
    Decision,
    DecisionStage,
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

# R27: every decision that refuses or restricts what the applicant asked for.
ADVERSE_OUTCOMES = frozenset(
    {
        Outcome.APPROVE_WITH_MODIFICATIONS,
        Outcome.RESUBMIT,
        Outcome.DISAPPROVE,
        Outcome.SUSPEND,
        Outcome.TERMINATE,
    }
)
# The approval that confirms modifications made (and a preliminary approval) is not adverse.
_APPEALABLE_STAGES = frozenset({DecisionStage.REVIEW, DecisionStage.FINAL})


def is_adverse(decision: Decision) -> bool:
    """R27: the decision can be appealed (in kind; the period is `appeal_due_at`)."""
    return decision.outcome in ADVERSE_OUTCOMES and decision.stage in _APPEALABLE_STAGES


def appeal_due_at(decision: Decision) -> datetime:
    """R27: the exclusive end of the appeal period (24:00 of the last day, Asia/Shanghai),
    kept on the loaded decision (the page and its appeal button both ask)."""
    due: datetime | None = decision.__dict__.get("_appeal_due_at")
    if due is None:
        rules = decision.application.rules
        due = deadlines.day_period_due_at(
            decision.decided_at,
            rules.appeal_days.value,
            calendar=working_calendar(),
            roll_forward=rules.roll_forward_rest_days.value,
        )
        decision.__dict__["_appeal_due_at"] = due
    return due


def appeal_last_day(decision: Decision) -> date:
    """R27: the last day on which an appeal against `decision` may be filed."""
    return timezone.localtime(appeal_due_at(decision)).date() - timedelta(days=1)


def appeal_refusal(
    application: Application,
    decision: Decision | None,
    *,
    pending: bool,
    now: datetime | None = None,
) -> Conflict | None:
    """Why `decision` of `application` cannot be appealed now (R27), or None.

    Shared by the service (which raises it) and the action table (which offers the button).
    """
    if decision is None or not is_adverse(decision):
        return Conflict(
            "nothing_to_appeal",
            _(
                "Only an adverse decision can be appealed: approval after modification (its "
                "conditions), re-review after modification, disapproval, suspension or "
                "termination."
            ),
            rule="R27",
        )
    if application.kind == Kind.APPEAL:
        return Conflict(
            "appeal_of_appeal",
            _("The decision on an appeal is final within the committee."),
            rule="R27",
        )
    if pending:
        return Conflict(
            "appeal_pending", _("An appeal against this decision is pending."), rule="R27"
        )
    due = appeal_due_at(decision)
    if (now or timezone.now()) >= due:
        last = appeal_last_day(decision)
        return Conflict(
            "appeal_period_over",
            _("The period for an appeal (%(days)s days) ended on %(last)s.")
            % {"days": decision.application.rules.appeal_days.value, "last": f"{last:%Y-%m-%d}"},
            rule="R27",
        )
    return None


def appeal_outcomes(application: Application) -> frozenset[str] | None:
    """The outcomes the decision on an appeal application may have (None: not an appeal).

    An appeal against suspension or termination is decided as a tracking decision (continue,
    suspend, terminate); any other as a review decision (R23).
    """
    if application.kind != Kind.APPEAL:
        return None
    appeal = Appeal.objects.filter(application=application).select_related("original_decision")
    first = appeal.first()
    if first is not None and first.original_decision.outcome in regulations.TRACKING_OUTCOMES:
        return frozenset(regulations.TRACKING_OUTCOMES)
    return frozenset(regulations.REVIEW_OUTCOMES)


@transaction.atomic
def appeal_file(*, application_id: int, grounds: str, actor: User) -> Appeal:
    """R27: a written appeal against an adverse decision, within the rule set's period, opens
    an appeal application (draft) for documents.

    The appeal application is submitted, accepted and reviewed like any other; its decision is
    the new decision (upheld) or confirms the original (rejected). The original is kept as is.
    """
    application = lock_application(application_id)
    move(application, Action.APPEAL, actor)
    decision = latest_decision(application)
    pending = (
        decision is not None
        and Appeal.objects.filter(original_decision=decision, state=AppealState.FILED).exists()
    )
    refusal = appeal_refusal(application, decision, pending=pending)
    if refusal is not None:
        raise refusal
    assert decision is not None  # appeal_refusal refuses a missing decision
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
        after={
            "decision": decision.number,
            "outcome": decision.outcome,
            "appeal_application": appeal_application.pk,
            "rule": "R27",
        },
        reason=grounds,
    )
    return appeal


def appeal_resolve(application: Application, decision: Decision, actor: User) -> None:
    """The decision on an appeal application resolves the appeal (R27).

    Upheld when it differs from the original (another outcome or other conditions), rejected
    when it confirms it. Either way the decision is a new one, linked as ``new_decision``; the
    original decision and its letter stay as they are.
    """
    appeal = Appeal.objects.select_for_update().filter(application=application).first()
    if appeal is None or appeal.state != AppealState.FILED:
        return
    original = appeal.original_decision
    upheld = decision.outcome != original.outcome or (
        decision.conditions.strip() != original.conditions.strip()
    )
    appeal.state = AppealState.UPHELD if upheld else AppealState.REJECTED
    appeal.resolved_at = timezone.now()
    appeal.new_decision = decision
    appeal.save(update_fields=["state", "resolved_at", "new_decision"])
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
