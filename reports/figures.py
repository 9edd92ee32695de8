"""The figures of a committee's annual work report (R52, regulations.md §5), from the data.

Each selector reads one committee and one calendar year (Asia/Shanghai) with a constant number
of aggregate queries; the arithmetic (median, maximum) is pure and tested as such. A figure whose
source is not modelled yet is `NOT_RECORDED`, never a made-up zero: the report says so in words.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from committees.models import Committee, Membership, Training
from ethics.deadlines import SHANGHAI
from reports import selectors
from reviews.models import Appeal, Application, Decision, Listing, Project
from reviews.workflow import Kind


class _NotRecorded:
    """Marker for a figure whose source model does not exist yet."""

    def __repr__(self) -> str:
        return "NOT_RECORDED"

    def __bool__(self) -> bool:
        return False


NOT_RECORDED: Final = _NotRecorded()
NOT_RECORDED_LABEL: Final = _("not recorded in the system yet")


@dataclass(frozen=True)
class Figure:
    key: str
    label: Any
    value: Any
    rule: str = ""

    @property
    def recorded(self) -> bool:
        return self.value is not NOT_RECORDED

    def as_json(self) -> Any:
        return self.value if self.recorded else None


@dataclass
class AnnualFigures:
    committee_id: int
    year: int
    figures: list[Figure] = field(default_factory=list)
    listed_activities: list[dict[str, Any]] = field(default_factory=list)

    def get(self, key: str) -> Any:
        for figure in self.figures:
            if figure.key == key:
                return figure.value
        raise KeyError(key)

    @property
    def not_recorded(self) -> list[str]:
        return [f.key for f in self.figures if not f.recorded]

    def as_json(self) -> dict[str, Any]:
        return {
            "committee": self.committee_id,
            "year": self.year,
            "figures": {f.key: f.as_json() for f in self.figures},
            "not_recorded": self.not_recorded,
            # Dates as ISO strings: this is stored in a JSONField (Filing.data).
            "listed_activities": json.loads(
                json.dumps(self.listed_activities, cls=DjangoJSONEncoder)
            ),
        }


year_bounds = selectors.year_bounds
days_taken = selectors.days_taken
median_days = selectors.median_days
max_days = selectors.max_days
COUNTED_STAGES: Final = selectors.COUNTED_STAGES
TIMED_STAGES: Final = selectors.TIMED_STAGES


def _counts(rows: Iterable[dict[str, Any]], key: str) -> dict[str, int]:
    return {row[key]: row["n"] for row in rows if row[key]}


# --- the figures: one committee, one calendar year, through the dashboards' selectors ----------


def applications_received(committee_id: int, year: int) -> dict[str, int]:
    return selectors.applications_received([committee_id], *year_bounds(year)).by_kind


def reviews_accepted(committee_id: int, year: int) -> dict[str, int]:
    """Review rounds accepted in the year, by procedure (meeting / simplified / emergency)."""
    return selectors.reviews_accepted([committee_id], *year_bounds(year)).by_procedure


def reviews_by_kind_and_procedure(committee_id: int, year: int) -> dict[str, dict[str, int]]:
    return selectors.reviews_accepted([committee_id], *year_bounds(year)).by_kind_and_procedure


def decisions_by_outcome(committee_id: int, year: int) -> dict[str, int]:
    return selectors.decisions([committee_id], *year_bounds(year)).by_outcome


def decision_days(committee_id: int, year: int) -> list[int]:
    return selectors.decisions([committee_id], *year_bounds(year)).days


def _meetings_held(held: selectors.Meetings) -> dict[str, int]:
    return {"total": held.held, **held.by_mode}


def meetings_held(committee_id: int, year: int) -> dict[str, int]:
    """Meetings closed in the year, in all and by mode (in person / video, R21)."""
    return _meetings_held(selectors.meetings([committee_id], *year_bounds(year)))


def _tracking_overdue(clocks: selectors.Clocks) -> int:
    return clocks.tracking["late"] + clocks.tracking["overdue"]


def tracking_reviews_overdue(committee_id: int, year: int) -> int:
    """Tracking reviews whose due date fell in the year and that were met late or are overdue
    (selectors.clocks: the one definition, is_overdue / overdue_condition)."""
    return _tracking_overdue(selectors.clocks([committee_id], *year_bounds(year)))


def tracking_decisions(committee_id: int, year: int) -> int:
    start, end = year_bounds(year)
    return int(
        Decision.objects.filter(
            committee_id=committee_id,
            decided_at__gte=start,
            decided_at__lt=end,
            application__kind=Kind.TRACKING,
        ).count()
    )


def appeals(committee_id: int, year: int) -> dict[str, Any]:
    """Appeals (R27) filed in the year, and those resolved in the year by result."""
    start, end = year_bounds(year)
    of_committee = Appeal.objects.filter(application__committee_id=committee_id)
    received = of_committee.filter(filed_at__gte=start, filed_at__lt=end).count()
    rows = (
        of_committee.filter(resolved_at__gte=start, resolved_at__lt=end)
        .values("state")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {"received": received, "resolved": _counts(rows, "state")}


def member_changes(committee_id: int, year: int) -> dict[str, int]:
    """Appointments starting and appointments ended during the year."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    counts = Membership.objects.filter(committee_id=committee_id).aggregate(
        appointed=Count("id", filter=Q(term_start__gte=first, term_start__lte=last)),
        ended=Count("id", filter=Q(ended_on__gte=first, ended_on__lte=last)),
    )
    return {"appointed": counts["appointed"] or 0, "ended": counts["ended"] or 0}


def training(committee_id: int, year: int) -> dict[str, Any]:
    first, last = date(year, 1, 1), date(year, 12, 31)
    counts = Training.objects.filter(
        membership__committee_id=committee_id, completed_on__gte=first, completed_on__lte=last
    ).aggregate(
        records=Count("id"),
        members=Count("membership", distinct=True),
        hours=Sum("hours"),
    )
    return {
        "records": counts["records"] or 0,
        "members": counts["members"] or 0,
        "hours": float(counts["hours"] or 0),
    }


def listed_activities(committee_id: int, year: int) -> list[dict[str, Any]]:
    """Listed (annex) activities the committee reviews, with their latest decision in the year."""
    _, end = year_bounds(year)
    projects = (
        # R37: listed by the committee's determination, never by the researcher's declaration.
        Project.objects.filter(committee_id=committee_id, listing=Listing.LISTED)
        .filter(created_at__lt=end)
        .select_related("lead")
        .order_by("id")
    )
    latest: dict[int, Decision] = {}
    for found in (
        Decision.objects.filter(application__project__in=projects, decided_at__lt=end)
        .select_related("application")
        .order_by("decided_at", "id")
    ):
        latest[found.application.project_id] = found
    progress = tracking_records(projects, year)
    rows = []
    for project in projects:
        decision = latest.get(project.pk)
        rows.append(
            {
                "project": project.pk,
                "title": project.title,
                "listed_item": project.listing_item,
                "annex_version": project.listing_annex_version,
                "lead": project.lead.display_name,
                "status": project.status,
                "planned_start": project.planned_start,
                "planned_end": project.planned_end,
                "last_decision": decision.number if decision else None,
                "last_outcome": decision.outcome if decision else None,
                "last_decided_on": (
                    decision.decided_at.astimezone(SHANGHAI).date() if decision else None
                ),
                "next_tracking_due": decision.next_tracking_due if decision else None,
                # R52: the implementation in the year, from the activity's tracking records.
                "progress": progress.get(project.pk, []),
            }
        )
    return rows


# The reports through which an approved activity tells the committee how it is implemented.
TRACKING_RECORD_KINDS: Final = (Kind.TRACKING, Kind.RISK_REPORT, Kind.DEVIATION, Kind.CLOSURE)


def tracking_records(projects: Any, year: int) -> dict[int, list[dict[str, Any]]]:
    """R52: per project, its tracking records submitted in `year`, each with the decision on it
    (if any yet): two queries whatever the number of projects."""
    start, end = year_bounds(year)
    applications = list(
        Application.objects.filter(
            project__in=projects,
            kind__in=TRACKING_RECORD_KINDS,
            submitted_at__gte=start,
            submitted_at__lt=end,
        ).order_by("submitted_at", "id")
    )
    decided: dict[int, Decision] = {}
    for found in Decision.objects.filter(application__in=applications).order_by("decided_at", "id"):
        decided[found.application_id] = found
    records: dict[int, list[dict[str, Any]]] = {}
    for application in applications:
        decision = decided.get(application.pk)
        submitted = application.submitted_at
        records.setdefault(application.project_id, []).append(
            {
                "kind": application.kind,
                "submitted_on": submitted.astimezone(SHANGHAI).date().isoformat()
                if submitted
                else "",
                "outcome": decision.outcome if decision else "",
                "decided_on": decision.decided_at.astimezone(SHANGHAI).date().isoformat()
                if decision
                else "",
            }
        )
    return records


def _pick(values: dict[str, Any], *keys: str, prefix: str = "") -> dict[str, Any]:
    """The entries of `values` named `keys` (and those starting with `prefix`), in that order."""
    picked = {key: values[key] for key in keys if key in values}
    if prefix:
        picked.update({k: v for k, v in values.items() if k.startswith(prefix)})
    return picked


def oversight_figures(committee: Committee) -> Any:
    """The oversight records' yearly figures (issue 16), each from the function its part keeps
    (one definition): complaints and investigations (R55, R56), sanctions and researchers'
    training (R57, R10a), incidents, the risk register and funded programmes (B3, R59), quality
    control (B1)."""
    from oversight import incidents_hooks
    from oversight.services import complaints, quality, sanctions

    def figures(year: int) -> list[Figure]:
        cases = complaints.annual_figures(committee, year)
        penalties = sanctions.annual_figures(committee, year)
        events = incidents_hooks.annual_figures(committee, year)
        checks = quality.annual_figures(committee, year)
        return [
            Figure("complaints", _("Complaints"), _pick(cases, prefix="complaints_"), "R55"),
            Figure("investigations", _("Investigations"),
                   _pick(cases, "violations_found", prefix="investigations_")
                   | _pick(cases, prefix="measures_"), "R56"),
            Figure("sanctions", _("Sanctions"),
                   _pick(penalties, "sanctions", "bans", "bans_in_force_at_year_end",
                         "bans_lifted_early", prefix="measure_"), "R57"),
            Figure("researcher_training", _("Researchers' ethics training"),
                   _pick(penalties, "researcher_trainings"), "R10a"),
            Figure("incidents", _("Ethics incidents"), _pick(events, prefix="incidents_"), "B3"),
            Figure("risk_register", _("Risk register"),
                   _pick(events, "risks_registered", "risk_reviews"), "B3"),
            Figure("funded_programmes", _("Funded programmes"),
                   _pick(events, "funded_projects", "approval_statements_issued"), "R59"),
            Figure("quality_control", _("Quality control"), checks, "B1"),
        ]  # fmt: skip

    return figures


def annual_figures(committee: Committee | int, year: int) -> AnnualFigures:
    """Every figure of the annual work report of `committee` for `year` (R52)."""
    committee_id = committee if isinstance(committee, int) else committee.pk
    instance = (
        committee if isinstance(committee, Committee) else Committee.objects.get(pk=committee)
    )
    bounds = year_bounds(year)
    decided = selectors.decisions([committee_id], *bounds)
    accepted = selectors.reviews_accepted([committee_id], *bounds)
    days, outcomes = decided.days, decided.by_outcome
    figures = [
        Figure("meetings_held", _("Meetings held"), _meetings_held(selectors.meetings([committee_id], *bounds)), "R19"),
        Figure("applications_by_kind", _("Applications received, by kind"),
               applications_received(committee_id, year), "R13"),
        Figure("reviews_by_procedure", _("Applications accepted, by procedure"),
               accepted.by_procedure, "R15"),
        Figure("reviews_by_kind_and_procedure", _("Accepted, by kind and procedure"),
               accepted.by_kind_and_procedure, "R15"),
        Figure("decisions_by_outcome", _("Decisions, by outcome"), outcomes, "R23"),
        Figure("decisions_total", _("Decisions in all"), sum(outcomes.values()), "R23"),
        Figure("median_days_to_decision", _("Median days from acceptance to decision"),
               median_days(days), "R25"),
        Figure("max_days_to_decision", _("Maximum days from acceptance to decision"),
               max_days(days), "R25"),
        Figure("tracking_reviews_done", _("Tracking reviews decided"),
               tracking_decisions(committee_id, year), "R28"),
        Figure("tracking_reviews_overdue", _("Tracking reviews overdue"),
               _tracking_overdue(selectors.clocks([committee_id], *bounds)), "R28"),
        Figure("suspensions", _("Suspensions"), outcomes.get("suspend", 0), "R28"),
        Figure("terminations", _("Terminations"), outcomes.get("terminate", 0), "R28"),
        Figure("appeals", _("Appeals"), appeals(committee_id, year), "R27"),
        Figure("member_changes", _("Member changes"), member_changes(committee_id, year), "R7"),
        Figure("training", _("Training"), training(committee_id, year), "R8"),
        *oversight_figures(instance)(year),
    ]  # fmt: skip
    return AnnualFigures(
        committee_id=committee_id,
        year=year,
        figures=figures,
        listed_activities=listed_activities(committee_id, year),
    )
