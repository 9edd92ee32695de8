"""Intake and the review clock: submit, return, accept, extend, withdraw, resubmit, triage."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees import gates
from ethics import deadlines, hooks, regulations
from ethics import services as kernel
from ethics.errors import Conflict
from ethics.models import Deadline, DeadlineState, User
from ethics.selectors import working_calendar
from ethics.services import invalid, site_text
from ethics.templatetags.ethics_tags import last_day
from reviews import checklist, clocks, numbering, workflow
from reviews.models import (
    Appeal,
    AppealState,
    Application,
    DocumentVersion,
    Listing,
    MajorChange,
    NumberSequence,
    Outcome,
    Project,
    ReReview,
    ReReviewState,
    Review,
    ReviewState,
)
from reviews.services import lifecycle
from reviews.services._common import (
    applicants,
    latest_decision,
    lock_application,
    move,
    notify_application,
    record,
    secretaries,
)
from reviews.services.documents import checklist_problems
from reviews.services.officers import OfficerStep, escalating, require_eligible
from reviews.services.team import team_conflicts_record
from reviews.workflow import Action, Kind, Procedure, Status

# --- intake (R11-R14) -------------------------------------------------------------------------


def submission_eligibility(application: Application, actor: User) -> list[regulations.Problem]:
    """Ask the registered eligibility checks (ethics.hooks) about the lead and the submitter:
    409 with every blocking problem (R57 ban, R10a where the SOP refuses). The warnings are
    returned; the caller keeps them in the audit row and on the application it returns
    (``eligibility_warnings``), which the submit action shows."""
    lead = application.project.lead
    warnings: list[regulations.Problem] = hooks.require_eligible(
        [lead, actor], "submit", subject=application
    )
    application.eligibility_warnings = warnings  # type: ignore[attr-defined]
    return warnings


@transaction.atomic
def application_submit(*, application_id: int, actor: User) -> Application:
    """Submit a complete application, or refuse with every missing item at once (R13, R14)."""
    # R20a: the project first (the order of a team invitation's acceptance), then the row.
    team_project = (
        Project.objects.select_for_update()
        .filter(pk__in=Application.objects.filter(pk=application_id).values("project_id"))
        .first()
    )
    application = lock_application(application_id)
    new = move(application, Action.SUBMIT, actor)
    project = application.project
    if application.kind == Kind.INITIAL and not checklist.in_scope(project.scope):
        # R12: the same scope test as the pre-screen's answer (Art. 2(1)-(4)).
        raise Conflict(
            "scope_required",
            _("Answer the scope questions first: the committee needs the Art. 2 categories."),
            rule="R12",
        )
    if application.kind == Kind.AMENDMENT and tracking_overdue(project):
        # R28: an overdue tracking review blocks new amendments until it is done.
        raise Conflict(
            "tracking_overdue",
            _("The tracking review of this activity is overdue; submit the tracking report first."),
            rule="R28",
        )
    problems = checklist_problems(application)
    if problems:
        raise Conflict(
            "checklist_incomplete",
            _("The application is incomplete; every missing item is listed."),
            rule="R13",
            problems=problems,
        )
    # R57: refused when the lead or the submitter is banned; R10a: the lead's ethics training
    # (a warning, or a refusal where the committee's SOP says so).
    warnings = submission_eligibility(application, actor)
    before = application.status
    now = timezone.now()
    if not application.ref:
        year = timezone.localtime(now).year
        sequence = numbering.next_number(
            committee_id=application.committee_id, year=year, kind=NumberSequence.Kind.APPLICATION
        )
        application.ref = numbering.application_ref(application.committee_id, year, sequence)
    application.status = new
    application.submitted_at = now
    application.missing_items = []
    application.save()
    after: dict[str, Any] = {"status": new, "ref": application.ref}
    if warnings:
        after["warnings"] = [p.as_dict() for p in warnings]
    record(actor, "application.submit", application, {"status": before}, after)
    notify_application(
        secretaries(application.committee_id),
        application,
        _("New application %(ref)s: %(title)s"),
        "application.submit",
    )
    # R20a: the team is frozen from now on (the project row, locked above, serialises this with
    # an acceptance); a committee member on it is recorded as conflicted, not silently excluded.
    team_project = team_project or project
    proposed = (application.team_change or {}).get("add", [])  # an amendment's newcomers
    team_conflicts_record(team_project, [application], actor=actor, also=proposed)
    return application


@escalating
@transaction.atomic
def application_return(
    *, application_id: int, missing: Iterable[str], actor: User, note: str = ""
) -> Application:
    """Return for completion with all missing items in one notice (R14, 一次性完整告知)."""
    application = lock_application(application_id)
    new = move(application, Action.RETURN, actor)
    require_eligible(actor, application, OfficerStep.ACCEPT)  # R20a
    auto = [p["slot"] for p in checklist_problems(application)]
    items = list(dict.fromkeys([*auto, *(m.strip() for m in missing if m and m.strip())]))
    if not items:
        raise invalid("missing", _("List every missing or defective item (R14)."), "required")
    labels = dict(checklist.Slot.choices)
    application.status = new
    application.missing_items = items
    application.status_reason = note
    application.save()
    record(
        actor,
        "application.return",
        application,
        {"status": Status.SUBMITTED},
        {"status": new, "missing": items},
        note,
    )
    notify_application(
        applicants(application.project),
        application,
        _("%(ref)s was returned; missing: %(missing)s"),
        "application.return (R14)",
        missing="; ".join(site_text(labels[i]) if i in labels else i for i in items),
    )
    return application


@escalating
@transaction.atomic
def application_not_accept(*, application_id: int, reason: str, actor: User) -> Application:
    """Refuse to accept, with a reason (R14)."""
    application = lock_application(application_id)
    new = move(application, Action.NOT_ACCEPT, actor)
    require_eligible(actor, application, OfficerStep.ACCEPT)  # R20a
    if not reason.strip():
        raise invalid("reason", _("Give the reason for not accepting."), "required")
    application.status = new
    application.status_reason = reason.strip()
    application.save()
    record(
        actor,
        "application.not_accept",
        application,
        {"status": Status.SUBMITTED},
        {"status": new},
        reason,
    )
    notify_application(
        applicants(application.project),
        application,
        _("%(ref)s was not accepted"),
        "application.not_accept",
    )
    return application


def decision_due_at(
    rules: regulations.RuleSet,
    procedure: str,
    accepted_at: datetime,
    calendar: deadlines.Calendar | None = None,
) -> tuple[datetime, str]:
    """R25/N5: 30 days (Civil Code counting, rest days rolled); R48/N5: 72 clock hours."""
    if procedure == Procedure.EMERGENCY:
        return (
            deadlines.hour_period_due_at(accepted_at, rules.emergency_hours.value),
            rules.emergency_hours.rule,
        )
    return (
        deadlines.day_period_due_at(
            accepted_at,
            rules.decision_days.value,
            calendar=calendar or working_calendar(),
            roll_forward=rules.roll_forward_rest_days.value,
        ),
        rules.decision_days.rule,
    )


def _check_determinations(application: Application) -> None:
    """R37: the committee has determined whether the activity is listed before it accepts;
    R46: an amendment to a listed activity is classified (major or not) before it is accepted."""
    project = application.project
    if project.listing == Listing.UNDETERMINED:
        raise Conflict(
            "listing_undetermined",
            _(
                "The committee has not determined whether the activity is on the annex list: "
                "the secretary proposes, the chair confirms with reasons (R37)."
            ),
            rule="R37",
        )
    if (
        application.kind == Kind.AMENDMENT
        and project.listed
        and application.major_classification == MajorChange.UNCLASSIFIED
    ):
        raise Conflict(
            "amendment_unclassified",
            _("Classify the amendment of a listed activity as a major change or not (R46)."),
            rule="R46",
        )


def _check_ground_fits(application: Application, procedure: str, grounds: str) -> None:
    """R32: a simplified ground fits only its kinds, and a minor modification is the
    committee's classification, never only the applicant's declaration."""
    if procedure != Procedure.SIMPLIFIED:
        return
    problems = regulations.simplified_ground_kind_problems(grounds, application.kind)
    if problems:
        raise Conflict(
            problems[0].code,
            problems[0].message,
            rule=problems[0].rule,
            problems=[p.as_dict() for p in problems],
        )
    if (
        grounds == regulations.MINOR_MODIFICATION
        and application.major_classification != MajorChange.MINOR
    ):
        raise Conflict(
            "amendment_not_classified_minor",
            _(
                "The simplified procedure for a minor modification needs the committee's "
                "classification of the amendment as not a major change (R32, R46)."
            ),
            rule="R32",
        )


def _check_grounds(rules: regulations.RuleSet, procedure: str, grounds: str) -> None:
    if procedure == Procedure.SIMPLIFIED:
        # R32 / N9: one of the grounds every applicable regime allows.
        problems = [
            p
            for p in regulations.simplified_problems(
                grounds, rules.simplified_min_reviewers.value, rules=rules
            )
            if p.code == "simplified_ground_not_allowed"
        ]
        if problems:
            raise Conflict(
                problems[0].code,
                problems[0].message,
                rule=problems[0].rule,
                problems=[p.as_dict() for p in problems],
            )
    if procedure == Procedure.EMERGENCY and not grounds.strip():
        raise Conflict(
            "emergency_basis_required",
            _("The emergency procedure needs its emergency basis (R47)."),
            rule="R47",
        )


def _check_committee(application: Application, procedure: str) -> None:
    """Gates on the committee: meeting review needs a valid composition (R4-R6, N1), the
    emergency procedure the committee's emergency-review SOP on file (R47) and, as it may turn
    into an emergency meeting (R49), a valid composition too."""
    if procedure in (Procedure.MEETING, Procedure.EMERGENCY):
        gates.require_composition(application.committee)
    if procedure == Procedure.EMERGENCY:
        gates.require_documents(application.committee, gates.EMERGENCY_DOCUMENTS)


@escalating
@transaction.atomic
def application_accept(
    *, application_id: int, procedure: str, actor: User, grounds: str = "", note: str = ""
) -> Application:
    """Accept with a procedure and its grounds; starts the decision clock (R14, R15, R25, R48)."""
    application = lock_application(application_id)
    new = move(application, Action.ACCEPT, actor)
    # R20a: an officer with an interest in the application does not accept it.
    require_eligible(actor, application, OfficerStep.ACCEPT)
    if procedure not in Procedure.values:
        raise invalid(
            "procedure", _("Choose meeting, simplified or emergency review."), "invalid_choice"
        )
    rules = application.rules
    _check_grounds(rules, procedure, grounds)
    _check_ground_fits(application, procedure, grounds.strip())
    _check_determinations(application)
    _check_committee(application, procedure)
    now = timezone.now()
    due_at, rule = decision_due_at(rules, procedure, now)
    rounds = application.reviews.count()
    review = Review.objects.create(
        application=application,
        round=rounds + 1,
        procedure=procedure,
        grounds=grounds.strip()[:50] if procedure == Procedure.SIMPLIFIED else "",
        grounds_note=note or (grounds if procedure != Procedure.SIMPLIFIED else ""),
        accepted_at=now,
        accepted_by=actor,
        due_at=due_at,
        clock_rule=rule,
        ready_for_meeting_at=now if procedure == Procedure.MEETING else None,
    )
    application.status = new
    application.procedure = procedure
    application.accepted_at = now
    application.due_at = due_at
    application.missing_items = []
    application.save()
    kernel.deadline_open(
        kind=clocks.DECISION,
        subject=review,
        due_at=due_at,
        title=site_text(_("Decide on %(ref)s"), ref=application.ref),
        rule=rule,
        committee_id=application.committee_id,
        actor=actor,
    )
    record(
        actor,
        "application.accept",
        application,
        {"status": Status.SUBMITTED},
        {"status": new, "procedure": procedure, "grounds": grounds, "due_at": due_at, "rule": rule},
    )
    if procedure == Procedure.EMERGENCY:
        from reviews.services import emergency
        from reviews.services.review import _convert_to_meeting

        if not emergency.member_route_allowed(application):
            # R49: without an SOP for designated members, an emergency meeting decides, within
            # the 72-hour clock just opened (R48).
            _convert_to_meeting(review, emergency.SOP_MEETING_ONLY, actor)
    notify_application(
        applicants(application.project),
        application,
        _("%(ref)s was accepted for %(procedure)s; decision due %(due)s"),
        "application.accept",
        procedure=site_text(Procedure(procedure).label),
        due=last_day(due_at),
    )
    return application


def open_review(application: Application) -> Review:
    review = Review.objects.filter(application=application, state=ReviewState.OPEN).first()
    if review is None:
        raise Conflict("no_open_review", _("The application has no open review round."))
    return review


@transaction.atomic
def application_extend(
    *, application_id: int, due_at: datetime, reason: str, actor: User
) -> Application:
    """R25: an extension needs a reason and an explicit new due date; both are audited."""
    application = lock_application(application_id)
    move(application, Action.EXTEND, actor)
    if not reason.strip():
        raise invalid("reason", _("An extension needs a reason (R25)."), "required")
    review = open_review(application)
    if due_at <= review.due_at:
        raise invalid(
            "due_at", _("The new due date must be later than the current one."), "invalid"
        )
    from ethics.selectors import deadlines_for_subject

    clock = deadlines_for_subject(review).active().filter(kind=clocks.DECISION).first()
    if clock is not None:
        kernel.deadline_extend(deadline_id=clock.pk, due_at=due_at, reason=reason, actor=actor)
    before = review.due_at
    review.due_at = due_at
    review.save(update_fields=["due_at"])
    application.due_at = due_at
    application.save(update_fields=["due_at", "updated_at"])
    record(
        actor,
        "application.extend",
        application,
        {"due_at": before},
        {"due_at": due_at, "rule": "R25"},
        reason,
    )
    notify_application(
        applicants(application.project),
        application,
        _("The decision on %(ref)s is now due %(due)s"),
        "application.extend (R25)",
        due=last_day(due_at),
    )
    return application


@transaction.atomic
def application_withdraw(*, application_id: int, actor: User, reason: str = "") -> Application:
    """Withdraw at any point before a decision; an open round closes and its clock is waived."""
    application = lock_application(application_id)
    new = move(application, Action.WITHDRAW, actor)
    before = application.status
    for review in Review.objects.filter(application=application, state=ReviewState.OPEN):
        review.state = ReviewState.CLOSED
        review.closed_at = timezone.now()
        review.save(update_fields=["state", "closed_at"])
        kernel.deadline_close(
            kind=clocks.DECISION,
            subject=review,
            state=DeadlineState.WAIVED,
            actor=actor,
            reason="withdrawn",
        )
    for rereview in ReReview.objects.filter(
        application=application, state__in=[ReReviewState.PREPARING, ReReviewState.SUBMITTED]
    ):
        rereview.state = ReReviewState.CANCELLED
        rereview.save(update_fields=["state"])
        kernel.deadline_close(
            kind=clocks.REREVIEW_OPINION,
            subject=rereview,
            state=DeadlineState.WAIVED,
            actor=actor,
            reason="withdrawn",
        )
    Appeal.objects.filter(application=application, state=AppealState.FILED).update(
        state=AppealState.WITHDRAWN, resolved_at=timezone.now()
    )
    application.status = new
    application.status_reason = reason
    application.save()
    record(actor, "application.withdraw", application, {"status": before}, {"status": new}, reason)
    lifecycle.closed_without_approval(application, actor, event="withdrawal")  # R61
    if application.submitted_at:
        notify_application(
            secretaries(application.committee_id),
            application,
            _("%(ref)s was withdrawn"),
            "application.withdraw",
        )
    return application


def tracking_overdue(project: Project) -> bool:
    """R28: the project's tracking review clock is past due."""
    from ethics.selectors import deadlines_for_subject

    return (
        deadlines_for_subject(project)
        .active()
        .filter(kind=clocks.TRACKING_REVIEW)
        .filter(due_at__lte=timezone.now())
        .exists()
    )


@transaction.atomic
def application_resubmit(*, application_id: int, actor: User, note: str = "") -> Application:
    """修改后再审: resubmit the modified application; the next acceptance opens a new round.

    Earlier rounds, opinions, document versions and decisions stay on the application.
    """
    application = lock_application(application_id)
    new = move(application, Action.RESUBMIT, actor)
    decision = latest_decision(application)
    if decision is None or decision.outcome != Outcome.RESUBMIT:
        raise Conflict(
            "resubmission_not_requested",
            _("Only a decision of re-review after modification asks for a resubmission."),
            rule="R23",
        )
    changed = DocumentVersion.objects.filter(
        document__application=application, uploaded_at__gt=decision.decided_at
    ).exists()
    if not changed:
        raise Conflict(
            "no_modified_documents",
            _("Upload the modified documents before resubmitting."),
            rule="R23",
        )
    problems = checklist_problems(application)
    if problems:
        raise Conflict(
            "checklist_incomplete",
            _("The application is incomplete; every missing item is listed."),
            rule="R13",
            problems=problems,
        )
    submission_eligibility(application, actor)  # R57, R10a as at the first submission
    application.status = new
    application.submitted_at = timezone.now()
    application.procedure = None
    application.accepted_at = None
    application.due_at = None
    application.status_reason = note
    application.save()
    record(
        actor,
        "application.resubmit",
        application,
        {"status": Status.DECIDED, "decision": decision.number},
        {"status": new},
        note,
    )
    notify_application(
        secretaries(application.committee_id),
        application,
        _("%(ref)s was resubmitted after modification"),
        "application.resubmit",
    )
    return application


@transaction.atomic
def application_acknowledge(*, application_id: int, actor: User, note: str = "") -> Application:
    """R30: the secretary acknowledges a risk, deviation or closure report without a review."""
    application = lock_application(application_id)
    new = move(application, Action.ACKNOWLEDGE, actor)
    if application.kind not in workflow.TRIAGED_KINDS:
        raise Conflict(
            "not_a_report",
            _("Only risk, deviation and closure reports can be acknowledged."),
            rule="R30",
        )
    application.status = new
    application.decided_at = timezone.now()
    application.status_reason = note
    application.save()
    record(
        actor,
        "application.acknowledge",
        application,
        {"status": Status.SUBMITTED},
        {"status": new, "rule": "R30"},
        note,
    )
    if application.kind == Kind.CLOSURE:
        from reviews.services.lifecycle import closure_take_effect

        closure_take_effect(application, actor)
    notify_application(
        applicants(application.project),
        application,
        _("%(ref)s was acknowledged by the committee"),
        "application.acknowledge (R30)",
    )
    return application


@transaction.atomic
def decision_clock_moved(deadline: Deadline) -> None:
    """A holiday import moved the R25 decision clock: the review's and the application's due
    time follow it (an application whose due time was changed otherwise keeps its own)."""
    review = Review.objects.select_for_update().filter(pk=deadline.subject_id).first()
    if review is None:
        return
    before = review.due_at
    Review.objects.filter(pk=review.pk).update(due_at=deadline.due_at)
    Application.objects.filter(pk=review.application_id, due_at=before).update(
        due_at=deadline.due_at
    )
