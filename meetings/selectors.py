"""Permission-scoped reads of meetings; query counts stay constant in members and items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Protocol, TypeVar

from django.db import models
from django.db.models import Prefetch
from django.db.models.functions import Coalesce
from django.utils import timezone

from committees.models import Membership
from committees.policies import visibility_args, visible_committee_condition
from ethics import policies, regulations
from ethics.models import User
from ethics.prepared import prepared
from meetings import counting
from meetings.models import (
    AgendaItem,
    Attendance,
    Consultant,
    Declaration,
    Excusal,
    Meeting,
    Minutes,
    Recusal,
    Vote,
    VoteChoice,
)
from meetings.policies import (
    may_run,
    member_committee_ids,
    own_membership_ids,
)
from meetings.workflow import ABSTAIN, DONE_ITEM_STATUSES, ItemKind, Status
from reviews.models import Application, Decision, Review, ReviewState
from reviews.policies import access_among, conflicted_users
from reviews.workflow import Procedure
from reviews.workflow import Status as ApplicationStatus


def _meetings() -> models.QuerySet[Meeting]:
    return Meeting.objects.select_related("committee", "presiding__user")


MEETING_ORDER = ("-starts_at", "-id")  # the meetings list's, newest first


def meetings_for_user(user: User) -> models.QuerySet[Meeting]:
    return policies.visible(user, _meetings()).order_by(*MEETING_ORDER)


MEETINGS_PER_PAGE = 25  # the meetings page's (ethics.listing.filtered_page's default)


def first_meeting_rows(user: User) -> list[tuple[Any, ...]]:
    """The meetings page's first page as it opens (no filter, the default order), as
    ``meetings.rows.MEETING_VALUES`` tuples: ``meetings_for_user``'s rows read with a query
    compiled once per shape (ethics.prepared, issue 18); ``filtered_page``'s ``landing``."""
    rows: list[tuple[Any, ...]] = _first_meeting_rows(**visibility_args(user))
    return rows


@prepared("rows")
def _first_meeting_rows(
    *, every: bool = False, sits_on: tuple[int, ...] = (), institution: int | None = None
) -> models.QuerySet[Any]:
    from meetings.rows import MEETING_VALUES

    qs = _meetings()
    if not every:  # MeetingPolicy's visibility
        qs = qs.filter(visible_committee_condition(sits_on, institution, prefix="committee__"))
    return qs.order_by(*MEETING_ORDER).values_list(*MEETING_VALUES)[:MEETINGS_PER_PAGE]


def meeting_get_for_user(user: User, pk: int) -> Meeting:
    """One meeting the user may see, or 404."""
    return policies.get_visible_or_404(
        user, Meeting.objects.select_related("committee", "presiding__user"), pk=pk
    )


def meeting_page_for_user(user: User, pk: int) -> Meeting:
    """The meeting page's meeting, with the number of its R35 report items (one query)."""
    reports = (
        AgendaItem.objects.filter(meeting_id=models.OuterRef("pk"), kind=ItemKind.REPORT)
        .order_by()
        .values("meeting_id")
        .annotate(n=models.Count("id"))
        .values("n")
    )
    return policies.get_visible_or_404(
        user,
        Meeting.objects.select_related("committee", "presiding__user").annotate(
            report_count=Coalesce(models.Subquery(reports), 0)
        ),
        pk=pk,
    )


def item_get_for_user(user: User, meeting_id: int, item_id: int) -> AgendaItem:
    return policies.get_visible_or_404(
        user,
        AgendaItem.objects.select_related("meeting__committee", "application__project"),
        pk=item_id,
        meeting_id=meeting_id,
    )


def meeting_day(meeting: Meeting) -> date:
    return timezone.localtime(meeting.starts_at).date()


def voting_members(committee_id: int) -> models.QuerySet[Membership]:
    """Every member (委员) of the committee, in term or not: the ids an action may name; whether
    one is in term, present or may preside is the service's question (R7, R18, R19)."""
    return (
        Membership.objects.filter(committee_id=committee_id)
        .voting()
        .select_related("user")
        .order_by("role", "id")
    )


def members_in_term(committee_id: int, on: date) -> list[Membership]:
    """The committee's members (委员, not the secretary) in term on a date (R7, R19)."""
    return list(
        Membership.objects.in_office(on=on)
        .voting()
        .filter(committee_id=committee_id)
        .select_related("user")
        .order_by("role", "id")
    )


def present_attendance(meeting_id: int) -> list[Attendance]:
    """Who is present now: attendance intervals not yet ended (R19 per item)."""
    return list(Attendance.objects.filter(meeting_id=meeting_id, left_at__isnull=True))


def present_of(attendance: list[Attendance]) -> list[counting.Present]:
    """Members present among these intervals (one per member; ended intervals don't count)."""
    seen: dict[int, counting.Present] = {}
    for a in attendance:
        if a.left_at is None:
            seen[a.membership_id] = counting.Present(
                a.membership_id, a.expertise, a.gender, a.external, a.in_term
            )
    return list(seen.values())


def allowed_outcomes(application: Application) -> list[str]:
    """The outcomes reviews' decision service accepts for this kind of application (R23)."""
    from reviews.services import allowed_outcomes as reviews_allowed_outcomes

    allowed = reviews_allowed_outcomes(application.kind, application)  # an appeal's: R27
    return [value for value in VoteChoice.values if value in allowed]


def item_choices(item: AgendaItem) -> list[str]:
    if item.application is None:
        return []
    return [*allowed_outcomes(item.application), ABSTAIN]


def item_rules(item: AgendaItem) -> regulations.RuleSet:
    """§6.1: the strictest combination of the committee's and the case's regimes."""
    codes = set(item.meeting.committee.regime_codes)
    if item.application is not None:
        codes |= set(item.application.regimes or [])
    return regulations.combined(codes)


def conflicted_memberships(
    item: AgendaItem,
    attendance: list[Attendance],
    conflicted: dict[int, set[int]] | None = None,
) -> set[int]:
    """Memberships present at the item with a conflict declared anywhere on its application
    (reviewer assignment, standing declaration): recused from its quorum and vote (R20a).
    Pass `conflicted` (reviews.policies.conflicted_users) when a board already read it."""
    if item.application_id is None:
        return set()
    if conflicted is None:
        conflicted = conflicted_users([item.application_id])
    users = conflicted.get(item.application_id, set())
    if not users:
        return set()
    if all(Attendance.membership.is_cached(a) for a in attendance):  # a board's rows
        return {a.membership_id for a in attendance if a.membership.user_id in users}
    present = {a.membership_id for a in attendance}
    return set(
        Membership.objects.filter(pk__in=present, user_id__in=users).values_list("pk", flat=True)
    )


def item_tally(
    item: AgendaItem,
    attendance: list[Attendance] | None = None,
    conflicted: dict[int, set[int]] | None = None,
) -> counting.Tally:
    """The live tally of one item; pass the meeting's attendance (and the conflicts on its
    applications) when a board already loaded them."""
    meeting = item.meeting
    if attendance is None:
        attendance = present_attendance(meeting.pk)
    recused = {r.membership_id for r in item.recusals.all()}
    recused |= conflicted_memberships(item, attendance, conflicted)
    votes = {v.membership_id: v.choice for v in item.votes.all()}
    return counting.tally(
        present=present_of(attendance),
        recused=recused,
        votes=votes,
        choices=item_choices(item),
        total_members=meeting.members_total or 0,
        rules=item_rules(item),
        consultants=len(item.consultants.all()),
    )


@dataclass
class ItemView:
    """One item as one user may see it."""

    item: AgendaItem
    tally: counting.Tally | None
    may_see_tally: bool
    may_see_votes: bool
    conflicted: bool
    declaration: Declaration | None
    my_vote: str | None
    votes: list[Vote] = field(default_factory=list)
    materials: bool = False  # the item's documents open for this user (links shown)
    versions: list[Any] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.item.status in DONE_ITEM_STATUSES


def _items_queryset() -> models.QuerySet[AgendaItem]:
    return AgendaItem.objects.select_related(
        "application__project", "decision", "reported_decision"
    ).prefetch_related(
        Prefetch("votes", queryset=Vote.objects.select_related("membership__user").order_by("id")),
        Prefetch(
            "recusals", queryset=Recusal.objects.select_related("membership__user").order_by("id")
        ),
        Prefetch("consultants", queryset=Consultant.objects.order_by("id")),
        Prefetch("declarations", queryset=Declaration.objects.order_by("id")),
    )


def board(
    meeting: Meeting,
    user: User,
    *,
    reports: bool = False,
    rows: list[Attendance] | None = None,
) -> tuple[list[Attendance], list[ItemView]]:
    """Attendance and every item with what `user` may see of it: a fixed number of queries.

    A conflict counts whichever way it was declared (the item, the reviewer assignment, a
    standing declaration: reviews' one record) and so does being an applicant; the materials
    follow reviews' one policy, plus R20a's rule that a member declares on the item first.
    """
    if rows is not None:  # the meeting's whole attendance log, already read
        attendance = sorted((a for a in rows if a.left_at is None), key=lambda a: (a.role, a.pk))
    else:
        attendance = list(
            Attendance.objects.filter(meeting=meeting, left_at__isnull=True)
            .select_related("membership__user")
            .order_by("role", "id")
        )
    # The pages list R35 reports on the agenda (paginated); they are noted together at closing.
    queryset = _items_queryset().filter(meeting=meeting)
    if not reports:
        queryset = queryset.exclude(kind=ItemKind.REPORT)
    items = list(queryset.order_by("position", "id"))
    for item in items:
        item.meeting = meeting
    own = own_membership_ids(user, meeting.committee_id)
    officer = may_run(user, meeting)
    app_ids = [i.application_id for i in items if i.application_id]
    access = access_among(user, app_ids)  # (applicant, may open the materials) per application
    conflicts = conflicted_users(app_ids)
    views = []
    for item in items:
        declaration = next((d for d in item.declarations.all() if d.membership_id in own), None)
        recused = any(r.membership_id in own for r in item.recusals.all())
        conflicted = (
            recused
            or (declaration is not None and declaration.conflicted)
            or access.get(item.application_id or 0, (False, False))[0]
            or user.pk in conflicts.get(item.application_id or 0, set())
        )
        see = item.kind == ItemKind.REVIEW and not conflicted
        tally = (
            item_tally(item, attendance, conflicts)
            if see and meeting.status != Status.SCHEDULED
            else None
        )
        my_vote = next((v.choice for v in item.votes.all() if v.membership_id in own), None)
        views.append(
            ItemView(
                item=item,
                tally=tally,
                may_see_tally=see,
                may_see_votes=see and officer,
                conflicted=conflicted,
                declaration=declaration,
                my_vote=my_vote,
                votes=list(item.votes.all()) if see and officer else [],
                materials=see
                and access.get(item.application_id or 0, (False, False))[1]
                and (officer or (declaration is not None and not declaration.conflicted)),
            )
        )
    return attendance, views


def waiting_for_meeting(committee_id: int) -> models.QuerySet[Application]:
    """Applications under meeting review (R34 conversions included) not yet on a live agenda."""
    return _waiting_in([committee_id]).select_related("project").order_by("due_at", "id")


def _waiting_in(committee_ids: list[int]) -> models.QuerySet[Application]:
    """``waiting_for_meeting`` over several committees at once, unordered (for counting)."""
    on_agenda = AgendaItem.objects.filter(
        kind=ItemKind.REVIEW, status="pending", meeting__status__in=[Status.SCHEDULED, Status.OPEN]
    ).values("application_id")
    open_meeting_reviews = Review.objects.filter(
        state=ReviewState.OPEN, procedure=Procedure.MEETING
    ).values("application_id")
    return Application.objects.filter(
        committee_id__in=committee_ids,
        status=ApplicationStatus.UNDER_REVIEW,
        pk__in=open_meeting_reviews,
    ).exclude(pk__in=on_agenda)


def reports_since(meeting: Meeting) -> datetime:
    """R35's lower bound: the committee's previous (closed) meeting, or for its first meeting
    the day the committee was established (registered)."""
    last = (
        Meeting.objects.filter(
            committee_id=meeting.committee_id,
            status=Status.CLOSED,
            starts_at__lt=meeting.starts_at,
        )
        .exclude(pk=meeting.pk)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    if last is not None:
        return last
    established = meeting.committee.established_on
    return timezone.make_aware(datetime.combine(established, time.min))


def simplified_decisions_to_report(meeting: Meeting) -> models.QuerySet[Decision]:
    """R35: simplified-procedure decisions since the committee's previous meeting (or since
    registration for the first), not yet reported on a live or held meeting's agenda."""
    reported = AgendaItem.objects.exclude(reported_decision=None).exclude(
        meeting__status=Status.CANCELLED
    )
    qs = Decision.objects.filter(
        committee_id=meeting.committee_id,
        review__procedure=Procedure.SIMPLIFIED,
        decided_at__gte=reports_since(meeting),
    ).exclude(pk__in=reported.values("reported_decision"))
    return qs.select_related("application__project").order_by("decided_at", "id")


def report_items(meeting: Meeting) -> models.QuerySet[AgendaItem]:
    """The meeting's R35 report items (the agenda page paginates them)."""
    return (
        AgendaItem.objects.filter(meeting=meeting, kind=ItemKind.REPORT)
        .select_related("reported_decision", "application__project")
        .order_by("position", "id")
    )


def excusals(meeting: Meeting) -> list[Excusal]:
    return list(
        Excusal.objects.filter(meeting=meeting).select_related("membership__user").order_by("id")
    )


def attendance_log(meeting: Meeting) -> list[Attendance]:
    """Every arrival and departure of the meeting (the console's and the minutes' table)."""
    return list(
        Attendance.objects.filter(meeting=meeting)
        .select_related("membership__user")
        .order_by("arrived_at", "id")
    )


def latest_minutes(meeting: Meeting) -> Minutes | None:
    return Minutes.objects.filter(meeting=meeting).exclude(file="").order_by("-version").first()


@dataclass(frozen=True)
class MeetingRow:
    """A meeting as the dashboard's meeting panels show it (issue 18: rows, not instances)."""

    pk: int
    starts_at: datetime
    status: str
    committee_id: int
    committee_name: str


MEETING_ROW_VALUES = ("pk", "starts_at", "status", "committee_id", "committee__name")
UPCOMING_SHOWN = 5


def upcoming_for_member(user: User) -> list[MeetingRow]:
    """The first ``UPCOMING_SHOWN`` meetings of the committees the user sits on that are open
    or scheduled from today on, soonest first: one query compiled once per shape."""
    ids = member_committee_ids(user)
    if not ids:
        return []
    rows = _upcoming_rows(committees=tuple(sorted(ids)), start=start_of_today())
    return [MeetingRow(*row) for row in rows]


@prepared("rows")
def _upcoming_rows(*, committees: tuple[int, ...], start: datetime) -> models.QuerySet[Any]:
    return (
        Meeting.objects.filter(committee_id__in=committees)
        .filter(
            models.Q(status=Status.OPEN) | models.Q(status=Status.SCHEDULED, starts_at__gte=start)
        )
        .order_by("starts_at", "id")
        .values_list(*MEETING_ROW_VALUES)[:UPCOMING_SHOWN]
    )


def pending_declarations(user: User) -> int:
    """Items of upcoming meetings on which the member has not declared yet."""
    ids = member_committee_ids(user)
    if not ids:
        return 0
    # One query compiled once per number of committees (ethics.prepared, issue 18: the member
    # panel on every dashboard).
    counted: dict[str, int] = _pending_declarations(committees=tuple(sorted(ids)), user=user.pk)
    return counted["n"]


@prepared("one")
def _pending_declarations(*, committees: tuple[int, ...], user: int) -> dict[str, int]:
    return (
        AgendaItem.objects.filter(
            kind=ItemKind.REVIEW,
            status="pending",
            meeting__committee_id__in=committees,
            meeting__status__in=[Status.SCHEDULED, Status.OPEN],
        )
        .exclude(declarations__membership__user_id=user)
        .aggregate(n=models.Count("pk"))
    )


def next_meeting(user: User) -> MeetingRow | None:
    """The next meeting scheduled for today or later of the committees the user runs (a past
    date never shows): one query compiled once per shape."""
    from meetings.policies import officer_committee_ids

    ids = officer_committee_ids(user)
    if not ids:
        return None
    rows = _next_meeting_rows(committees=tuple(sorted(ids)), start=start_of_today())
    return MeetingRow(*rows[0]) if rows else None


@prepared("rows")
def _next_meeting_rows(*, committees: tuple[int, ...], start: datetime) -> models.QuerySet[Any]:
    return (
        Meeting.objects.filter(
            committee_id__in=committees, status=Status.SCHEDULED, starts_at__gte=start
        )
        .order_by("starts_at", "id")
        .values_list(*MEETING_ROW_VALUES)[:1]
    )


def start_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def waiting_count(user: User) -> int:
    from meetings.policies import officer_committee_ids

    # One count over the committees the user runs (each application has one committee, so this
    # is the sum of each committee's waiting list), not one count per committee (issue 18).
    ids = tuple(sorted(officer_committee_ids(user)))
    if not ids:
        return 0
    # One query compiled once per number of committees (ethics.prepared, issue 18).
    counted: dict[str, int] = _waiting_count(committees=ids)
    return counted["n"]


@prepared("one")
def _waiting_count(*, committees: tuple[int, ...]) -> dict[str, int]:
    return _waiting_in(list(committees)).aggregate(n=models.Count("pk"))


class _Dated(Protocol):
    @property
    def starts_at(self) -> datetime: ...


_Row = TypeVar("_Row", bound=_Dated)


def calendar_rows(meetings: Sequence[_Row]) -> dict[Any, list[_Row]]:
    """Meetings (anything with ``starts_at``: the list's rows) grouped by local month
    (calendar view)."""
    grouped: dict[Any, list[_Row]] = {}
    for meeting in meetings:
        key = timezone.localtime(meeting.starts_at).date().replace(day=1)
        grouped.setdefault(key, []).append(meeting)
    return grouped
