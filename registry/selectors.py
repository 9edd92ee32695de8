"""Permission-scoped reads of deadlines and filings; query counts constant in the number of rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from django.db import models
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Committee, Role
from committees.policies import visibility_args
from committees.selectors import institution_admins, officers
from ethics import hooks, policies
from ethics.choice_labels import labeller
from ethics.deadlines import SHANGHAI
from ethics.models import Deadline, DeadlineQuerySet, DeadlineState, User, overdue_condition
from ethics.prepared import prepared
from registry.models import Filing, FilingPackage, FilingQuerySet
from registry.workflow import OPEN_STATUSES, Kind, Status
from reports import svg
from reports.dashboards import Panel
from reports.exports import Column, Table

_MAX_ID = 2**63 - 1  # a bigint primary key
_Q = TypeVar("_Q", bound="models.QuerySet[Any]")


def _by_committee(qs: _Q, committee: str | None) -> _Q:
    """Rows of one committee. A filter that is no id is left out (the pages' select box); an id
    no database can hold matches nothing (`str.isdigit` admits "²" and 10**40, which `int()` or
    the database then refused with a 500, found by fuzzing the API)."""
    text = str(committee or "")
    if not (text.isascii() and text.isdigit()):
        return qs
    committee_id = int(text)
    return qs.filter(committee_id=committee_id) if committee_id <= _MAX_ID else qs.none()


def _deadlines() -> DeadlineQuerySet:
    committee_name = Committee.objects.filter(pk=OuterRef("committee_id")).values("name")[:1]
    return Deadline.objects.select_related("subject_type").annotate(
        committee_name=Subquery(committee_name)
    )


DEADLINES_PER_PAGE = 50  # the deadlines page's
DEADLINE_ORDER = ("due_at", "id")  # the deadlines list's, soonest first


def first_deadline_rows(user: User) -> list[tuple[Any, ...]]:
    """The deadlines page's first page as it opens (no filter, the default order), as
    ``registry.rows.DEADLINE_VALUES`` tuples: ``deadlines_for_user``'s rows read with a query
    compiled once per shape (ethics.prepared, issue 18); ``filtered_page``'s ``landing``."""
    rows: list[tuple[Any, ...]] = _first_deadline_rows(**visibility_args(user))
    return rows


@prepared("rows")
def _first_deadline_rows(
    *, every: bool = False, sits_on: tuple[int, ...] = (), institution: int | None = None
) -> models.QuerySet[Any]:
    from registry.policies import visible_deadline_condition
    from registry.rows import DEADLINE_VALUES

    condition = visible_deadline_condition(every=every, sits_on=sits_on, institution=institution)
    qs = _deadlines().filter(condition).order_by(*DEADLINE_ORDER)
    return qs.values_list(*DEADLINE_VALUES)[:DEADLINES_PER_PAGE]


def deadlines_for_user(user: User, filters: Mapping[str, str] | None = None) -> DeadlineQuerySet:
    """Deadlines of the committees `user` may see, filtered by committee, state and kind.

    Each row carries `committee_name` (the kernel's deadline keeps only the committee's id).
    """
    qs = policies.visible(user, _deadlines())
    filters = filters or {}
    qs = _by_committee(qs, filters.get("committee"))
    state = filters.get("state")
    if state in DeadlineState.values:
        qs = qs.filter(state=state)
    elif state == "active":
        qs = qs.active()
    kind = filters.get("kind")
    if kind and hooks.has_deadline_kind(kind):
        qs = qs.filter(kind=kind)
    return qs.order_by(*DEADLINE_ORDER)


def deadlines_in_month(user: User, year: int, month: int) -> dict[date, list[Deadline]]:
    """Active deadlines whose last day falls in the month, by last day (the calendar page)."""
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    # due_at is 24:00 of the last day, i.e. the next day's 00:00 Shanghai.
    start = datetime.combine(first + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    end = datetime.combine(following + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    qs = deadlines_for_user(user).active().filter(due_at__gte=start, due_at__lt=end)
    days: dict[date, list[Deadline]] = {}
    for deadline in qs[:500]:
        last = (deadline.due_at.astimezone(SHANGHAI) - timedelta(microseconds=1)).date()
        days.setdefault(last, []).append(deadline)
    return days


# --- filings ------------------------------------------------------------------------------------


def with_packages(qs: FilingQuerySet) -> FilingQuerySet:
    """Prefetch each filing's packages, newest first, for `latest_package` (one query)."""
    return qs.prefetch_related(
        Prefetch(
            "packages",
            queryset=FilingPackage.objects.order_by("-version").defer("data"),
            to_attr="package_list",
        )
    )


FILING_ORDER = ("due_on", "id")  # the filings list's, soonest first


def _filings() -> FilingQuerySet:
    return Filing.objects.select_related("committee", "project", "deadline")


def filings_for_user(user: User) -> FilingQuerySet:
    """Filings of the committees `user` manages, soonest first (registry.filters.FilingFilter
    narrows them for the page and the API)."""
    return policies.visible(user, _filings()).order_by(*FILING_ORDER)


# What a row of the filings page reads (registry.rows.filing_rows_html): the list reads only
# these columns of its three joined tables, not the project's thirty or the filing's pre-filled
# data (issue 18).
FILING_ROW_FIELDS = (
    "kind",
    "period",
    "due_on",
    "status",
    "rule",
    "receipt",
    "submitted_on",
    "committee__name",
    "project__title",
    "deadline__state",
    "deadline__due_at",
)


def filing_rows_for_user(user: User) -> FilingQuerySet:
    """``filings_for_user`` with only the columns the filings page's rows show."""
    return filings_for_user(user).only(*FILING_ROW_FIELDS)


FILINGS_PER_PAGE = 25  # the filings page's (ethics.listing.filtered_page's default)


def first_filing_rows(user: User) -> list[Filing]:
    """The filings page's first page as it opens (no filter, the default order): the rows of
    ``filing_rows_for_user`` read with a query compiled once per shape (ethics.prepared,
    issue 18); ``filtered_page``'s ``landing``."""
    rows: list[Filing] = _first_filing_rows(**_filing_scope(user))
    return rows


@prepared("instances")
def _first_filing_rows(
    *, every: bool = False, committees: tuple[int, ...] = (), institution: int | None = None
) -> FilingQuerySet:
    qs = _scoped(_filings(), every=every, committees=committees, institution=institution)
    return qs.order_by(*FILING_ORDER).only(*FILING_ROW_FIELDS)[:FILINGS_PER_PAGE]


def _scoped(qs: _Q, *, every: bool, committees: tuple[int, ...], institution: int | None) -> _Q:
    """``qs`` narrowed as FilingPolicy narrows it for the user ``_filing_scope`` describes."""
    from registry.policies import FilingPolicy, managed_committee_condition

    if every:
        return qs
    return qs.filter(managed_committee_condition(committees, institution, FilingPolicy.path))


def filing_get_for_user(user: User, pk: int) -> Filing:
    """One filing the user may see, or 404."""
    return policies.get_visible_or_404(
        user,
        Filing.objects.select_related(
            "committee__institution", "project", "deadline", "submitted_by"
        ),
        pk=pk,
    )


def latest_package(filing: Filing) -> FilingPackage | None:
    cached = getattr(filing, "package_list", None)
    if cached is not None:
        return cached[0] if cached else None
    return filing.packages.order_by("-version").first()


def package_get_for_user(user: User, filing_pk: int) -> FilingPackage | None:
    filing = filing_get_for_user(user, filing_pk)
    return latest_package(filing)


@dataclass(frozen=True)
class FilingCounts:
    due: int
    overdue: int
    prepared: int
    submitted: int
    acknowledged: int


def filing_counts(user: User) -> FilingCounts:
    """What is due, overdue, prepared, submitted: one aggregate query over the filings the user
    may see (``registry.policies.FilingPolicy``), compiled once per shape (``ethics.prepared``,
    issue 18: the filings page and the dashboard's obligations panel)."""
    agg: dict[str, int | None] = _filing_counts(now=timezone.now(), **_filing_scope(user))
    return FilingCounts(**{k: v or 0 for k, v in agg.items()})


def _filing_scope(user: User) -> dict[str, Any]:
    """The arguments of ``managed_committee_condition`` for ``user`` (FilingPolicy's rule):
    every filing for a superuser, else the committees they run and the institution they
    administer."""
    from committees.models import MANAGING_ROLES
    from committees.policies import admin_institution, appointed_committee_ids

    if user.is_superuser:
        return {"every": True}
    args: dict[str, Any] = {"committees": appointed_committee_ids(user, MANAGING_ROLES)}
    institution = admin_institution(user)
    if institution is not None:
        args["institution"] = institution
    return args


@prepared("one")
def _filing_counts(
    *,
    now: datetime,
    every: bool = False,
    committees: tuple[int, ...] = (),
    institution: int | None = None,
) -> dict[str, int | None]:
    qs = _scoped(Filing.objects.all(), every=every, committees=committees, institution=institution)
    return qs.aggregate(
        due=models.Count("id", filter=models.Q(status=Status.DUE)),
        overdue=models.Count(
            "id",
            filter=models.Q(status__in=OPEN_STATUSES) & overdue_condition("deadline__", now),
        ),
        prepared=models.Count("id", filter=models.Q(status=Status.PREPARED)),
        submitted=models.Count("id", filter=models.Q(status=Status.SUBMITTED)),
        acknowledged=models.Count("id", filter=models.Q(status=Status.ACKNOWLEDGED)),
    )


OBLIGATIONS_SHOWN = 8


@dataclass(frozen=True)
class ObligationRow:
    """A line of the dashboard's obligations panel: an open filing, soonest first."""

    pk: int
    kind: str
    period: int | None
    committee_name: str
    due_on: date
    status: str
    overdue: bool  # open and its clock overdue (ethics.models.overdue_condition)

    @property
    def kind_label(self) -> str:
        return str(labeller(Filing, "kind")(self.kind))  # Filing.get_kind_display's label

    @property
    def status_label(self) -> str:
        return str(labeller(Filing, "status")(self.status))


def next_obligations(user: User) -> list[ObligationRow]:
    """The user's first ``OBLIGATIONS_SHOWN`` open filings, soonest first (dashboard panel):
    FilingPolicy's rows, read in one query compiled once per shape (issue 18)."""
    rows = _next_obligation_rows(now=timezone.now(), **_filing_scope(user))
    # A filing without a clock reads NULL for its overdue (the join finds no deadline).
    return [
        ObligationRow(pk, kind, period, committee, due_on, status, bool(overdue))
        for pk, kind, period, committee, due_on, status, overdue in rows
    ]


@prepared("rows")
def _next_obligation_rows(
    *,
    now: datetime,
    every: bool = False,
    committees: tuple[int, ...] = (),
    institution: int | None = None,
) -> models.QuerySet[Any]:
    from registry.policies import FilingPolicy, managed_committee_condition

    qs = Filing.objects.open()
    if not every:
        qs = qs.filter(managed_committee_condition(committees, institution, FilingPolicy.path))
    overdue = models.ExpressionWrapper(
        overdue_condition("deadline__", now), output_field=models.BooleanField()
    )
    return (
        qs.annotate(overdue=overdue)
        .order_by("due_on", "id")
        .values_list("pk", "kind", "period", "committee__name", "due_on", "status", "overdue")[
            :OBLIGATIONS_SHOWN
        ]
    )


def filing_recipients(committee_id: int, *, escalation: bool = False) -> list[User]:
    """Secretaries of the committee; with `escalation`, also its chair and institution admins."""
    if not escalation:
        return officers(committee_id, [Role.SECRETARY])
    return officers(committee_id, [Role.SECRETARY, Role.CHAIR]) + institution_admins(committee_id)


def filings_panel(
    committee_ids: Sequence[int], start: datetime, end: datetime, names: bool
) -> Panel:
    """The reports dashboards' filings panel (issue 17): filings due in [start, end) or still
    open, by kind and status, with the open ones overdue by the one definition (one query)."""
    due_in_period = models.Q(due_on__gte=start.astimezone(SHANGHAI).date(),
                             due_on__lt=end.astimezone(SHANGHAI).date())  # fmt: skip
    is_open = models.Q(status__in=OPEN_STATUSES)
    rows = (
        Filing.objects.filter(committee_id__in=committee_ids)
        .filter(due_in_period | is_open)
        .values("kind", "status")
        .annotate(
            n=models.Count("id"),
            overdue=models.Count("id", filter=is_open & overdue_condition("deadline__")),
        )
        .order_by("kind", "status")
    )
    kinds, statuses = dict(Kind.choices), dict(Status.choices)
    table = Table(
        "filings",
        _("Filings to the national platform"),
        [
            Column("kind", _("Kind")),
            Column("status", _("Status")),
            Column("n", _("Number")),
            Column("overdue", _("Overdue")),
        ],
        [
            {
                "kind": str(kinds.get(r["kind"], r["kind"])),
                "status": str(statuses.get(r["status"], r["status"])),
                "n": r["n"],
                "overdue": r["overdue"],
            }
            for r in rows
        ],
    )
    by_status: dict[str, int] = {}
    for row in table.rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
    chart = svg.bar_chart(table.title, list(by_status.items()))
    return Panel("filings", table.title, table, chart, "R50")
