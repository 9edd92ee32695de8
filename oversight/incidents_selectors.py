"""Permission-scoped reads of incidents, the risk register and funding records (404 if hidden)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.utils import timezone

from ethics import policies
from ethics.models import User
from oversight.models_incidents import (
    ApprovalStatement,
    Funding,
    Incident,
    IncidentFollowUp,
    IncidentStatus,
    RiskEntry,
    RiskReview,
)
from oversight.services import incidents as services
from reviews.models import Decision

# R59: "lapses soon" by default means its next tracking review falls due within this many days.
LAPSE_WITHIN_DAYS = 60
MAX_LAPSE_WITHIN_DAYS = 3650


def incidents_for_user(user: User) -> models.QuerySet[Incident]:
    return policies.visible(
        user, Incident.objects.select_related("project", "committee", "reported_by")
    )


def incident_get_for_user(user: User, pk: int) -> Incident:
    return policies.get_visible_or_404(
        user, Incident.objects.select_related("project", "committee", "reported_by"), pk=pk
    )


def incident_followups(incident: Incident) -> list[IncidentFollowUp]:
    return list(incident.followups.select_related("author"))


def risks_for_user(user: User) -> models.QuerySet[RiskEntry]:
    return policies.visible(user, RiskEntry.objects.select_related("project", "committee", "owner"))


def risk_get_for_user(user: User, pk: int) -> RiskEntry:
    return policies.get_visible_or_404(
        user, RiskEntry.objects.select_related("project", "committee", "owner"), pk=pk
    )


def risk_reviews(entry: RiskEntry) -> list[RiskReview]:
    return list(entry.reviews.select_related("reviewed_by"))


def fundings_for_user(user: User) -> models.QuerySet[Funding]:
    return policies.visible(
        user,
        Funding.objects.filter(removed_at=None).select_related(
            "project__committee", "project__lead"
        ),
    )


def funding_get_for_user(user: User, pk: int) -> Funding:
    return policies.get_visible_or_404(
        user,
        Funding.objects.filter(removed_at=None).select_related(
            "project__committee", "project__lead"
        ),
        pk=pk,
    )


def funding_statements(funding: Funding) -> list[ApprovalStatement]:
    return list(funding.statements.select_related("decision"))


def statement_get_for_user(user: User, pk: int) -> ApprovalStatement:
    return policies.get_visible_or_404(
        user, ApprovalStatement.objects.select_related("funding__project"), pk=pk
    )


# --- the dashboard panel (B4: early warning) -----------------------------------------------------


def open_incidents(user: User) -> models.QuerySet[Incident]:
    return incidents_for_user(user).exclude(status=IncidentStatus.CLOSED)


def overdue_risks(user: User, today: date | None = None) -> models.QuerySet[RiskEntry]:
    """Risks whose review date has passed (R45)."""
    day = today or timezone.localdate()
    return risks_for_user(user).filter(closed_at=None, next_review_on__lt=day)


# --- funded projects and their approval (R59) ----------------------------------------------------


@dataclass(frozen=True)
class FundingRow:
    funding: Funding
    decision: Decision | None
    standing: str

    @property
    def standing_label(self) -> Any:
        return services.STANDING_LABELS[self.standing]

    @property
    def valid_until(self) -> date | None:
        return self.decision.next_tracking_due if self.decision else None


def funding_rows(
    fundings: list[Funding], *, within_days: int, today: date | None = None
) -> list[FundingRow]:
    """Each funding with the approval its project holds now, in one query for the decisions."""
    day = today or timezone.localdate()
    approvals = services.approvals_for(sorted({f.project_id for f in fundings}))
    rows = []
    for funding in fundings:
        decision = approvals.get(funding.project_id)
        rows.append(FundingRow(funding, decision, services.standing(decision, day, within_days)))
    return rows
