"""What incidents, the risk register and funded programmes register with the kernel: their
clocks, navigation items, the early-warning dashboard panel (B4), the admin, the rendering task
and the verification of approval statements' codes; plus the annual report's figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Q, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics.hooks import Recipients
from ethics.models import Deadline, User
from ethics.reminders import StageConfig
from oversight import incidents_clocks as clocks
from oversight import incidents_policies as rules
from oversight import incidents_selectors as selectors
from oversight.models_incidents import (
    ApprovalStatement,
    Funding,
    Incident,
    IncidentKind,
    IncidentStatus,
    RiskEntry,
    RiskReview,
    Severity,
)
from oversight.services import incidents as services

PANEL_ROWS = 5


def incident_recipients(deadline: Deadline) -> Recipients:
    """The follow-up report: the project's lead and the handlers; the chair and the institution
    once it is overdue (B4)."""
    incident = Incident.objects.select_related("project__lead", "committee").get(
        pk=deadline.subject_id
    )
    responsible = [incident.project.lead, *services.handlers(incident.committee_id)]
    ids = {u.pk for u in responsible}
    escalation = [u for u in services.escalation_recipients(incident.committee) if u.pk not in ids]
    return Recipients(responsible=responsible, escalation=escalation)


def incident_url(deadline: Deadline) -> str:
    return reverse("oversight:incident-detail", args=[deadline.subject_id])


def risk_recipients(deadline: Deadline) -> Recipients:
    """A risk review: its owner; the committee's secretaries, then the chair, once overdue."""
    entry = RiskEntry.objects.select_related("owner", "committee").get(pk=deadline.subject_id)
    escalation = [
        u
        for u in services.escalation_recipients(entry.committee)
        + services.handlers(entry.committee_id)
        if u.pk != entry.owner_id
    ]
    return Recipients(responsible=[entry.owner], escalation=escalation)


def risk_url(deadline: Deadline) -> str:
    return reverse("oversight:risk-detail", args=[deadline.subject_id])


@dataclass
class Panel:
    title: Any
    template: str = "oversight/incidents/_panel_warning.html"
    incidents: Sequence[Incident] = field(default_factory=list)
    risks: Sequence[RiskEntry] = field(default_factory=list)
    open_count: int = 0
    overdue_count: int = 0


def warning_panel(request: Any) -> Panel | None:
    """B4 (监测预警): open incidents and overdue risk reviews, for officers and admins."""
    user = request.user
    if not rules.may_see_office_panels(user):
        return None
    # Each list carries its full count as a window over the same rows: one query a list
    # (issue 18: the dashboard within 15 queries).
    total = Window(Count("pk"))
    incidents = list(
        selectors.open_incidents(user).annotate(total=total).order_by("-reported_at")[:PANEL_ROWS]
    )
    risks = list(
        selectors.overdue_risks(user).annotate(total=total).order_by("next_review_on")[:PANEL_ROWS]
    )
    return Panel(
        title=_("Early warning: incidents and risks"),
        incidents=incidents,
        risks=risks,
        open_count=incidents[0].total if incidents else 0,
        overdue_count=risks[0].total if risks else 0,
    )


def annual_figures(committee: Any, year: int) -> dict[str, Any]:
    """The year's incident, risk-register and funded-programme figures of one committee, for the
    annual work report (R52): incidents reported (by kind, serious, late, escalated, closed),
    incidents open at the year's end, risks entered and reviewed, and approval statements issued."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(date(year, 1, 1), time.min, tzinfo=tz)
    end = datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=tz)
    reported = Incident.objects.filter(
        committee=committee, reported_at__gte=start, reported_at__lt=end
    )
    totals = reported.aggregate(
        total=Count("pk"),
        serious=Count("pk", filter=Q(severity=Severity.SERIOUS)),
        late=Count("pk", filter=Q(reported_late=True)),
        escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
        closed=Count("pk", filter=Q(closed_at__isnull=False, closed_at__lt=end)),
    )
    by_kind = dict.fromkeys(IncidentKind.values, 0)
    for kind, count in reported.values_list("kind").annotate(n=Count("pk")).order_by():
        by_kind[kind] = count
    open_at_end = (
        Incident.objects.filter(committee=committee, reported_at__lt=end)
        .filter(Q(closed_at=None) | Q(closed_at__gte=end))
        .count()
    )
    return {
        "incidents_reported": totals["total"],
        "incidents_by_kind": by_kind,
        "incidents_serious": totals["serious"],
        "incidents_reported_late": totals["late"],
        "incidents_escalated": totals["escalated"],
        "incidents_closed": totals["closed"],
        "incidents_open_at_year_end": open_at_end,
        "risks_registered": RiskEntry.objects.filter(
            committee=committee, created_at__gte=start, created_at__lt=end
        ).count(),
        "risk_reviews": RiskReview.objects.filter(
            entry__committee=committee, reviewed_on__year=year
        ).count(),
        "funded_projects": Funding.objects.filter(
            project__committee=committee, removed_at=None, created_at__lt=end
        )
        .values("project_id")
        .distinct()
        .count(),
        "approval_statements_issued": ApprovalStatement.objects.filter(
            decision__committee=committee, issued_at__gte=start, issued_at__lt=end
        ).count(),
    }


def _may_see_lists(user: User) -> bool:
    return rules.may_see_oversight(user)


def register_incidents() -> None:
    """Called once from oversight.registrations.register()."""
    from ethics import hooks
    from oversight import incidents_admin, incidents_tasks  # noqa: F401 - admin and task

    rules.register()
    hooks.register_deadline_kind(
        clocks.INCIDENT_FOLLOWUP,
        label=_("Incident follow-up report"),
        recipients=incident_recipients,
        url=incident_url,
        stages=StageConfig(days_before=(3, 1), on_last_day=True, overdue_every_days=1),
    )
    hooks.register_deadline_kind(
        clocks.RISK_REVIEW,
        label=_("Risk register review"),
        recipients=risk_recipients,
        url=risk_url,
        stages=StageConfig(days_before=(14, 3), on_last_day=True, overdue_every_days=7),
    )
    hooks.register_nav_item(60, _("Incidents"), "oversight:incident-list", _may_see_lists)
    hooks.register_nav_item(61, _("Risk register"), "oversight:risk-list", _may_see_lists)
    hooks.register_nav_item(62, _("Funding"), "oversight:funding-list", _may_see_lists)
    # The early-warning panel loads with quality control's: oversight/panels.py.
    hooks.register_code_verifier(services.statement_check)
    from oversight import incidents_demo

    hooks.register_seeder(35, "oversight-incidents", incidents_demo.seed)


__all__ = ["IncidentStatus", "annual_figures", "register_incidents"]
