"""A dashboard: the panels of one scope (committee, institution, region) over one period.

Every panel is a titled table (exports.Table: the page's table alternative, the CSV and the xlsx
sheet) with an optional SVG chart drawn from the same rows. The figures come from
reports/selectors.py, the functions the annual report uses too.

Panels of other apps (registry's filings; the oversight records, read by
reports/oversight_panel.py since oversight sits below reports) come in through `register_panel`: a provider gets the
committee ids, the period and whether names may be shown, and returns a Panel or None.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from committees.models import FieldOfWork
from ethics import hooks
from meetings.workflow import Mode
from reports import selectors, summaries, svg
from reports.exports import Column, Table
from reports.policies import Scope
from reviews.models import Outcome, ReReviewState
from reviews.workflow import Kind, Procedure, ProjectStatus


@dataclass(frozen=True)
class Filters:
    first: date
    last: date
    committee: int | None = None
    field: str = ""

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return selectors.period_bounds(self.first, self.last)

    @classmethod
    def default(cls, today: date | None = None) -> Filters:
        """The last twelve months up to today."""
        today = today or timezone.localdate()
        if today.month == 12:
            return cls(first=date(today.year, 1, 1), last=today)
        return cls(first=date(today.year - 1, today.month + 1, 1), last=today)

    def described(self, scope: Scope) -> list[tuple[str, str]]:
        """The filters as (label, value) words, for the export's first sheet and the PDF."""
        names = {c.pk: c.name for c in scope.committees}
        rows = [
            (str(_("Scope")), scope.title),
            (str(_("From")), self.first.isoformat()),
            (str(_("To")), self.last.isoformat()),
        ]
        if self.committee:
            rows.append((str(_("Committee")), names.get(self.committee, "")))
        if self.field:
            rows.append((str(_("Field")), str(FieldOfWork(self.field).label)))
        return rows


@dataclass
class Panel:
    key: str
    title: Any
    table: Table
    chart: SafeString | None = None
    rule: str = ""
    note: Any = ""
    # Set by the page: where this table downloads as CSV and as .xlsx.
    export_csv: str = ""
    export_xlsx: str = ""


PanelProvider = Callable[[Sequence[int], datetime, datetime, bool], Panel | None]
_providers: list[tuple[int, str, PanelProvider]] = []


def register_panel(order: int, key: str, provider: PanelProvider) -> None:
    """An app above reports adds a panel (registry: filings; oversight: complaints, incidents)."""
    if all(existing != key for _, existing, _p in _providers):
        _providers.append((order, key, provider))


@dataclass
class Dashboard:
    scope: Scope
    filters: Filters
    committees: list[Any]
    panels: list[Panel] = field(default_factory=list)
    generated_at: datetime = field(default_factory=timezone.now)
    # When the monthly summaries the volume and turnaround panels read were made (None: live).
    summarised_at: datetime | None = None

    def panel(self, key: str) -> Panel:
        for panel in self.panels:
            if panel.key == key:
                return panel
        raise KeyError(key)

    @property
    def tables(self) -> list[Table]:
        return [p.table for p in self.panels]


def _label(choices: Any, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def selected_committees(scope: Scope, filters: Filters) -> list[Any]:
    committees = list(scope.committees)
    if filters.committee:
        committees = [c for c in committees if c.pk == filters.committee]
    if filters.field:
        committees = [c for c in committees if filters.field in (c.fields_of_work or [])]
    return committees


def build(scope: Scope, filters: Filters, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    committees = selected_committees(scope, filters)
    ids = [c.pk for c in committees]
    start, end = filters.bounds
    board = Dashboard(scope=scope, filters=filters, committees=committees, generated_at=now)
    # Closed months from the monthly summaries, the rest live: the same figures (summaries.py).
    counted = summaries.read(ids, start, end)
    board.summarised_at = counted.summarised_at
    volume, accepted, decided = counted.volume, counted.accepted, counted.decided
    board.panels += _volume_panels(volume, accepted, decided)
    board.panels.append(_turnaround_panel(selectors.turnaround(accepted, decided)))
    board.panels += _clock_panels(selectors.clocks(ids, start, end, now))
    board.panels.append(_listed_panel(selectors.listed_activities(ids, end)))
    board.panels.append(_meetings_panel(selectors.meetings(ids, start, end)))
    board.panels.append(
        _workload_panel(
            summaries.workload(
                ids,
                start,
                end,
                counted.through,
                names=scope.names,
                committee_names={c.pk: c.name for c in committees},
                now=now,
            ),
            scope.names,
        )
    )
    for _order, _key, provider in sorted(_providers, key=lambda p: p[0]):
        extra = provider(ids, start, end, scope.names)
        if extra is not None:
            board.panels.append(extra)
    # Registered panels: registry's filings, and reports.oversight_panel (complaints R55,
    # investigations R56, incidents and risks B3/B4).
    return board


# --- the panels -------------------------------------------------------------------------------

_N = Column("n", _("Number"))


def _volume_panels(
    volume: selectors.Volume, accepted: selectors.Acceptance, decided: selectors.Decisions
) -> list[Panel]:
    by_month = Table(
        "by_month",
        _("Applications received, by month"),
        [Column("month", _("Month")), _N],
        [{"month": m, "n": n} for m, n in sorted(volume.by_month.items())],
    )
    by_kind = Table(
        "by_kind",
        _("Applications received, by kind"),
        [Column("kind", _("Kind")), _N],
        [{"kind": _label(Kind, k), "n": n} for k, n in sorted(volume.by_kind.items())]
        + [{"kind": str(_("of which withdrawn")), "n": volume.withdrawn}],
    )
    by_procedure = Table(
        "by_procedure",
        _("Applications accepted, by procedure"),
        [Column("procedure", _("Procedure")), _N],
        [
            {"procedure": _label(Procedure, p), "n": n}
            for p, n in sorted(accepted.by_procedure.items())
        ],
    )
    by_outcome = Table(
        "by_outcome",
        _("Decisions, by outcome"),
        [Column("outcome", _("Outcome")), _N],
        [{"outcome": _label(Outcome, o), "n": n} for o, n in sorted(decided.by_outcome.items())],
    )
    return [
        Panel(
            "by_month",
            by_month.title,
            by_month,
            svg.column_chart(by_month.title, [(r["month"][2:], r["n"]) for r in by_month.rows]),
            "R13",
        ),
        Panel(
            "by_kind",
            by_kind.title,
            by_kind,
            svg.bar_chart(by_kind.title, [(r["kind"], r["n"]) for r in by_kind.rows]),
            "R13",
            _("A withdrawn application was received; it has no decision."),
        ),
        Panel(
            "by_procedure",
            by_procedure.title,
            by_procedure,
            svg.bar_chart(
                by_procedure.title, [(r["procedure"], r["n"]) for r in by_procedure.rows]
            ),
            "R15",
        ),
        Panel(
            "by_outcome",
            by_outcome.title,
            by_outcome,
            svg.bar_chart(by_outcome.title, [(r["outcome"], r["n"]) for r in by_outcome.rows]),
            "R23",
        ),
    ]


def _turnaround_panel(rows: list[selectors.Turnaround]) -> Panel:
    table = Table(
        "turnaround",
        _("Turnaround by procedure (days)"),
        [
            Column("procedure", _("Procedure")),
            Column("limit", _("Legal clock")),
            Column("accepted", _("Accepted")),
            Column("acc_median", _("Submission to acceptance, median")),
            Column("acc_p90", _("Submission to acceptance, 90th percentile")),
            Column("decided", _("Decided")),
            Column("dec_median", _("Acceptance to decision, median")),
            Column("dec_p90", _("Acceptance to decision, 90th percentile")),
            Column("late", _("Decided after the clock ran out")),
        ],
        [
            {
                "procedure": _label(Procedure, r.procedure),
                "limit": r.legal_limit,
                "accepted": r.accepted,
                "acc_median": _fmt(r.to_acceptance_median),
                "acc_p90": _fmt(r.to_acceptance_p90),
                "decided": r.decided,
                "dec_median": _fmt(r.to_decision_median),
                "dec_p90": _fmt(r.to_decision_p90),
                "late": r.late,
            }
            for r in rows
        ],
    )
    chart = svg.bar_chart(
        _("Acceptance to decision, 90th percentile (days)"),
        [(_label(Procedure, r.procedure), r.to_decision_p90) for r in rows],
    )
    return Panel("turnaround", table.title, table, chart, "R25")


TRACKING_LABELS = {
    "on_time": _("Met on time"),
    "late": _("Met late"),
    "overdue": _("Overdue"),
    "pending": _("Not yet due"),
    "waived": _("Waived"),
}


def _clock_panels(clocks: selectors.Clocks) -> list[Panel]:
    running = Table(
        "clocks",
        _("Running and overdue clocks"),
        [
            Column("kind", _("Clock")),
            Column("running", _("Running")),
            Column("overdue", _("Overdue")),
        ],
        [
            {"kind": hooks.deadline_kind_label(k), "running": r, "overdue": o}
            for k, (r, o) in sorted(clocks.running.items())
        ],
    )
    tracking = Table(
        "tracking",
        _("Tracking reviews due in the period"),
        [Column("outcome", _("How it went")), _N],
        [{"outcome": str(TRACKING_LABELS[k]), "n": n} for k, n in clocks.tracking.items()],
    )
    return [
        Panel(
            "clocks",
            running.title,
            running,
            svg.bar_chart(_("Overdue clocks"), [(r["kind"], r["overdue"]) for r in running.rows]),
            "R25",
        ),
        Panel(
            "tracking",
            tracking.title,
            tracking,
            svg.bar_chart(tracking.title, [(r["outcome"], r["n"]) for r in tracking.rows]),
            "R28",
        ),
    ]


def _listed_panel(listed: selectors.Listed) -> Panel:
    rows: list[dict[str, Any]] = [
        {"group": str(_("Listed activity")), "state": _label(ProjectStatus, s), "n": n}
        for s, n in sorted(listed.by_status.items())
    ] + [
        {"group": str(_("Expert re-review")), "state": _label(ReReviewState, s), "n": n}
        for s, n in sorted(listed.rereviews.items())
    ]
    table = Table(
        "listed",
        _("Listed activities and their expert re-review"),
        [Column("group", _("Of")), Column("state", _("State")), _N],
        rows,
    )
    chart = svg.bar_chart(table.title, [(f"{r['group']}·{r['state']}", r["n"]) for r in rows])
    return Panel("listed", table.title, table, chart, "R37")


def _meetings_panel(m: selectors.Meetings) -> Panel:
    held = _("Meetings held")  # outside the f-string below, for makemessages
    rows: list[dict[str, Any]] = [
        {"figure": str(_("Meetings held")), "value": m.held},
        *(
            {"figure": f"{held}·{_label(Mode, mode)}", "value": n}
            for mode, n in sorted(m.by_mode.items())
        ),
        {"figure": str(_("Meetings cancelled")), "value": m.cancelled},
        {"figure": str(_("Attendance (%)")), "value": _fmt(m.attendance_rate)},
        {"figure": str(_("Items deferred without a vote (quorum failures)")),
         "value": m.deferred_items},
    ]  # fmt: skip
    table = Table(
        "meetings",
        _("Meetings, attendance and quorum"),
        [Column("figure", _("Figure")), Column("value", _("Value"))],
        rows,
    )
    chart = svg.bar_chart(
        table.title,
        [
            (_("Meetings held"), m.held),
            (_("Meetings cancelled"), m.cancelled),
            (_("Quorum failures"), m.deferred_items),
        ],
    )
    return Panel("meetings", table.title, table, chart, "R19")


def _workload_panel(rows: list[selectors.Workload], names: bool) -> Panel:
    who = Column("who", _("Member") if names else _("Committee"))
    columns = [who]
    if not names:
        columns.append(Column("members", _("Members")))
    columns += [
        Column("assignments", _("Assignments")),
        Column("opinions", _("Opinions")),
        Column("late", _("Late opinions")),
    ]
    table = Table(
        "workload",
        _("Member workload"),
        columns,
        [
            {
                "who": r.key,
                "members": r.members,
                "assignments": r.assignments,
                "opinions": r.opinions,
                "late": r.late_opinions,
            }
            for r in rows
        ],
    )
    chart = svg.bar_chart(table.title, [(r.key, r.assignments) for r in rows[:20]])
    return Panel(
        "workload",
        table.title,
        table,
        chart,
        "R22",
        _("Late: the opinion came, or is still missing, after the round's clock ran out."),
    )
