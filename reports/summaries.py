"""Monthly summaries of the volume and turnaround figures (issue 17: fast at 1,000,000
applications).

`refresh` (Celery beat `refresh-report-summaries`, and `manage.py reports_refresh`) counts every
closed month (Asia/Shanghai; every month before the current one) with the live row functions of
reports/selectors.py (`received_rows`, `accepted_rows`, `decided_rows`) and stores the rows per
committee and month in `MonthlySummary`; the days of each group are part of the group, so a
median or a 90th percentile read from the summaries is exactly the live one.

`read` gives the three figures (received, accepted, decided) of a set of committees over
[start, end): the whole months that the last refresh covered come from the summaries (one
query), the rest (a partial first or last month, the current month, a month closed since the last
refresh) live, folded by the same selectors.fold_* functions. It also says when the summaries were
made, which the page shows; nothing a reader sends chooses between the two sources.

Refresh: one transaction that first locks the state row (select_for_update: a second worker
waits, then does the same work again, so nothing is counted twice), deletes every summary row and
writes them anew (idempotent); a failure rolls it all back and the previous summaries stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, CharField, F, FilteredRelation, Q, Sum, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from ethics.deadlines import SHANGHAI
from reports import selectors
from reports.models import MonthlySummary, SummaryFigure, SummaryState

STATE_PK = 1
# Before any application: the refresh counts every month from here.
EPOCH = datetime(2000, 1, 1, tzinfo=SHANGHAI)
BATCH = 5_000
KEY_FIELDS = ("figure", "kind", "withdrawn", "procedure", "stage", "outcome", "days", "late")


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


def read(ids: Sequence[int], start: datetime, end: datetime) -> Figures:
    """The received, accepted and decided figures of [start, end): the summarised months from
    the summaries, the rest live. One query reads the state and the summary rows together (the
    state row left-joined to its rows), then three live queries when part of the period is not
    summarised."""
    candidate = summarised_months(start, end, date.max)
    if candidate is None or not ids:
        return _live(ids, start, end)
    first, stop = candidate
    inside = Q(rows__committee_id__in=ids, rows__month__gte=first, rows__month__lt=stop)
    # Grouped on one text key (the database hashes it; eleven columns it would sort).
    key = Concat(
        *(part for name in KEY_FIELDS for part in (Cast(f"s__{name}", CharField()), Value("|"))),
        output_field=CharField(),
    )
    grouped = list(
        SummaryState.objects.filter(pk=STATE_PK)
        .annotate(s=FilteredRelation("rows", condition=inside))
        # Only the received figure is shown by month: the others sum over the months.
        .annotate(
            key=key,
            by_month=Case(When(s__figure=SummaryFigure.RECEIVED, then=F("s__month"))),
        )
        .values("through", "refreshed_at", "key", "by_month")
        .annotate(total=Sum("s__n"))
        .order_by()
    )
    through = grouped[0]["through"] if grouped else None
    months = summarised_months(start, end, through)
    if months is None:
        # Rows exist only for months before `through` (refresh): none came back.
        return _live(ids, start, end)
    first, stop = months
    received: list[tuple[date | None, str, bool, int]] = []
    accepted: list[tuple[str, str, int | None, int]] = []
    decided: list[tuple[str, str, str, int | None, bool, int]] = []
    for row in grouped:
        n = int(row["total"] or 0)
        # Choice codes, never a "|"; a state row without summary rows: "||||||||".
        figure, kind, withdrawn, procedure, stage, outcome, days_, late_, _ = row["key"].split("|")
        days = int(days_) if days_ else None
        if figure == SummaryFigure.RECEIVED:
            received.append((row["by_month"], kind, _true(withdrawn), n))
        elif figure == SummaryFigure.ACCEPTED:
            accepted.append((kind, procedure, days, n))
        elif figure == SummaryFigure.DECIDED:
            decided.append((stage, outcome, procedure, days, _true(late_), n))
    pieces = ((start, _month_start(first)), (_month_start(stop), end))
    live = [(a, b) for a, b in pieces if a < b]
    if live:
        received += [
            (m, k, w, n) for (_c, m, k, w), n in selectors.received_rows(ids, live).items()
        ]
        accepted += [
            (k, p, d, n) for (_c, _m, k, p, d), n in selectors.accepted_rows(ids, live).items()
        ]
        decided += [
            (s, o, p, d, late, n)
            for (_c, _m, s, o, p, d, late), n in selectors.decided_rows(ids, live).items()
        ]
    return Figures(
        selectors.fold_received(received, selectors.months_between(start, end)),
        selectors.fold_accepted(accepted),
        selectors.fold_decided(decided),
        grouped[0]["refreshed_at"],
    )


def _true(text: str) -> bool:
    return text.lower() in {"true", "t", "1"}


def _live(ids: Sequence[int], start: datetime, end: datetime) -> Figures:
    return Figures(
        selectors.applications_received(ids, start, end),
        selectors.reviews_accepted(ids, start, end),
        selectors.decisions(ids, start, end),
    )


def _summary_rows(through: date) -> list[MonthlySummary]:
    period = [(EPOCH, _month_start(through))]
    rows: list[MonthlySummary] = []
    common: dict[str, Any]
    for (committee_id, month, kind, withdrawn), n in selectors.received_rows(None, period).items():
        common = {"committee_id": committee_id, "month": month, "n": n}
        rows.append(
            MonthlySummary(figure=SummaryFigure.RECEIVED, kind=kind, withdrawn=withdrawn, **common)
        )
    for (committee_id, month, kind, procedure, days), n in selectors.accepted_rows(
        None, period
    ).items():
        common = {"committee_id": committee_id, "month": month, "n": n}
        rows.append(
            MonthlySummary(
                figure=SummaryFigure.ACCEPTED, kind=kind, procedure=procedure, days=days, **common
            )
        )
    for (committee_id, month, stage, outcome, procedure, days, late), n in selectors.decided_rows(
        None, period
    ).items():
        common = {"committee_id": committee_id, "month": month, "n": n}
        rows.append(
            MonthlySummary(
                figure=SummaryFigure.DECIDED, stage=stage, outcome=outcome,
                procedure=procedure, days=days, late=late, **common,
            )
        )  # fmt: skip
    return rows


def refresh(now: datetime | None = None) -> int:
    """Count every closed month anew; returns the number of summary rows written."""
    now = now or timezone.now()
    through = now.astimezone(SHANGHAI).date().replace(day=1)
    with transaction.atomic():
        # The lock first: a concurrent refresh waits here, then replaces this one's rows.
        SummaryState.objects.get_or_create(pk=STATE_PK)
        state = SummaryState.objects.select_for_update().get(pk=STATE_PK)
        rows = _summary_rows(through)
        MonthlySummary.objects.all().delete()
        MonthlySummary.objects.bulk_create(rows, batch_size=BATCH)
        state.through = through
        state.refreshed_at = timezone.now()
        state.save(update_fields=["through", "refreshed_at"])
        if connection.vendor == "postgresql":
            # Fresh statistics, or the planner takes the new table for empty (sort to disk).
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {MonthlySummary._meta.db_table}")
    return len(rows)
