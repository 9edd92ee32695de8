"""What the kernel asks of reviews: decision-clock recipients and links, nav, dashboard panels."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from committees.models import MANAGING_ROLES, VOTING_ROLES, Role
from committees.policies import current_roles
from committees.selectors import institution_admins, officers
from ethics import policies
from ethics.choice_labels import labeller
from ethics.deadlines import Calendar
from ethics.hooks import Recipients
from ethics.live import Subject
from ethics.models import Deadline, User
from reviews import selectors, services
from reviews.models import Application, Project, ReReview, Review, ReviewState
from reviews.policies import managed_committee_ids


def office_recipients(deadline: Deadline) -> Recipients:
    """The committee office's clocks (the decision, R25/R48; listed-activity registration, R51):
    secretaries act; the chair and institution admins escalate."""
    if deadline.committee_id is None:
        return Recipients()
    return Recipients(
        responsible=services.secretaries(deadline.committee_id),
        escalation=officers(deadline.committee_id, [Role.CHAIR])
        + institution_admins(deadline.committee_id),
    )


def tracking_recipients(deadline: Deadline) -> Recipients:
    """R28/R45: the activity lead reports, the secretaries follow up; chair and admins escalate."""
    project = Project.objects.select_related("lead").filter(pk=deadline.subject_id).first()
    if project is None:
        return Recipients()
    return Recipients(
        responsible=[project.lead, *services.secretaries(project.committee_id)],
        escalation=officers(project.committee_id, [Role.CHAIR])
        + institution_admins(project.committee_id),
    )


def project_url(deadline: Deadline) -> str:
    """The page of the project a clock is about (tracking review, listed registration)."""
    return reverse("reviews:project-detail", args=[deadline.subject_id])


def rereview_recipients(deadline: Deadline) -> Recipients:
    """R43: the secretaries chase the authority's opinion; the chair is told when it is late."""
    if deadline.committee_id is None:
        return Recipients()
    return Recipients(
        responsible=services.secretaries(deadline.committee_id),
        escalation=officers(deadline.committee_id, [Role.CHAIR]),
    )


def rereview_url(deadline: Deadline) -> str:
    application_id = (
        ReReview.objects.filter(pk=deadline.subject_id)
        .values_list("application_id", flat=True)
        .first()
    )
    return reverse("reviews:application-detail", args=[application_id]) if application_id else ""


def decision_url(deadline: Deadline) -> str:
    application_id = (
        Review.objects.filter(pk=deadline.subject_id)
        .values_list("application_id", flat=True)
        .first()
    )
    return reverse("reviews:application-detail", args=[application_id]) if application_id else ""


def _committee_roles(user: Any) -> set[str]:
    """The user's current committee roles, read once per request (nav, panels and pages)."""
    return set().union(*current_roles(user).values())


def is_officer(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or bool(_committee_roles(user) & set(MANAGING_ROLES))


def is_member(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(_committee_roles(user) & set(VOTING_ROLES))


@dataclass
class Panel:
    title: Any
    template: str
    items: list[Any] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class NeedRow:
    """A line of the researcher panel: an application waiting for its applicant."""

    pk: int
    ref: str
    title: str
    status: str  # the label


def researcher_panel(request: Any) -> Panel | None:
    """What is needed from me: drafts, returns and correction requests."""
    rows = selectors.needs_from_applicant_rows(request.user)
    if not rows:
        return None
    status = labeller(Application, "status")
    items = [
        NeedRow(pk=pk, ref=ref, title=title, status=status(code))
        for pk, ref, _project, title, code in rows
    ]
    # The count is of projects, as the list it links to (my projects, "needs me") shows them;
    # when the panel holds every application waiting, its projects are counted here (issue 18).
    if len(rows) < selectors.NEEDS_SHOWN:
        projects = len({project for _pk, _ref, project, _title, _code in rows})
    else:
        projects = selectors.projects_needing_applicant(request.user).count()
    counts = {"projects": projects}
    return Panel(_("Needed from me"), "reviews/_panel_researcher.html", items=items, counts=counts)


def intake_panel(request: Any) -> Panel | None:
    if not is_officer(request.user):
        return None
    return Panel(
        _("Intake queue"),
        "reviews/_panel_intake.html",
        counts=selectors.intake_counts(request.user),
    )


def follow_up_panel(request: Any) -> Panel | None:
    """Secretary: overdue tracking reviews and re-review opinions still awaited."""
    if not is_officer(request.user):
        return None
    counts = selectors.follow_up_counts(request.user)
    if not any(counts.values()):
        return None
    return Panel(_("Follow-up"), "reviews/_panel_follow_up.html", counts=counts)


@dataclass(frozen=True)
class ReviewRow:
    """A line of the reviewer panel: an open review assigned to me."""

    pk: int
    ref: str
    title: str
    due_at: datetime | None


def reviewer_panel(request: Any) -> Panel | None:
    rows = selectors.open_assignment_rows(request.user)
    if not rows:
        return None
    items = [ReviewRow(*row) for row in rows]
    if len(items) < selectors.ASSIGNMENTS_SHOWN:
        counts = {"open": len(items)}
    else:
        counts = {
            "open": selectors.assignments_for_user(request.user)
            .filter(review__state=ReviewState.OPEN)
            .count()
        }
    return Panel(
        _("My assigned reviews"), "reviews/_panel_reviewer.html", items=items, counts=counts
    )


# --- recomputing the decision clock after a holiday import (R25) -------------------------------


def decision_due_under(deadline: Deadline, calendar: Calendar) -> datetime | None:
    """The R25 / N5 decision clock counted under ``calendar``; the hour-counted emergency clock
    (R48) does not depend on the calendar."""
    from reviews.services.intake import decision_due_at
    from reviews.workflow import Procedure

    review = (
        Review.objects.select_related("application__committee")
        .filter(pk=deadline.subject_id)
        .first()
    )
    if review is None or review.accepted_at is None or review.procedure == Procedure.EMERGENCY:
        return None
    return decision_due_at(
        review.application.rules, review.procedure, review.accepted_at, calendar
    )[0]


# --- the other calendar-counted clocks, recounted after a holiday import ------------------------
# Each returns the clock's due time under ``calendar`` counted the way the service that opened it
# counts (None: nothing to count from). The kernel moves a clock only when this function gives
# its current due time under the old calendar, so a clock extended with a reason keeps its date.


def _day_period(start: datetime, param: Any, rules: Any, calendar: Calendar) -> datetime:
    from ethics import deadlines

    return deadlines.day_period_due_at(
        start, param.value, calendar=calendar, roll_forward=rules.roll_forward_rest_days.value
    )


def rereview_due_under(deadline: Deadline, calendar: Calendar) -> datetime | None:
    """R43: the expert re-review opinion, counted in days from the day the re-review opened."""
    rereview = (
        ReReview.objects.select_related("application__committee")
        .filter(pk=deadline.subject_id)
        .first()
    )
    if rereview is None:
        return None
    rules = rereview.application.rules
    return _day_period(deadline.opened_at, rules.rereview_days, rules, calendar)


def _tracking_source(project: Project, deadline: Deadline) -> tuple[Any, date, bool] | None:
    """(rule set, start day, listed) the tracking clock counts from: the recognition for a
    participating site's own clock (N12), otherwise the latest decision that scheduled it (R28)."""
    from django.utils import timezone

    from reviews.models import Decision, Recognition

    if deadline.rule == "N12":
        if deadline.committee_id is None:
            return None
        recognition = (
            Recognition.objects.select_related("committee", "source_decision")
            .filter(project=project, committee_id=deadline.committee_id)
            .order_by("-recorded_at", "-id")
            .first()
        )
        if recognition is None:
            return None
        decided_on = recognition.decided_on or (
            timezone.localdate(recognition.source_decision.decided_at)
            if recognition.source_decision
            else None
        )
        if decided_on is None:
            return None
        return recognition.committee.effective_rules(), decided_on, project.listed
    decision = (
        Decision.objects.select_related("application__committee")
        .filter(
            application__project=project,
            next_tracking_due__isnull=False,
            decided_at__lte=deadline.opened_at,
        )
        .order_by("-decided_at", "-id")
        .first()
    )
    if decision is None:
        return None
    return decision.application.rules, timezone.localdate(decision.decided_at), project.listed


def tracking_due_under(deadline: Deadline, calendar: Calendar) -> datetime | None:
    """R28 / R45 / N12: the next tracking review, counted in months from the decision (or the
    recognised decision) and rolled past rest days."""
    from ethics import deadlines, regulations

    project = Project.objects.filter(pk=deadline.subject_id).first()
    if project is None:
        return None
    source = _tracking_source(project, deadline)
    if source is None:
        return None
    rules, start, listed = source
    interval = regulations.tracking_interval(rules, listed=listed)
    due_on = deadlines.month_period_due_on(
        start,
        interval.value,
        calendar=calendar,
        roll_forward=rules.roll_forward_rest_days.value,
    )
    return deadlines.end_of_day(due_on)


def listed_registration_due_under(deadline: Deadline, calendar: Calendar) -> datetime | None:
    """R51: register a listed activity within the period after its final approval."""
    from reviews.models import Decision, DecisionStage

    decision = (
        Decision.objects.select_related("application__committee")
        .filter(
            application__project_id=deadline.subject_id,
            stage=DecisionStage.FINAL,
            decided_at__lte=deadline.opened_at,
        )
        .order_by("-decided_at", "-id")
        .first()
    )
    if decision is None:
        return None
    rules = decision.application.rules
    return _day_period(decision.decided_at, rules.listed_registration_days, rules, calendar)


def listed_update_due_under(deadline: Deadline, calendar: Calendar) -> datetime | None:
    """R51: update a listed activity's registration within the period after the change (the
    clock opens when the change is recorded)."""
    project = Project.objects.select_related("committee").filter(pk=deadline.subject_id).first()
    if project is None:
        return None
    rules = project.committee.effective_rules()
    return _day_period(deadline.opened_at, rules.listed_registration_days, rules, calendar)


# --- live state of the documents rendered in the background (ethics.live) ------------------------


def _may_rerender(user: User, committee_id: int) -> bool:
    return (
        user.is_superuser or managed_committee_ids(user).filter(committee_id=committee_id).exists()
    )


def live_letter(user: User, pk: int) -> Any:
    """A decision's letter (批件): whoever sees the decision (as its download), else 404."""
    decision = selectors.decision_get_for_user(user, pk)
    return Subject(
        ready=bool(decision.letter),
        url=reverse("reviews:letter-download", args=[decision.pk]),
        label=_("Download the letter (PDF)"),
        task="reviews.render_letter",
        kwargs={"decision_id": decision.pk},
        page=reverse("reviews:application-detail", args=[decision.application_id]),
        may_retry=_may_rerender(user, decision.committee_id),
        note=decision.letter_hash,
    )


def live_rereview_package(user: User, pk: int) -> Any:
    """The expert re-review package (R39): the committee's officers only (as its download)."""
    rereview = policies.get_visible_or_404(
        user, ReReview.objects.select_related("application"), pk=pk
    )
    if not policies.may(user, "download", rereview):
        raise Http404
    return Subject(
        ready=bool(rereview.package),
        url=reverse("reviews:package-download", args=[rereview.pk]),
        label=_("Download the package (PDF)"),
        task="reviews.render_rereview_package",
        kwargs={"rereview_id": rereview.pk},
        page=reverse("reviews:application-detail", args=[rereview.application_id]),
        may_retry=_may_rerender(user, rereview.application.committee_id),
        note=rereview.package_hash,
    )
