"""Monthly summaries of the volume and turnaround figures (issue 17: fast at 1,000,000
applications).

`refresh` (Celery beat `refresh-report-summaries`, and `manage.py reports_refresh`) counts every
closed month (Asia/Shanghai; every month before the current one) with the live row functions of
reports/selectors.py (`received_rows`, `accepted_rows`, `decided_rows`) and stores the rows per
committee and month in `MonthlySummary`; the days of each group are part of the group, so a
median or a 90th percentile read from the summaries is exactly the live one. It also sums them
per region (the institutions' `region`; rows without a committee) and records which committees
each region stood for (`SummaryCommittee`): a regional dashboard then reads one region's few
hundred rows a month instead of every committee's, and stays flat from 100k to 1M applications.

`read` gives the three figures (received, accepted, decided) of a set of committees over
[start, end): the whole months that the last refresh covered come from the summaries (one
query; a region's rows when every committee the refresh counted in it is asked for, else the
committees' own), the rest (a partial first or last month, the current month, a month closed since the last
refresh) live, folded by the same selectors.fold_* functions. It also says when the summaries were
made, which the page shows; nothing a reader sends chooses between the two sources.

Refresh: one transaction that first locks the state row (select_for_update: a second worker
waits, then does the same work again, so nothing is counted twice), deletes every summary row and
writes them anew (idempotent); a failure rolls it all back and the previous summaries stay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Min, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from committees.models import Committee
from ethics.deadlines import SHANGHAI
from reports import selectors
from reports.models import (
    MonthlySummary,
    SummaryCommittee,
    SummaryFigure,
    SummaryState,
    WorkloadSummary,
)
from reviews.models import Application, Decision, Review, ReviewerAssignment

STATE_PK = 1
# Before any application: the refresh counts every month from here.
EPOCH = datetime(2000, 1, 1, tzinfo=SHANGHAI)
BATCH = 5_000
KEY_FIELDS = ("figure", "kind", "withdrawn", "procedure", "stage", "outcome", "days", "late")

# Each region's rows: the sum of its committees' rows, per month and key (reports.models).
_REGION_SQL = """
INSERT INTO {rows} (state_id, committee_id, region, month, {keys}, n)
SELECT s.state_id, NULL, c.region, s.month, {s_keys}, SUM(s.n)
FROM {rows} s JOIN {committees} c ON c.committee_id = s.committee_id
GROUP BY s.state_id, c.region, s.month, {s_keys}
"""


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _month_start(d: date) -> datetime:
    return selectors.day_start(d)


@dataclass
class Figures:
    volume: selectors.Volume
    accepted: selectors.Acceptance
    decided: selectors.Decisions
    # When the summaries used were made (None: every figure was counted live).
    summarised_at: datetime | None = None
    # The months the summaries covered at that refresh: every month before this one.
    through: date | None = None


def summarised_months(
    start: datetime, end: datetime, through: date | None
) -> tuple[date, date] | None:
    """The whole months [first, stop) inside [start, end) and before `through`, or None."""
    if through is None:
        return None
    local_start = start.astimezone(SHANGHAI)
    first = local_start.date().replace(day=1)
    if _month_start(first) < start:
        first = _next_month(first)
    stop = first
    while stop < through and _month_start(_next_month(stop)) <= end:
        stop = _next_month(stop)
    return (first, stop) if stop > first else None


# One statement: the state row, and the summary rows of [first, stop) of the committees asked
# for, a region's rows standing in for its committees when every committee the refresh put in
# that region is asked for (`covered`); the others' own rows are found through the refresh's
# list of committees, so a covered committee's rows are never read (index committee, month).
_READ_SQL = """
WITH covered AS (
    SELECT region FROM {committees} GROUP BY region
    HAVING COUNT(*) = SUM(CASE WHEN committee_id IN ({ids}) THEN 1 ELSE 0 END)
),
picked AS (
    SELECT s.figure, s.kind, s.withdrawn, s.procedure, s.stage, s.outcome, s.days, s.late,
           s.month, s.n
    FROM {committees} c JOIN {rows} s ON s.committee_id = c.committee_id
    WHERE c.committee_id IN ({ids}) AND c.region NOT IN (SELECT region FROM covered)
      AND s.month >= %s AND s.month < %s
    UNION ALL
    SELECT s.figure, s.kind, s.withdrawn, s.procedure, s.stage, s.outcome, s.days, s.late,
           s.month, s.n
    FROM {rows} s
    WHERE s.committee_id IS NULL AND s.region IN (SELECT region FROM covered)
      AND s.month >= %s AND s.month < %s
)
-- Not grouped here: the rows are few (a region's or a committee's), and Python folds them
-- with the live ones anyway; grouping on ten text columns made the database sort them.
SELECT st.id, st.through, st.refreshed_at, p.figure, p.kind, p.withdrawn, p.procedure,
       p.stage, p.outcome, p.days, p.late, p.month, p.n
FROM {state} st LEFT JOIN picked p ON 1 = 1
WHERE st.id = %s
"""


def _summary_query(ids: Sequence[int], first: date, stop: date) -> tuple[str, list[Any]]:
    marks = ", ".join(["%s"] * len(ids))
    sql = _READ_SQL.format(
        committees=connection.ops.quote_name(SummaryCommittee._meta.db_table),
        rows=connection.ops.quote_name(MonthlySummary._meta.db_table),
        state=connection.ops.quote_name(SummaryState._meta.db_table),
        ids=marks,
    )
    bounds = [first.isoformat(), stop.isoformat()]
    return sql, [*ids, *ids, *bounds, *bounds, STATE_PK]


def _as_date(value: Any) -> date | None:
    # SQLite hands a raw query's dates back as text.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_moment(value: Any) -> datetime | None:
    # SQLite hands a raw query's moments back as naive UTC text.
    if value is None or isinstance(value, datetime):
        return value
    moment = parse_datetime(str(value))
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment


def read(ids: Sequence[int], start: datetime, end: datetime) -> Figures:
    """The received, accepted and decided figures of [start, end): the summarised months from
    the summaries, the rest live. One query reads the state and the summary rows together (the
    state row left-joined to its rows; a whole region's rows when every committee of it is
    asked for), then three live queries when part of the period is not summarised."""
    candidate = summarised_months(start, end, date.max)
    if candidate is None or not ids:
        return _live(ids, start, end)
    sql, params = _summary_query(ids, *candidate)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        grouped = cursor.fetchall()
    # Columns: state id, through, refreshed_at, then _READ_SQL's figure columns.
    through = _as_date(grouped[0][1]) if grouped else None
    months = summarised_months(start, end, through)
    if months is None:
        # Rows exist only for months before `through` (refresh): none came back.
        return _live(ids, start, end)
    first, stop = months
    received: list[tuple[date | None, str, bool, int]] = []
    accepted: list[tuple[str, str, int | None, int]] = []
    decided: list[tuple[str, str, str, int | None, bool, int]] = []
    for (
        _pk,
        _through,
        _at,
        figure,
        kind,
        withdrawn,
        procedure,
        stage,
        outcome,
        days_,
        late,
        month,
        total,
    ) in grouped:
        n = int(total or 0)
        days = None if days_ is None else int(days_)
        if figure == SummaryFigure.RECEIVED:
            received.append((_as_date(month), kind, bool(withdrawn), n))
        elif figure == SummaryFigure.ACCEPTED:
            accepted.append((kind, procedure, days, n))
        elif figure == SummaryFigure.DECIDED:
            decided.append((stage, outcome, procedure, days, bool(late), n))
    pieces = ((start, _month_start(first)), (_month_start(stop), end))
    live = [(a, b) for a, b in pieces if a < b]
    if live:
        received += [
            (m, k, w, n)
            for (_c, m, k, w), n in selectors.received_rows(ids, live, per_committee=False).items()
        ]
        accepted += [
            (k, p, d, n)
            for (_c, _m, k, p, d), n in selectors.accepted_rows(
                ids, live, per_committee=False
            ).items()
        ]
        decided += [
            (s, o, p, d, late, n)
            for (_c, _m, s, o, p, d, late), n in selectors.decided_rows(
                ids, live, per_committee=False
            ).items()
        ]
    return Figures(
        selectors.fold_received(received, selectors.months_between(start, end)),
        selectors.fold_accepted(accepted),
        selectors.fold_decided(decided),
        _as_moment(grouped[0][2]),
        through,
    )


def workload(
    ids: Sequence[int],
    start: datetime,
    end: datetime,
    through: date | None,
    *,
    names: bool,
    committee_names: Mapping[int, str],
    now: datetime | None = None,
) -> list[selectors.Workload]:
    """selectors.member_workload, the whole months before `through` (Figures.through: the
    refresh the volume figures were read from) from the workload summaries as of that refresh,
    the rest live: one query (UNION ALL of both, folded per member by selectors.fold_workload;
    the committees are named from `committee_names`, the scope's, not joined)."""
    months = summarised_months(start, end, through)
    if months is None or not ids:
        return selectors.member_workload(ids, start, end, names=names, now=now)
    now = now or timezone.now()
    first, stop = months
    people = selectors.workload_fields(names)[2:]
    counts = ("assignments", "opinions", "late")
    own = ("membership_id", "committee_id", *people)
    rows = (
        WorkloadSummary.objects.filter(committee_id__in=ids, month__gte=first, month__lt=stop)
        .values(*own)
        .annotate(assignments=Sum("assignments"), opinions=Sum("opinions"), late=Sum("late"))
        .order_by()
        .values_list(*own, *counts)
    )
    pieces = ((start, _month_start(first)), (_month_start(stop), end))
    live = [(a, b) for a, b in pieces if a < b]
    if live:
        rows = rows.union(
            selectors.assignments_in(ids, live)
            .values("membership_id", "membership__committee_id", *people)
            .annotate(**selectors.workload_counts(now))
            .order_by()
            .values_list("membership_id", "membership__committee_id", *people, *counts),
            all=True,
        )
    return selectors.fold_workload(rows, names, committee_names)


def _live(ids: Sequence[int], start: datetime, end: datetime) -> Figures:
    return Figures(
        selectors.applications_received(ids, start, end),
        selectors.reviews_accepted(ids, start, end),
        selectors.decisions(ids, start, end),
    )


def _summary_rows(period: list[tuple[datetime, datetime]]) -> list[MonthlySummary]:
    rows: list[MonthlySummary] = []
    common: dict[str, Any]
    for (committee_id, month, kind, withdrawn), n in selectors.received_rows(None, period).items():
        common = {"committee_id": committee_id, "month": month, "n": n}
        rows.append(
            MonthlySummary(figure=SummaryFigure.RECEIVED, kind=kind, withdrawn=withdrawn, **common)
        )
    # The rounds by kind and procedure, and the first rounds' days by procedure, apart
    # (selectors.fold_accepted: a row without a kind carries days only).
    accepted: dict[tuple[Any, ...], int] = {}
    for (committee_id, month, kind, procedure, days), n in selectors.accepted_rows(
        None, period
    ).items():
        parts: list[tuple[Any, ...]] = [(committee_id, month, kind, procedure, None)]
        if days is not None:
            parts.append((committee_id, month, "", procedure, days))
        for part in parts:
            accepted[part] = accepted.get(part, 0) + n
    for (committee_id, month, kind, procedure, days), n in accepted.items():
        common = {"committee_id": committee_id, "month": month, "n": n}
        rows.append(
            MonthlySummary(
                figure=SummaryFigure.ACCEPTED, kind=kind, procedure=procedure, days=days, **common
            )
        )
    # A decision's outcome and its timing are stored apart (selectors.fold_decided reads the
    # outcome of a row with one, the timing of a row with days): a month's region has a few
    # dozen (stage, outcome) pairs and a few hundred timings, not their product.
    decided: dict[tuple[Any, ...], int] = {}
    for (committee_id, month, stage, outcome, procedure, days, late), n in selectors.decided_rows(
        None, period
    ).items():
        key: tuple[Any, ...]
        if stage in selectors.COUNTED_STAGES and outcome:
            key = (committee_id, month, stage, outcome, "", None, False)
            decided[key] = decided.get(key, 0) + n
        if stage in selectors.TIMED_STAGES and days is not None:
            key = (committee_id, month, stage, "", procedure, days, late)
            decided[key] = decided.get(key, 0) + n
    for (committee_id, month, stage, outcome, procedure, days, late), n in decided.items():
        common = {"committee_id": committee_id, "month": month, "n": n}
        rows.append(
            MonthlySummary(
                figure=SummaryFigure.DECIDED, stage=stage, outcome=outcome,
                procedure=procedure, days=days, late=late, **common,
            )
        )  # fmt: skip
    return rows


def _workload_rows(period: list[tuple[datetime, datetime]], now: datetime) -> list[WorkloadSummary]:
    month = TruncMonth("assigned_at", tzinfo=SHANGHAI)
    return [
        WorkloadSummary(
            committee_id=committee_id,
            membership_id=membership_id,
            month=cast(date, selectors.month_of(moment)),  # assigned_at is never empty
            assignments=assignments,
            opinions=opinions,
            late=late,
        )
        for committee_id, membership_id, moment, assignments, opinions, late in (
            selectors.assignments_in(None, period)
            .annotate(month=month)
            .values("membership__committee_id", "membership_id", "month")
            .annotate(**selectors.workload_counts(now))
            .order_by()
            .values_list(
                "membership__committee_id",
                "membership_id",
                "month",
                "assignments",
                "opinions",
                "late",
            )
        )
    ]


def _years(stop: datetime) -> list[tuple[datetime, datetime]]:
    """[EPOCH, stop) cut at each 1 January (Shanghai), from the year of the first record."""
    earliest = [
        moment
        for moment in (
            Application.objects.aggregate(m=Min("submitted_at"))["m"],
            Review.objects.aggregate(m=Min("accepted_at"))["m"],
            Decision.objects.aggregate(m=Min("decided_at"))["m"],
            ReviewerAssignment.objects.aggregate(m=Min("assigned_at"))["m"],
        )
        if moment is not None
    ]
    if not earliest:
        return []
    year = max(min(earliest).astimezone(SHANGHAI).year, EPOCH.year)
    periods = []
    start = EPOCH
    while start < stop:
        year += 1
        end = min(datetime(year, 1, 1, tzinfo=SHANGHAI), stop)
        periods.append((start, end))
        start = end
    return periods


def refresh(now: datetime | None = None) -> int:
    """Count every closed month anew; returns the number of summary rows written."""
    now = now or timezone.now()
    through = now.astimezone(SHANGHAI).date().replace(day=1)
    with transaction.atomic():
        # The lock first: a concurrent refresh waits here, then replaces this one's rows.
        SummaryState.objects.get_or_create(pk=STATE_PK)
        state = SummaryState.objects.select_for_update().get(pk=STATE_PK)
        MonthlySummary.objects.all().delete()
        SummaryCommittee.objects.all().delete()
        WorkloadSummary.objects.all().delete()
        written = 0
        # A year at a time: the worker holds one year's rows, not a million (issue 17).
        for period in _years(_month_start(through)):
            rows = _summary_rows([period])
            MonthlySummary.objects.bulk_create(rows, batch_size=BATCH)
            WorkloadSummary.objects.bulk_create(_workload_rows([period], now), batch_size=BATCH)
            written += len(rows)
            del rows
        SummaryCommittee.objects.bulk_create(
            (
                SummaryCommittee(committee_id=pk, region=region or "")
                for pk, region in Committee.objects.values_list("pk", "institution__region")
            ),
            batch_size=BATCH,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                _REGION_SQL.format(
                    rows=connection.ops.quote_name(MonthlySummary._meta.db_table),
                    committees=connection.ops.quote_name(SummaryCommittee._meta.db_table),
                    keys=", ".join(KEY_FIELDS),
                    s_keys=", ".join(f"s.{name}" for name in KEY_FIELDS),
                )
            )
            regional = int(cursor.rowcount)
        state.through = through
        state.refreshed_at = timezone.now()
        state.save(update_fields=["through", "refreshed_at"])
        if connection.vendor == "postgresql":
            # Fresh statistics, or the planner takes the new table for empty (sort to disk).
            with connection.cursor() as cursor:
                for model in (MonthlySummary, SummaryCommittee, WorkloadSummary):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return written + regional
