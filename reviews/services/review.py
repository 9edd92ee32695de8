"""Reviewers, conflicts of interest and opinions; conversion to meeting review (R20a, R32-R35)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Membership
from ethics import hooks, policies, regulations
from ethics import services as kernel
from ethics.errors import Conflict
from ethics.models import User
from ethics.services import invalid, require, site_text
from ethics.templatetags.ethics_tags import last_day
from reviews import checklist, workflow
from reviews.models import (
    Application,
    CoiState,
    ConflictDeclaration,
    ConflictSource,
    Opinion,
    Review,
    ReviewerAssignment,
    ReviewState,
)
from reviews.services import emergency as emergency_services
from reviews.services._common import (
    chairs,
    lock_application,
    move,
    notify_application,
    record,
    secretaries,
)
from reviews.services.conflicts import conflict_record, refuse_if_conflicted
from reviews.services.intake import open_review
from reviews.services.officers import OfficerStep, escalating, require_eligible
from reviews.workflow import Action, Procedure, Verdict

# --- reviewers, conflicts and opinions (R20a, R33-R35) -----------------------------------------


def active_assignments(review: Review) -> list[ReviewerAssignment]:
    """The review's reviewers without a declared conflict, with their opinions."""
    return list(
        review.assignments.exclude(coi_state=CoiState.CONFLICTED).select_related(
            "opinion", "membership__user"
        )
    )


@escalating
@transaction.atomic
def application_assign(
    *, application_id: int, membership_ids: Iterable[int], actor: User
) -> list[ReviewerAssignment]:
    """Designate reviewers; for the simplified procedure the chair designates ≥ 2 (R33)."""
    application = lock_application(application_id)
    move(application, Action.ASSIGN, actor)
    review = open_review(application)
    if review.procedure == Procedure.SIMPLIFIED and not policies.may(actor, "decide", application):
        # R33: simplified reviewers are designated by the chair.
        raise PermissionDenied
    # R20a: an officer with an interest does not designate; the step passes on (simplified: to
    # the deputy the chair designated, then another vice-chair).
    require_eligible(actor, application, OfficerStep.DESIGNATE)
    ids = list(dict.fromkeys(int(pk) for pk in membership_ids))
    if not ids:
        raise invalid("reviewers", _("Choose at least one member."), "required")
    members = list(
        Membership.objects.in_term(on=timezone.localdate())
        .voting()
        .filter(pk__in=ids, committee_id=application.committee_id)
        .select_related("user")
    )
    if len(members) != len(ids):
        raise invalid(
            "reviewers", _("Only current members of this committee can review."), "invalid_choice"
        )
    # R57: a banned member is not assigned as a reviewer during the ban.
    hooks.require_eligible([m.user for m in members], "reviewer", subject=application)
    project = application.project
    team = {project.lead_id, *project.team.values_list("pk", flat=True)}
    # A conflict declared anywhere (an earlier round, a meeting item, a standing declaration).
    conflicted = set(
        ConflictDeclaration.objects.active()
        .filter(application=application)
        .values_list("user_id", flat=True)
    )
    blocked = [m for m in members if m.user_id in team or m.user_id in conflicted]
    if blocked:
        raise Conflict(
            "member_conflicted",
            _("A member with a conflict of interest cannot be assigned."),
            rule="R20a",
            problems=[
                {
                    "code": "member_conflicted",
                    "rule": "R20a",
                    "membership": str(m.pk),
                    "message": m.user.display_name,
                }
                for m in blocked
            ],
        )
    existing = set(review.assignments.values_list("membership_id", flat=True))
    created = [
        ReviewerAssignment.objects.create(review=review, membership=m, assigned_by=actor)
        for m in members
        if m.pk not in existing
    ]
    if review.procedure == Procedure.SIMPLIFIED:
        rules = application.rules
        count = len(active_assignments(review))
        problems = [
            p
            for p in regulations.simplified_problems(review.grounds, count, rules=rules)
            if p.code == "too_few_reviewers"
        ]
        if problems:
            raise Conflict(
                problems[0].code,
                problems[0].message,
                rule=problems[0].rule,
                problems=[p.as_dict() for p in problems],
            )
    record(
        actor,
        "review.assign",
        review,
        after={"memberships": [a.membership_id for a in created], "procedure": review.procedure},
    )
    for assignment in created:
        kernel.notify(
            recipients=[assignment.membership.user],
            title=_("You were asked to review %(ref)s"),
            params={"ref": application.ref},
            url=reverse("reviews:assignment-detail", args=[assignment.pk]),
            cause="review.assign",
        )
    return created


def _lock_assignment(assignment_id: int) -> tuple[Application, ReviewerAssignment]:
    application_id = ReviewerAssignment.objects.values_list(
        "review__application_id", flat=True
    ).get(pk=assignment_id)
    application = lock_application(application_id)
    assignment = ReviewerAssignment.objects.select_related("review", "membership__user").get(
        pk=assignment_id
    )
    return application, assignment


@transaction.atomic
def assignment_declare(
    *, assignment_id: int, conflicted: bool, actor: User, note: str = ""
) -> ReviewerAssignment:
    """The member declares a conflict or none before the materials open (R20a)."""
    application, assignment = _lock_assignment(assignment_id)
    workflow.next_status(application.status, Action.DECLARE)
    require(actor, "declare", assignment)
    if assignment.review.state != ReviewState.OPEN:
        raise Conflict("round_closed", _("This review round is closed."))
    if assignment.coi_state != CoiState.PENDING:
        raise Conflict("already_declared", _("The declaration was already made."), rule="R20a")
    if conflicted and not note.strip():
        raise invalid("note", _("Describe the conflict of interest."), "required")
    if not conflicted:
        refuse_if_conflicted(actor, application)
    assignment.coi_state = CoiState.CONFLICTED if conflicted else CoiState.NONE
    assignment.coi_note = note.strip()
    assignment.coi_declared_at = timezone.now()
    assignment.save(update_fields=["coi_state", "coi_note", "coi_declared_at"])
    record(
        actor,
        "review.declare",
        assignment,
        after={"coi_state": assignment.coi_state, "rule": "R20a"},
        reason=note,
    )
    if conflicted:
        conflict_record(
            user_id=assignment.membership.user_id,
            application_id=application.pk,
            source=ConflictSource.ASSIGNMENT,
            source_ref=f"assignment:{assignment.pk}",
            reason=assignment.coi_note,
            actor=actor,
        )
        notify_application(
            secretaries(application.committee_id) + chairs(application.committee_id),
            application,
            _("A reviewer of %(ref)s declared a conflict; assign another member"),
            "review.declare (R20a)",
        )
    return assignment


def agreed_verdict(assignments: list[ReviewerAssignment]) -> tuple[str | None, str]:
    """R34: (the verdict everyone agrees on, or None with the conversion reason)."""
    verdicts = [a.opinion.verdict for a in assignments if hasattr(a, "opinion")]
    if any(v in workflow.NEGATIVE_VERDICTS for v in verdicts):
        return None, "negative_opinion"
    if Verdict.DOUBT in verdicts:
        return None, "doubt"
    if Verdict.REQUEST_MEETING in verdicts:
        return None, "meeting_requested"
    if len(set(verdicts)) > 1:
        return None, "disagreement"
    if len(verdicts) < len(assignments):
        return None, ""  # still waiting for opinions
    return (verdicts[0] if verdicts else None), ""


def _convert_to_meeting(review: Review, reason: str, actor: User | None) -> None:
    """R34/R35: a simplified review goes to meeting review, with the reason recorded.

    R49: an emergency review becomes an emergency meeting; its decision clock (R48, 72 hours
    from acceptance) is left as it is, and the round goes on the next meeting before it runs out.
    """
    application = review.application
    now = timezone.now()
    source = review.procedure
    emergency = source == Procedure.EMERGENCY
    review.converted_from = source
    review.procedure = Procedure.MEETING
    review.conversion_reason = reason
    review.converted_at = now
    review.ready_for_meeting_at = now
    review.save()
    application.procedure = Procedure.MEETING
    application.save(update_fields=["procedure", "updated_at"])
    rule = "R49" if emergency else "R34"
    record(
        actor,
        "review.convert",
        application,
        {"procedure": source},
        {"procedure": Procedure.MEETING, "reason": reason, "rule": rule, "due_at": review.due_at},
    )
    if not emergency:
        notify_application(
            secretaries(application.committee_id) + chairs(application.committee_id),
            application,
            _("%(ref)s moves from simplified to meeting review (%(reason)s)"),
            "review.convert (R34)",
            reason=reason,
        )
        return
    on_agenda = emergency_services.attach_to_meeting(review, actor)
    notify_application(
        secretaries(application.committee_id) + chairs(application.committee_id),
        application,
        _("%(ref)s goes to an emergency meeting (%(reason)s); decision still due %(due)s")
        if on_agenda
        else _(
            "%(ref)s goes to an emergency meeting (%(reason)s): schedule one before %(due)s "
            "and put it on the agenda"
        ),
        "review.convert (R49)",
        reason=site_text(emergency_services.REASONS.get(reason, reason)),
        due=last_day(review.due_at),
    )


def emergency_meeting_reason(review: Review, verdict: str) -> str:
    """R49: why an emergency round by designated members must go to a meeting ('' if not yet).

    Any opinion other than approval (conditions, doubt, disapproval, a request for a meeting)
    converts at once, as does disagreement between the members.
    """
    if not emergency_services.member_route_allowed(review.application):
        return emergency_services.SOP_MEETING_ONLY  # the SOP changed since acceptance
    if verdict in workflow.NEGATIVE_VERDICTS:
        return "negative_opinion"
    if verdict == Verdict.DOUBT:
        return "doubt"
    if verdict == Verdict.REQUEST_MEETING:
        return "meeting_requested"
    if verdict not in workflow.EMERGENCY_APPROVING:
        return emergency_services.CONDITIONS
    _agreed, reason = agreed_verdict(active_assignments(review))
    return reason


WORKSHEET_ANSWERS = frozenset({"met", "not_met", "na"})


def _check_worksheet(
    application: Any, worksheet: Mapping[str, Any], *, complete: bool = False
) -> None:
    """R22: worksheet answers only for the criteria of the project's scope, each a known answer;
    with `complete` (a worksheet was sent), every criterion answered: nothing is a default."""
    allowed = {c.key for c in checklist.criteria_for(application.project.scope)}
    missing = sorted(allowed - set(worksheet)) if complete else []
    if missing:
        raise invalid(
            "worksheet",
            _("Answer every review criterion; missing: %(keys)s") % {"keys": ", ".join(missing)},
            "required",
        )
    unknown = sorted(set(worksheet) - allowed)
    if unknown:
        raise invalid(
            "worksheet",
            _("These are not review criteria for this activity's scope: %(keys)s")
            % {"keys": ", ".join(unknown)},
            "unknown_criterion",
        )
    if any(str(value) not in WORKSHEET_ANSWERS for value in worksheet.values()):
        raise invalid(
            "worksheet", _("Each criterion is answered met, not_met or na."), "invalid_choice"
        )


@transaction.atomic
def opinion_record(
    *,
    assignment_id: int,
    verdict: str,
    actor: User,
    comments: str = "",
    worksheet: Mapping[str, Any] | None = None,
) -> Opinion:
    """A reviewer's opinion; under the simplified procedure it may convert the round (R34)."""
    application, assignment = _lock_assignment(assignment_id)
    workflow.next_status(application.status, Action.OPINION)
    require(actor, "opinion", assignment)
    review = assignment.review
    if review.state != ReviewState.OPEN:
        raise Conflict("round_closed", _("This review round is closed."))
    if assignment.coi_state != CoiState.NONE:
        raise Conflict(
            "coi_not_declared",
            _("Declare that you have no conflict of interest before giving an opinion."),
            rule="R20a",
        )
    refuse_if_conflicted(actor, application)
    if verdict not in Verdict.values:
        raise invalid("verdict", _("Unknown verdict."), "invalid_choice")
    if Opinion.objects.filter(assignment=assignment).exists():
        raise Conflict("opinion_exists", _("You have already given your opinion."))
    _check_worksheet(application, worksheet or {}, complete=worksheet is not None)
    opinion = Opinion.objects.create(
        assignment=assignment, verdict=verdict, comments=comments, worksheet=dict(worksheet or {})
    )
    record(actor, "review.opinion", opinion, after={"verdict": verdict, "review": review.pk})
    if review.procedure == Procedure.EMERGENCY:
        reason = emergency_meeting_reason(review, verdict)
        if reason:
            _convert_to_meeting(review, reason, actor)
    elif review.procedure == Procedure.SIMPLIFIED:
        agreed, reason = agreed_verdict(active_assignments(review))
        if reason:
            _convert_to_meeting(review, reason, actor)
        elif agreed:
            notify_application(
                chairs(application.committee_id),
                application,
                _("All reviewers of %(ref)s agree; the chair can decide"),
                "review.opinion (R34)",
            )
    return opinion
