"""The figures of the dashboards and of the annual report: one definition each (issue 17, R52).

Every function reads a set of committees (`ids`) over a half-open period [start, end) and
returns plain data; reports/figures.py (the annual report: one committee, one calendar year) and
reports/dashboards.py (a committee, an institution, a regional authority) call the same ones.
Each is one aggregate query (or a constant few); the arithmetic (median, 90th percentile, days
taken, late) is pure and tested at its boundaries.

Definitions (cited in the tests):
- received: applications whose `submitted_at` falls in the period, whatever happened next; a
  withdrawn application that was submitted is received and counted as withdrawn, never as a
  decision (R14: only an accepted application is reviewed); one withdrawn as a draft is not
  received at all;
- accepted: review rounds accepted in the period, by procedure (R14, R15);
- decided: decisions of the round or final decisions after expert re-review (COUNTED_STAGES) in
  the period, by outcome (R23);
- days to decision: Shanghai calendar days from the round's acceptance to the committee's own
  decision (TIMED_STAGES; R25). A deferral at a meeting restarts nothing: the round keeps its
  acceptance and its clock. Late: the decision was made when the round's clock had run out
  (ethics.deadlines.is_overdue(review.due_at, decided_at)), so a decision on day 30 of a 30-day
  clock is on time and one on day 31 is late; an extension (R25) moves `due_at` and so the limit
  (`decided_late`, the SQL form of that comparison, as overdue_condition is of is_overdue);
- days to acceptance: Shanghai calendar days from submission to the first round's acceptance
  (R14 sets no limit);
- overdue clocks: ethics.models.overdue_condition, the one definition;
- tracking reviews (R28): clocks of kind TRACKING_REVIEW due in the period, met on time, met
  late (met at or after the due moment, is_overdue), overdue (still running past due), waived or
  pending;
- quorum failures: agenda items deferred without a vote (meetings.services.item_defer: "e.g. no
  quorum after recusals", R19/R20a) at meetings in the period.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from committees.models import Committee
from ethics import regulations
from ethics.deadlines import SHANGHAI
from ethics.models import Deadline, DeadlineState, name_columns, overdue_condition
from meetings.models import AgendaItem, Attendance, Meeting
from meetings.workflow import ItemStatus
from meetings.workflow import Status as MeetingStatus
from reviews.clocks import TRACKING_REVIEW
from reviews.models import (
    Application,
    Decision,
    DecisionStage,
    Listing,
    Project,
    ReReview,
    Review,
    ReviewerAssignment,
)
from reviews.workflow import Procedure, Status

# One application's review ends in one counted decision: the decision of the round, or for a listed
# activity the final decision after expert re-review. A preliminary approval (R38) and the
# confirmation of modifications (修改后批准) are steps of the same decision, not new ones.
COUNTED_STAGES: Final = (DecisionStage.REVIEW, DecisionStage.FINAL)
# Days to decision run from acceptance to the committee's own decision of the round (R25); the
# expert re-review time of a listed activity is the authority's, not the committee's.
TIMED_STAGES: Final = (DecisionStage.REVIEW, DecisionStage.PRELIMINARY)

Ids = Sequence[int]
Ranges = Sequence[tuple[datetime, datetime]]


# --- periods ----------------------------------------------------------------------------------


def day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=SHANGHAI)


def period_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in Asia/Shanghai."""
    return day_start(first), day_start(last + timedelta(days=1))


def year_bounds(year: int) -> tuple[datetime, datetime]:
    return period_bounds(date(year, 1, 1), date(year, 12, 31))


def month_last_day(year: int, month: int) -> date:
    return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    return period_bounds(date(year, month, 1), month_last_day(year, month))


def months_between(start: datetime, end: datetime) -> list[str]:
    """Every month (YYYY-MM) that [start, end) touches, in order."""
    first = start.astimezone(SHANGHAI).date().replace(day=1)
    last = (end - timedelta(microseconds=1)).astimezone(SHANGHAI).date()
    months = []
    cursor = first
    while cursor <= last:
        months.append(f"{cursor:%Y-%m}")
        cursor = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
    return months


# --- pure arithmetic --------------------------------------------------------------------------


def shanghai_days(earlier: datetime, later: datetime) -> int:
    """Calendar days between the Shanghai dates of two moments."""
    return (later.astimezone(SHANGHAI).date() - earlier.astimezone(SHANGHAI).date()).days


def days_taken(pairs: Iterable[tuple[datetime, datetime]]) -> list[int]:
    return [shanghai_days(a, b) for a, b in pairs]


def median_days(days: Sequence[int]) -> float | None:
    return float(statistics.median(days)) if days else None


def max_days(days: Sequence[int]) -> int | None:
    return max(days) if days else None


def counted_median(counts: Mapping[int, int]) -> float | None:
    """median_days of a histogram (days -> how many), without expanding it (pure)."""
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted((d, n) for d, n in counts.items() if n)
    lower, upper = _nth(ordered, (total + 1) // 2), _nth(ordered, total // 2 + 1)
    return float(lower if total % 2 else (lower + upper) / 2)


def counted_percentile(counts: Mapping[int, int], p: int) -> int | None:
    """percentile (nearest rank) of a histogram (days -> how many) (pure)."""
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted((d, n) for d, n in counts.items() if n)
    return _nth(ordered, max(1, math.ceil(p / 100 * total)))


def _nth(ordered: Sequence[tuple[int, int]], rank: int) -> int:
    """The rank-th value (1-based) of a sorted histogram."""
    seen = 0
    for value, n in ordered:
        seen += n
        if seen >= rank:
            return value
    return ordered[-1][0]


def percentile(days: Sequence[int], p: int) -> int | None:
    """The nearest-rank p-th percentile: the smallest value with at least p% of values at or
    below it (p90 of 1..10 is 9; of 1..11 is 10)."""
    if not days:
        return None
    ordered = sorted(days)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


# --- volumes ----------------------------------------------------------------------------------


@dataclass
class Volume:
    by_month: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    withdrawn: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


def within(field_name: str, ranges: Ranges) -> Q:
    """`field_name` in any of the half-open periods."""
    q = Q()
    for start, end in ranges:
        q |= Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})
    return q


def month_of(moment: datetime | None) -> date | None:
    """The first day of the moment's month in Asia/Shanghai."""
    return moment.astimezone(SHANGHAI).date().replace(day=1) if moment else None


def _add(groups: dict[Any, int], key: Any, n: int) -> None:
    groups[key] = groups.get(key, 0) + n


# (committee id, month's first day, kind, withdrawn) -> n
ReceivedRows = dict[tuple[int | None, date | None, str, bool], int]


def _per(field_name: str, per_committee: bool) -> tuple[str, ...]:
    """The committee column of a grouping, or none: a dashboard's live figure of many
    committees is summed over them by the database (the key's committee is then None)."""
    return (field_name,) if per_committee else ()


def received_rows(ids: Ids | None, ranges: Ranges, *, per_committee: bool = True) -> ReceivedRows:
    """Applications submitted in the periods, per committee (unless not `per_committee`),
    month, kind and whether withdrawn since (one query; none without a period). The live
    figure and the monthly summaries (reports/summaries.py) both count with this."""
    if not ranges:
        return {}
    rows = Application.objects.filter(within("submitted_at", ranges))
    if ids is not None:
        rows = rows.filter(committee_id__in=ids)
    groups: ReceivedRows = {}
    who = _per("committee_id", per_committee)
    for *committee, month, kind, status, n in (
        rows.annotate(month=TruncMonth("submitted_at", tzinfo=SHANGHAI))
        .values(*who, "month", "kind", "status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list(*who, "month", "kind", "status", "n")
    ):
        key = committee[0] if committee else None
        _add(groups, (key, month_of(month), kind, status == Status.WITHDRAWN), n)
    return groups


def fold_received(rows: Iterable[tuple[date | None, str, bool, int]], months: list[str]) -> Volume:
    """(month, kind, withdrawn, n) rows -> the figure (pure)."""
    volume = Volume(by_month=dict.fromkeys(months, 0))
    for month, kind, withdrawn, n in rows:
        key = f"{month:%Y-%m}" if month else ""
        volume.by_month[key] = volume.by_month.get(key, 0) + n
        volume.by_kind[kind] = volume.by_kind.get(kind, 0) + n
        if withdrawn:
            volume.withdrawn += n
    return volume


def applications_received(
    ids: Ids, start: datetime, end: datetime, *, ranges: Ranges | None = None
) -> Volume:
    """Applications submitted in [start, end) (or in `ranges` of it): by month, by kind, and how
    many of them were withdrawn since (one query)."""
    rows = received_rows(ids, [(start, end)] if ranges is None else ranges, per_committee=False)
    return fold_received(
        ((m, kind, w, n) for (_c, m, kind, w), n in rows.items()), months_between(start, end)
    )


@dataclass
class Acceptance:
    by_kind_and_procedure: dict[str, dict[str, int]] = field(default_factory=dict)
    # procedure -> {days from submission to the first round's acceptance: how many}
    day_counts: dict[str, Counter[int]] = field(default_factory=dict)

    @property
    def days(self) -> dict[str, list[int]]:
        """procedure -> every first round's days (expanded; the figures use day_counts)."""
        return {p: list(counts.elements()) for p, counts in self.day_counts.items()}

    @property
    def by_procedure(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for procedures in self.by_kind_and_procedure.values():
            for procedure, n in procedures.items():
                totals[procedure] = totals.get(procedure, 0) + n
        return totals


# (committee id, month, kind, procedure, days from submission of a first round or None) -> n
AcceptedRows = dict[tuple[int | None, date | None, str, str, int | None], int]


def accepted_rows(ids: Ids | None, ranges: Ranges, *, per_committee: bool = True) -> AcceptedRows:
    """Review rounds accepted in the periods, per committee, month, kind and procedure, with each
    first round's Shanghai days since submission (one query; the database gives the Shanghai
    dates and counts the rounds of each pair of dates)."""
    if not ranges:
        return {}
    rows = Review.objects.filter(within("accepted_at", ranges))
    if ids is not None:
        rows = rows.filter(application__committee_id__in=ids)
    groups: AcceptedRows = {}
    who = _per("application__committee_id", per_committee)
    for *committee, kind, procedure, round_, submitted_on, accepted_on, n in (
        rows.annotate(
            submitted_on=TruncDate("application__submitted_at", tzinfo=SHANGHAI),
            accepted_on=TruncDate("accepted_at", tzinfo=SHANGHAI),
        )
        .values(
            *who, "application__kind", "procedure", "round", "submitted_on", "accepted_on",
        )
        .annotate(n=Count("id"))
        .order_by()
        .values_list(
            *who, "application__kind", "procedure", "round", "submitted_on", "accepted_on", "n",
        )
    ):  # fmt: skip
        days = (accepted_on - submitted_on).days if round_ == 1 and submitted_on else None
        month = accepted_on.replace(day=1) if accepted_on else None
        key = committee[0] if committee else None
        _add(groups, (key, month, kind, procedure, days), n)
    return groups


def fold_accepted(rows: Iterable[tuple[str, str, int | None, int]]) -> Acceptance:
    """(kind, procedure, days or None, n) rows -> the figure (pure). A row without a kind
    carries days only (the monthly summaries store the counts and the days apart)."""
    result = Acceptance()
    for kind, procedure, days, n in rows:
        if kind:
            by_procedure = result.by_kind_and_procedure.setdefault(kind, {})
            by_procedure[procedure] = by_procedure.get(procedure, 0) + n
        if days is not None:
            counts = result.day_counts.get(procedure)
            if counts is None:
                counts = result.day_counts[procedure] = Counter()
            counts[days] += n
    return result


def reviews_accepted(
    ids: Ids, start: datetime, end: datetime, *, ranges: Ranges | None = None
) -> Acceptance:
    """Review rounds accepted in [start, end) (or in `ranges`), by kind and procedure, and for
    each first round the days since submission (one query)."""
    rows = accepted_rows(ids, [(start, end)] if ranges is None else ranges, per_committee=False)
    return fold_accepted((k, p, d, n) for (_c, _m, k, p, d), n in rows.items())


# --- decisions and turnaround -----------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    procedure: str
    days: int  # Shanghai calendar days from the round's acceptance to the decision
    late: bool  # decided when the round's clock had run out


def decided_late() -> Q:
    """ethics.deadlines.is_overdue(review.due_at, decided_at) as a filter: the decision came at
    or after the round's exclusive deadline (the same comparison as overdue_condition)."""
    return Q(decided_at__gte=F("review__due_at"))


@dataclass
class Decisions:
    by_outcome: dict[str, int] = field(default_factory=dict)
    # Timed decisions, counted: a region's year is a few hundred distinct timings, not 100,000.
    timing_counts: Counter[Timing] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_outcome.values())

    @property
    def timings(self) -> list[Timing]:
        """Every timed decision (expanded)."""
        return list(self.timing_counts.elements())

    @property
    def days(self) -> list[int]:
        return [t.days for t in self.timings]


# (committee id, month, stage, outcome, procedure, days or None, late) -> n
DecidedRows = dict[tuple[int | None, date | None, str, str, str, int | None, bool], int]


def decided_rows(ids: Ids | None, ranges: Ranges, *, per_committee: bool = True) -> DecidedRows:
    """Decisions made in the periods (COUNTED_STAGES and TIMED_STAGES), per committee, month,
    stage, outcome and procedure, with a timed one's days since the round's acceptance and
    whether it was late (one query, counted per group)."""
    if not ranges:
        return {}
    rows = Decision.objects.filter(
        within("decided_at", ranges), stage__in={*COUNTED_STAGES, *TIMED_STAGES}
    )
    if ids is not None:
        rows = rows.filter(committee_id__in=ids)
    groups: DecidedRows = {}
    who = _per("committee_id", per_committee)
    for *committee, stage, outcome, procedure, accepted_on, decided_on, late, n in (
        rows.annotate(
            late=Case(When(decided_late(), then=Value(True)), default=Value(False)),
            decided_on=TruncDate("decided_at", tzinfo=SHANGHAI),
            accepted_on=TruncDate("review__accepted_at", tzinfo=SHANGHAI),
        )
        .values(
            *who, "stage", "outcome", "review__procedure", "accepted_on", "decided_on", "late",
        )
        .annotate(n=Count("id"))
        .order_by()
        .values_list(
            *who, "stage", "outcome", "review__procedure", "accepted_on", "decided_on", "late",
            "n",
        )
    ):  # fmt: skip
        timed = stage in TIMED_STAGES and accepted_on is not None
        days = (decided_on - accepted_on).days if timed else None
        key = (
            committee[0] if committee else None,
            decided_on.replace(day=1) if decided_on else None,
            stage,
            outcome or "",
            procedure or "",
            days,
            bool(late) and timed,
        )
        _add(groups, key, n)
    return groups


def fold_decided(rows: Iterable[tuple[str, str, str, int | None, bool, int]]) -> Decisions:
    """(stage, outcome, procedure, days or None, late, n) rows -> the figure (pure)."""
    result = Decisions()
    for stage, outcome, procedure, days, late, n in rows:
        if stage in COUNTED_STAGES and outcome:
            result.by_outcome[outcome] = result.by_outcome.get(outcome, 0) + n
        if stage in TIMED_STAGES and days is not None:
            result.timing_counts[Timing(procedure, days, late)] += n
    return result


def decisions(
    ids: Ids, start: datetime, end: datetime, *, ranges: Ranges | None = None
) -> Decisions:
    """Decisions made in [start, end) (or in `ranges`): counted ones by outcome, timed ones
    with their days since the round's acceptance and whether they were late (one query)."""
    rows = decided_rows(ids, [(start, end)] if ranges is None else ranges, per_committee=False)
    return fold_decided((s, o, p, d, late, n) for (_c, _m, s, o, p, d, late), n in rows.items())


def legal_limit(procedure: str, rules: regulations.RuleSet | None = None) -> str:
    """The legal clock of a procedure as words: R25 / N5 days, R48 hours for an emergency."""
    rules = rules or regulations.combined(["meas"])
    if procedure == Procedure.EMERGENCY:
        return f"{rules.emergency_hours.value}小时（{rules.emergency_hours.rule}）"
    return f"{rules.decision_days.value}日（{rules.decision_days.rule}）"


@dataclass(frozen=True)
class Turnaround:
    procedure: str
    legal_limit: str
    accepted: int
    to_acceptance_median: float | None
    to_acceptance_p90: int | None
    decided: int
    to_decision_median: float | None
    to_decision_p90: int | None
    late: int


def turnaround(accepted: Acceptance, decided: Decisions) -> list[Turnaround]:
    """Median and 90th percentile days by procedure, against the legal clock (pure)."""
    rows = []
    to_decision: dict[str, Counter[int]] = {p: Counter() for p in Procedure.values}
    late: Counter[str] = Counter()
    for timing, n in decided.timing_counts.items():
        to_decision.setdefault(timing.procedure, Counter())[timing.days] += n
        if timing.late:
            late[timing.procedure] += n
    for procedure in Procedure.values:
        to_acceptance = accepted.day_counts.get(procedure, Counter())
        days = to_decision[procedure]
        rows.append(
            Turnaround(
                procedure=procedure,
                legal_limit=legal_limit(procedure),
                accepted=sum(to_acceptance.values()),
                to_acceptance_median=counted_median(to_acceptance),
                to_acceptance_p90=counted_percentile(to_acceptance, 90),
                decided=sum(days.values()),
                to_decision_median=counted_median(days),
                to_decision_p90=counted_percentile(days, 90),
                late=late[procedure],
            )
        )
    return rows


# --- clocks -----------------------------------------------------------------------------------


@dataclass
class Clocks:
    # kind -> (running, overdue)
    running: dict[str, tuple[int, int]] = field(default_factory=dict)
    tracking: dict[str, int] = field(default_factory=dict)

    @property
    def overdue_total(self) -> int:
        return sum(overdue for _, overdue in self.running.values())


TRACKING_OUTCOMES: Final = ("on_time", "late", "overdue", "pending", "waived")


def clocks(ids: Ids, start: datetime, end: datetime, now: datetime | None = None) -> Clocks:
    """Running and overdue clocks by kind today, and the tracking reviews (R28) due in
    [start, end) by how they went (one query)."""
    now = now or timezone.now()
    running = Q(state__in=(DeadlineState.OPEN, DeadlineState.OVERDUE))
    tracking = Q(kind=TRACKING_REVIEW, due_at__gte=start, due_at__lt=end)
    met = Q(state=DeadlineState.MET)
    rows = (
        Deadline.objects.filter(committee_id__in=ids)
        .filter(running | tracking)
        .values("kind")
        .annotate(
            running=Count("id", filter=running),
            overdue=Count("id", filter=running & overdue_condition(now=now)),
            on_time=Count("id", filter=tracking & met & Q(met_at__lt=F("due_at"))),
            late=Count("id", filter=tracking & met & Q(met_at__gte=F("due_at"))),
            tracking_overdue=Count("id", filter=tracking & overdue_condition(now=now)),
            pending=Count("id", filter=tracking & running & Q(due_at__gt=now)),
            waived=Count("id", filter=tracking & Q(state=DeadlineState.WAIVED)),
        )
        .order_by("kind")
    )
    result = Clocks(tracking=dict.fromkeys(TRACKING_OUTCOMES, 0))
    for row in rows:
        if row["running"]:
            result.running[row["kind"]] = (row["running"], row["overdue"])
        if row["kind"] == TRACKING_REVIEW:
            result.tracking = {
                "on_time": row["on_time"],
                "late": row["late"],
                "overdue": row["tracking_overdue"],
                "pending": row["pending"],
                "waived": row["waived"],
            }
    return result


# --- listed activities ------------------------------------------------------------------------


@dataclass
class Listed:
    by_status: dict[str, int] = field(default_factory=dict)
    rereviews: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def listed_activities(ids: Ids, end: datetime) -> Listed:
    """Listed activities (R37: by the committee's determination) created before `end`, by
    status, and their expert re-reviews (R38-R44) by state (one query)."""
    by_status = (
        Project.objects.filter(committee_id__in=ids, listing=Listing.LISTED, created_at__lt=end)
        .values("status")
        .annotate(n=Count("id"), of=Value("project"))
        .order_by()
        .values_list("status", "n", "of")
    )
    rereviews = (
        ReReview.objects.filter(application__committee_id__in=ids, created_at__lt=end)
        .values("state")
        .annotate(n=Count("id"), of=Value("rereview"))
        .order_by()
        .values_list("state", "n", "of")
    )
    listed = Listed()
    # One query (UNION ALL): the dashboards' query budget is 15 (issue 17).
    for key, n, of in by_status.union(rereviews, all=True) if ids else ():
        if key:
            counts = listed.by_status if of == "project" else listed.rereviews
            counts[key] = counts.get(key, 0) + int(n)
    return listed


# --- meetings ---------------------------------------------------------------------------------


@dataclass
class Meetings:
    held: int = 0
    by_mode: dict[str, int] = field(default_factory=dict)
    cancelled: int = 0
    members_total: int = 0
    present: int = 0
    deferred_items: int = 0

    @property
    def attendance_rate(self) -> float | None:
        """Members present over members in term, at the meetings held."""
        return round(100 * self.present / self.members_total, 1) if self.members_total else None


def meetings(ids: Ids, start: datetime, end: datetime) -> Meetings:
    """Meetings in [start, end): held (closed) by mode, cancelled, attendance at the held ones
    and items deferred (quorum failures) (one query)."""
    closed = Q(status=MeetingStatus.CLOSED)
    present = (
        Attendance.objects.filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(n=Count("membership", distinct=True))
        .values("n")
    )
    deferred = (
        AgendaItem.objects.filter(meeting=OuterRef("pk"), status=ItemStatus.DEFERRED)
        .order_by()
        .values("meeting")
        .annotate(n=Count("id"))
        .values("n")
    )
    mode_counts = {
        f"mode_{mode}": Count("id", filter=closed & Q(mode=mode)) for mode in ("in_person", "video")
    }
    totals = (
        Meeting.objects.filter(committee_id__in=ids, starts_at__gte=start, starts_at__lt=end)
        .annotate(
            present_n=Coalesce(Subquery(present, output_field=IntegerField()), Value(0)),
            deferred_n=Coalesce(Subquery(deferred, output_field=IntegerField()), Value(0)),
        )
        .aggregate(
            held=Count("id", filter=closed),
            cancelled=Count("id", filter=Q(status=MeetingStatus.CANCELLED)),
            members_total=Sum("members_total", filter=closed),
            present=Sum("present_n", filter=closed),
            deferred=Sum("deferred_n"),
            **mode_counts,
        )
    )
    return Meetings(
        held=totals["held"] or 0,
        by_mode={key.removeprefix("mode_"): totals[key] for key in mode_counts if totals[key]},
        cancelled=totals["cancelled"] or 0,
        members_total=totals["members_total"] or 0,
        present=totals["present"] or 0,
        deferred_items=totals["deferred"] or 0,
    )


# --- member workload --------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    key: str  # the member's name, or the committee's when names are withheld
    members: int
    assignments: int
    opinions: int
    late_opinions: int


def _opinion_late(now: datetime) -> Q:
    """An opinion given when the round's clock had run out, or none while it has run out: the
    round's due moment is at or before the opinion (none given: now). A correlated EXISTS, so
    each assignment looks its round up by key instead of the database joining every round."""
    due_passed = Review.objects.filter(
        pk=OuterRef("review_id"),
        due_at__lte=Coalesce(OuterRef("opinion__created_at"), Value(now)),
    )
    return Q(Exists(due_passed))


# The columns of a workload row: the member, their committee's name and their names (without
# names, for the regional authority: the member and the committee's name).
WORKLOAD_FIELDS: Final = (
    "membership_id", "membership__committee__name", *name_columns("membership__user"),
)  # fmt: skip


def workload_fields(names: bool) -> tuple[str, ...]:
    return WORKLOAD_FIELDS if names else WORKLOAD_FIELDS[:2]


def workload_counts(now: datetime) -> dict[str, Any]:
    """Per group of assignments: how many, opinions given, late (the one definition)."""
    return {
        "assignments": Count("id"),
        "opinions": Count("opinion"),
        "late": Count("id", filter=_opinion_late(now)),
    }


def assignments_in(ids: Ids | None, ranges: Ranges) -> QuerySet[ReviewerAssignment]:
    """Reviewer assignments made in the periods: a reviewer is a member of the application's
    committee, and the membership says which."""
    rows = ReviewerAssignment.objects.filter(within("assigned_at", ranges))
    return rows if ids is None else rows.filter(membership__committee_id__in=ids)


def fold_workload(
    rows: Iterable[Sequence[Any]], names: bool, committee_names: Mapping[Any, str] | None = None
) -> list[Workload]:
    """Rows of workload_fields(names) + (assignments, opinions, late) -> per member (`names`)
    or per committee (the regional authority sees no names), most assignments first (pure).
    With `committee_names`, a row's second column is the committee's id, named from it."""
    groups: dict[Any, list[Any]] = {}
    for row in rows:
        membership, committee, *who, assigned, opinions, late = row
        if committee_names is not None:
            committee = committee_names.get(committee, committee)
        key: tuple[Any, ...]
        if names:
            name, first, last, username = who
            key = (membership, name or f"{last}{first}" or username)
        else:
            key = (committee,)
        group = groups.setdefault(key, [set(), 0, 0, 0])
        group[0].add(membership)
        group[1] += int(assigned or 0)
        group[2] += int(opinions or 0)
        group[3] += int(late or 0)
    ordered = sorted(groups.items(), key=lambda item: (-item[1][1], item[0]))
    return [
        Workload(key[-1], len(members), assigned, opinions, late)
        for key, (members, assigned, opinions, late) in ordered
    ]


def member_workload(
    ids: Ids, start: datetime, end: datetime, *, names: bool, now: datetime | None = None
) -> list[Workload]:
    """Reviewer assignments made in [start, end), per member (with `names`) or per committee
    (without: the regional authority sees no names), with opinions given and late (one query;
    reports.summaries.workload reads the closed months from the summaries)."""
    now = now or timezone.now()
    fields = workload_fields(names)
    rows = (
        assignments_in(ids, [(start, end)])
        .values(*fields)
        .annotate(**workload_counts(now))
        .order_by()
        .values_list(*fields, "assignments", "opinions", "late")
    )
    return fold_workload(rows, names)


# --- committees in a scope --------------------------------------------------------------------


def committees_of_institutions(institution_ids: QuerySet[Any, Any] | Ids) -> QuerySet[Committee]:
    return Committee.objects.filter(institution_id__in=institution_ids).select_related(
        "institution"
    )
