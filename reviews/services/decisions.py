"""Decisions and what follows them: R23 outcomes, preliminary approvals (R38), modifications."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Role
from committees.policies import current_roles
from ethics import deadlines, regulations
from ethics import services as kernel
from ethics.errors import Conflict
from ethics.models import User
from ethics.selectors import working_calendar
from ethics.services import invalid, require, site_text
from reviews import clocks, workflow
from reviews.models import (
    Application,
    Decision,
    DecisionStage,
    DocumentVersion,
    Outcome,
    Review,
    ReviewState,
)
from reviews.services import emergency
from reviews.services._common import (
    applicants,
    latest_decision,
    lock_application,
    lock_project,
    move,
    notify_application,
    record,
    secretaries,
)
from reviews.services.intake import open_review
from reviews.services.letters import decision_record
from reviews.services.officers import OfficerStep, escalating, refuse_interested, require_eligible
from reviews.services.review import active_assignments, agreed_verdict
from reviews.workflow import Action, Kind, Procedure, ProjectStatus, Status

# --- decisions (R23, R25, R26, R28, R38, R44, R45) --------------------------------------------


def allowed_outcomes(kind: str, application: Application | None = None) -> frozenset[str]:
    """R23 outcomes per kind; an exemption request's are N10's; an appeal's follow the decision
    it contests (R27)."""
    if kind == Kind.EXEMPTION:
        return frozenset(regulations.EXEMPTION_OUTCOMES)  # N10
    if kind == Kind.APPEAL and application is not None:
        from reviews.services.appeals import appeal_outcomes

        return appeal_outcomes(application) or frozenset(regulations.REVIEW_OUTCOMES)
    if kind == Kind.TRACKING:
        return frozenset(regulations.TRACKING_OUTCOMES)
    if kind in (Kind.RISK_REPORT, Kind.DEVIATION):
        return frozenset(regulations.REVIEW_OUTCOMES | regulations.TRACKING_OUTCOMES)
    return frozenset(regulations.REVIEW_OUTCOMES)


def next_tracking_due(application: Application, outcome: str, decided_on: date) -> date | None:
    """R28/R45: the next tracking review after a decision that lets the activity run.

    Within 12 months (N6 the same), within 6 months for a listed activity (R45, unverified).
    """
    if outcome not in (
        Outcome.APPROVE,
        Outcome.APPROVE_WITH_MODIFICATIONS,
        Outcome.CONTINUE,
        Outcome.SUSPEND,
    ):
        return None
    rules = application.rules
    interval = regulations.tracking_interval(rules, listed=application.project.listed)
    return deadlines.month_period_due_on(
        decided_on,
        interval.value,
        calendar=working_calendar(),
        roll_forward=rules.roll_forward_rest_days.value,
    )


def needs_rereview(application: Application) -> bool:
    """R38 / R46: approving a listed activity (or a major change to one) needs expert re-review.

    R37: "listed" is the committee's determination (``Project.listed``), not the declaration."""
    if not application.project.listed:
        return False
    if application.kind in workflow.APPROVING_KINDS:
        return True
    # R46: the committee's classification, never the applicant's declaration.
    return application.kind == Kind.AMENDMENT and application.major_classification == "major"


def _require_presiding(actor: User, application: Application) -> None:
    """R18: a meeting decision is signed by its presiding member, the chair or a vice-chair."""
    review = open_review(application)
    roles = current_roles(actor).get(application.committee_id, frozenset())
    if review.procedure != Procedure.MEETING or not roles & {Role.CHAIR, Role.VICE_CHAIR}:
        raise PermissionDenied
    refuse_interested(actor, application, OfficerStep.PRESIDE)  # R20a


def _check_outcome(application: Application, outcome: str, conditions: str, reasons: str) -> None:
    if outcome not in allowed_outcomes(application.kind, application):
        raise invalid(
            "outcome",
            _("This outcome is not possible for this kind of application."),
            "invalid_choice",
        )
    problems = regulations.outcome_problems(
        regulations.Outcome(outcome), conditions=conditions, reasons=reasons
    )
    if problems:
        field = "conditions" if problems[0].code == "conditions_required" else "reasons"
        raise invalid(field, problems[0].message, problems[0].code)


@escalating
@transaction.atomic
def decision_issue(
    *,
    application_id: int,
    outcome: str,
    actor: User,
    conditions: str = "",
    reasons: str = "",
    tally: Mapping[str, Any] | None = None,
    meaning: str = "",
    presiding: bool = False,
) -> Decision:
    """Issue the decision of the open round: numbered, signed, clock closed, letter queued.

    Every procedure ends here (meeting reviews via the meetings app, with their tally), and
    only with the outcome the procedure adopted: a meeting's live tally (R24, checked by the
    meetings app), or the reviewers' unanimous recommendation (simplified R34, emergency R49). An
    approval of a listed activity is preliminary and goes to expert re-review (R38); on an
    application awaiting re-review this issues the final decision (R44). `presiding` marks a
    meeting decision signed by the presiding member, who may be a vice-chair the chair
    designated (R18) rather than the chair.
    """
    application = lock_application(application_id)
    if not presiding:
        workflow.next_status(application.status, Action.DECIDE)
        require(actor, Action.DECIDE, application)
        require_eligible(actor, application, OfficerStep.DECIDE)  # R20a
    if application.status == Status.AWAITING_REREVIEW:
        from reviews.services.rereview import rereview_final_decision

        return rereview_final_decision(
            application=application,
            outcome=outcome,
            actor=actor,
            reasons=reasons,
            conditions=conditions,
            meaning=meaning,
        )
    workflow.next_status(application.status, Action.DECIDE)
    if presiding:
        _require_presiding(actor, application)
    _check_outcome(application, outcome, conditions, reasons)
    project = lock_project(application.project_id)
    application.project = project
    # R27: an appeal against a termination is decided on the terminated activity.
    if (
        outcome in regulations.TRACKING_OUTCOMES
        and project.status not in workflow.RUNNING_PROJECT
        and not (application.kind == Kind.APPEAL and project.status == ProjectStatus.TERMINATED)
    ):
        raise Conflict(
            "project_not_running",
            _("Only an approved activity can be continued, suspended or terminated."),
            rule="R28",
        )
    review = open_review(application)
    tally = _procedure_tally(application, review, outcome, tally)
    preliminary = outcome == Outcome.APPROVE and needs_rereview(application)
    new = workflow.next_status(
        application.status, Action.START_REREVIEW if preliminary else Action.DECIDE
    )
    now = timezone.now()
    # The decision that (re)starts the tracking clock carries its date (R28, R45).
    schedules = (
        (application.kind in workflow.APPROVING_KINDS and outcome == Outcome.APPROVE)
        or (application.kind == Kind.TRACKING and outcome in (Outcome.CONTINUE, Outcome.SUSPEND))
        or (application.kind == Kind.APPEAL and outcome == Outcome.CONTINUE)
    )  # R27
    grants = schedules and not preliminary
    decision = decision_record(
        application=application,
        review=review,
        outcome=outcome,
        stage=DecisionStage.PRELIMINARY if preliminary else DecisionStage.REVIEW,
        actor=actor,
        conditions=conditions,
        reasons=reasons,
        tally=tally,
        meaning=meaning,
        next_tracking_due=(
            next_tracking_due(application, outcome, timezone.localdate(now)) if grants else None
        ),
    )
    review.state = ReviewState.DECIDED
    review.closed_at = now
    review.save(update_fields=["state", "closed_at"])
    kernel.deadline_close(kind=clocks.DECISION, subject=review, actor=actor)
    before = application.status
    application.status = new
    application.decided_at = now
    application.save()
    record(
        actor,
        "application.decide",
        application,
        {"status": before},
        {
            "status": new,
            "outcome": outcome,
            "number": decision.number,
            "stage": decision.stage,
            "tally": decision.tally,
        },
    )
    decision_effects(application, decision, actor)
    notify_application(
        applicants(project),
        application,
        _("Decision on %(ref)s: %(outcome)s"),
        "application.decide (R26)",
        outcome=site_text(Outcome(outcome).label),
    )
    return decision


def decision_effects(application: Application, decision: Decision, actor: User) -> None:
    """What a decision changes beyond the application: re-review, project status, clocks."""
    from reviews.services import appeals, lifecycle, rereview

    if application.kind == Kind.APPEAL:
        appeals.appeal_resolve(application, decision, actor)
    if decision.stage == DecisionStage.PRELIMINARY:
        rereview.rereview_start(application, decision, actor)
        return
    if decision.outcome in regulations.TRACKING_OUTCOMES:
        lifecycle.tracking_outcome(application, decision, actor)
    elif decision.grants_approval:
        lifecycle.approval_take_effect(application, decision, actor)
    elif decision.outcome == Outcome.EXEMPT:
        lifecycle.exemption_take_effect(application, actor)  # N10
    elif decision.outcome == Outcome.DISAPPROVE:
        lifecycle.closed_without_approval(application, actor, event="disapproval")  # R61


# --- 修改后批准: modifications submitted, checked and confirmed -------------------------------


def _pending_modifications(application: Application) -> Decision:
    decision = latest_decision(application)
    if decision is None or not decision.modifications_pending:
        raise Conflict(
            "no_modifications_pending",
            _("No decision of approval after modification is waiting for modifications."),
            rule="R23",
        )
    return decision


@transaction.atomic
def modifications_submit(*, application_id: int, actor: User, note: str = "") -> Decision:
    """The researcher submits the modifications the decision asked for."""
    application = lock_application(application_id)
    move(application, Action.SUBMIT_MODIFICATIONS, actor)
    decision = _pending_modifications(application)
    if decision.modifications_submitted_at is not None:
        raise Conflict(
            "modifications_already_submitted", _("The modifications are already submitted.")
        )
    if not DocumentVersion.objects.filter(
        document__application=application, uploaded_at__gt=decision.decided_at
    ).exists():
        raise Conflict(
            "no_modified_documents",
            _("Upload the modified documents before submitting them."),
            rule="R23",
        )
    decision.modifications_submitted_at = timezone.now()
    decision.modifications_note = note.strip()
    decision.save(update_fields=["modifications_submitted_at", "modifications_note"])
    record(
        actor,
        "modifications.submit",
        application,
        after={"decision": decision.number, "conditions": decision.conditions},
        reason=note,
    )
    notify_application(
        secretaries(application.committee_id),
        application,
        _("Modifications of %(ref)s submitted; check them against the conditions"),
        "modifications.submit",
    )
    return decision


@escalating
@transaction.atomic
def modifications_return(*, application_id: int, actor: User, note: str) -> Decision:
    """The secretary finds the modifications short of the conditions and says what is missing."""
    application = lock_application(application_id)
    move(application, Action.RETURN_MODIFICATIONS, actor)
    require_eligible(actor, application, OfficerStep.CONFIRM_MODIFICATIONS)  # R20a
    decision = _pending_modifications(application)
    if decision.modifications_submitted_at is None:
        raise Conflict("modifications_not_submitted", _("No modifications were submitted yet."))
    if not note.strip():
        raise invalid("note", _("Say which conditions are not met."), "required")
    decision.modifications_submitted_at = None
    decision.modifications_note = note.strip()
    decision.save(update_fields=["modifications_submitted_at", "modifications_note"])
    record(actor, "modifications.return", application, reason=note)
    notify_application(
        applicants(application.project),
        application,
        _("The modifications of %(ref)s do not yet meet the conditions: %(note)s"),
        "modifications.return",
        note=note.strip(),
    )
    return decision


@escalating
@transaction.atomic
def modifications_confirm(*, application_id: int, actor: User, note: str = "") -> Decision:
    """The secretary (or chair) confirms the modifications; only now is the approval granted.

    Returns the approval decision with its 批件; for a listed activity the confirmed
    application goes to expert re-review instead (R38) and the preliminary decision is returned.
    """
    application = lock_application(application_id)
    new = move(application, Action.CONFIRM_MODIFICATIONS, actor)
    # R20a: an officer with an interest does not confirm; another officer does.
    require_eligible(actor, application, OfficerStep.CONFIRM_MODIFICATIONS)
    decision = _pending_modifications(application)
    if decision.modifications_submitted_at is None:
        raise Conflict("modifications_not_submitted", _("No modifications were submitted yet."))
    project = lock_project(application.project_id)
    application.project = project
    now = timezone.now()
    decision.modifications_confirmed_at = now
    decision.save(update_fields=["modifications_confirmed_at"])
    record(
        actor,
        "modifications.confirm",
        application,
        after={"decision": decision.number, "conditions": decision.conditions},
        reason=note,
    )
    if needs_rereview(application):
        from reviews.services.rereview import rereview_start

        application.status = workflow.next_status(application.status, Action.START_REREVIEW)
        application.save(update_fields=["status", "updated_at"])
        rereview_start(application, decision, actor)
        return decision
    approval = decision_record(
        application=application,
        review=None,
        outcome=Outcome.APPROVE_WITH_MODIFICATIONS,
        stage=DecisionStage.CONFIRMATION,
        actor=actor,
        conditions=decision.conditions,
        follows=decision,
        meaning=site_text(_("Confirms that the required modifications were made")),
        next_tracking_due=next_tracking_due(
            application, Outcome.APPROVE_WITH_MODIFICATIONS, timezone.localdate(now)
        ),
    )
    application.status = new
    application.save(update_fields=["status", "updated_at"])
    record(
        actor,
        "application.approve",
        application,
        after={"number": approval.number, "follows": decision.number},
    )
    decision_effects(application, approval, actor)
    notify_application(
        applicants(project),
        application,
        _("The modifications of %(ref)s were confirmed; the approval letter follows"),
        "modifications.confirm",
    )
    return approval


def _simplified_tally(review: Review, outcome: str) -> dict[str, Any]:
    assignments = active_assignments(review)
    agreed, _reason = agreed_verdict(assignments)
    rules = review.application.rules
    problems = regulations.simplified_problems(review.grounds, len(assignments), rules=rules)
    if problems:
        raise Conflict(
            problems[0].code,
            problems[0].message,
            rule=problems[0].rule,
            problems=[p.as_dict() for p in problems],
        )
    if agreed is None:
        raise Conflict(
            "opinions_pending",
            _("Every designated reviewer must give an opinion first."),
            rule="R33",
        )
    # N10: reviewers who agree with an exemption request let the chair record the exemption.
    exempting = (
        review.application.kind == Kind.EXEMPTION
        and outcome == Outcome.EXEMPT
        and agreed == workflow.Verdict.APPROVE
    )
    if not exempting and (agreed not in workflow.SIMPLIFIED_APPROVING or outcome != agreed):
        raise Conflict(
            "outcome_not_agreed",
            _("The simplified procedure decides only the approval all reviewers agreed on."),
            rule="R34",
        )
    return {
        "procedure": Procedure.SIMPLIFIED,
        "reviewers": len(assignments),
        "verdicts": dict(Counter(a.opinion.verdict for a in assignments)),
    }


def _emergency_tally(review: Review, outcome: str) -> dict[str, Any]:
    """R47-R49: designated members decide an emergency review only where the committee's SOP
    allows it, at least as many as the simplified procedure needs (never weaker), every one of
    them approving; the decision is exactly what they agreed."""
    application = review.application
    if not emergency.member_route_allowed(application):
        raise Conflict(
            "emergency_meeting_required",
            _("The committee's emergency SOP provides for an emergency meeting, not members."),
            rule="R49",
        )
    assignments = active_assignments(review)
    minimum = application.rules.simplified_min_reviewers.value
    if len(assignments) < minimum:
        raise Conflict(
            "too_few_reviewers",
            _("An emergency review by members needs at least %(required)s designated members.")
            % {"required": minimum},
            rule="R49",
        )
    if any(not hasattr(a, "opinion") for a in assignments):
        raise Conflict(
            "opinions_pending",
            _("Every designated member must give an opinion first."),
            rule="R49",
        )
    agreed, _reason = agreed_verdict(assignments)
    if agreed not in workflow.EMERGENCY_APPROVING or outcome != agreed:
        raise Conflict(
            "outcome_not_agreed",
            _("An emergency review by members decides only the approval all of them agreed on."),
            rule="R49",
        )
    return {
        "procedure": Procedure.EMERGENCY,
        "reviewers": len(assignments),
        "verdicts": dict(Counter(a.opinion.verdict for a in assignments)),
    }


def _procedure_tally(
    application: Application, review: Review, outcome: str, tally: Mapping[str, Any] | None
) -> Mapping[str, Any] | None:
    """Nobody issues an outcome the reviewers or the meeting did not adopt.

    Meeting review (R24; emergency meetings too, R49): only the meeting's tally. Simplified
    (R34) and emergency review by members (R49): only the reviewers' unanimous recommendation.
    """
    if review.procedure == Procedure.MEETING:
        emergency.require_meeting_tally(application, outcome, tally)
        return tally
    if review.procedure == Procedure.SIMPLIFIED:
        return _simplified_tally(review, outcome)
    return _emergency_tally(review, outcome)


@escalating
@transaction.atomic
def application_decide(
    *, application_id: int, outcome: str, actor: User, conditions: str = "", reasons: str = ""
) -> Decision:
    """The chair decides a simplified (R33-R34) or emergency (R48-R49) review by members."""
    application = lock_application(application_id)
    workflow.next_status(application.status, Action.DECIDE)
    require(actor, Action.DECIDE, application)
    require_eligible(actor, application, OfficerStep.DECIDE)  # R20a
    if application.status != Status.AWAITING_REREVIEW:
        # R44 aside (the final decision after expert re-review), a meeting round is decided by
        # its meeting's tally alone (R24); decision_issue checks the other procedures.
        review = open_review(application)
        if review.procedure == Procedure.MEETING:
            raise Conflict(
                "meeting_review",
                _("This application is decided by the vote of a meeting (R24)."),
                rule="R24",
            )
    return decision_issue(
        application_id=application_id,
        outcome=outcome,
        actor=actor,
        conditions=conditions,
        reasons=reasons,
    )
