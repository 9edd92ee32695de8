"""Who sees and acts on incidents, the risk register and funding records (issue 16).

Seen by the project's people (the lead and the accepted team), the committee's officers (chair,
vice-chair, secretary in term), the admins of the institution (its research office) and
superusers; an incident also by whoever reported it, a risk also by its owner. Everyone else
gets 404. Officers handle incidents and keep the register; researchers report incidents on their
own projects, follow them up and keep their project's funding records.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from committees.models import MANAGING_ROLES
from committees.policies import current_memberships, current_roles
from ethics import policies
from ethics.models import User
from oversight.models_incidents import (
    ApprovalStatement,
    Funding,
    Incident,
    IncidentFollowUp,
    RiskEntry,
    RiskReview,
)
from reviews.models import Project
from reviews.policies import own_project_ids


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _admin_institution(user: User) -> int | None:
    return user.institution_id if user.institution_admin and user.institution_id else None


def managed_committee_ids(user: User) -> models.QuerySet[Any]:
    return current_memberships(user).filter(role__in=MANAGING_ROLES).values("committee_id")


def office_filter(
    user: User, committee: str = "committee_id", institution: str = "project__institution_id"
) -> Q:
    """Rows of the committees the user manages or of their institution's projects (admins)."""
    q = Q(**{f"{committee}__in": managed_committee_ids(user)})
    admin_of = _admin_institution(user)
    if admin_of is not None:
        q |= Q(**{institution: admin_of})
    return q


def manages(user: User, committee_id: int, institution_id: int | None = None) -> bool:
    """An officer of the committee in term, or an admin of the project's institution."""
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    if institution_id is not None and _admin_institution(user) == institution_id:
        return True
    return bool(current_roles(user).get(committee_id, frozenset()) & set(MANAGING_ROLES))


def is_officer_of(user: User, committee_id: int) -> bool:
    """An officer of the committee in term (institution admins not included)."""
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    return bool(current_roles(user).get(committee_id, frozenset()) & set(MANAGING_ROLES))


def in_project(user: User, project: Project) -> bool:
    """The project's lead or an accepted team member."""
    if not _signed_in(user):
        return False
    if project.lead_id == user.pk:
        return True
    return Project.team.through.objects.filter(project_id=project.pk, user_id=user.pk).exists()


def may_see_oversight(user: Any) -> bool:
    """Nav item: anyone signed in has a list (filtered to their rows)."""
    return _signed_in(user)


def may_see_office_panels(user: Any) -> bool:
    """Dashboard panel: officers of some committee and institution admins."""
    if not _signed_in(user):
        return False
    if user.is_superuser or _admin_institution(user) is not None:
        return True
    return any(roles & set(MANAGING_ROLES) for roles in current_roles(user).values())


class IncidentPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        q = Q(project_id__in=own_project_ids(user)) | Q(reported_by_id=user.pk)
        return queryset.filter(q | office_filter(user))

    def may(self, user: User, action: str, obj: Incident) -> bool:
        if not _signed_in(user):
            return False
        if user.is_superuser:
            return True
        officer = manages(user, obj.committee_id, obj.project.institution_id)
        if action in {"view", "follow_up"}:
            return officer or obj.reported_by_id == user.pk or in_project(user, obj.project)
        if action == "escalate":
            return officer
        if action == "close":
            return is_officer_of(user, obj.committee_id)
        return False


class FollowUpPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        incidents = IncidentPolicy().visible(user, Incident.objects.all()).values("pk")
        return queryset.filter(incident_id__in=incidents)

    def may(self, user: User, action: str, obj: IncidentFollowUp) -> bool:
        return action == "view" and IncidentPolicy().may(user, "view", obj.incident)


class RiskPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        q = Q(project_id__in=own_project_ids(user)) | Q(owner_id=user.pk)
        return queryset.filter(q | office_filter(user))

    def may(self, user: User, action: str, obj: RiskEntry) -> bool:
        if not _signed_in(user):
            return False
        if user.is_superuser:
            return True
        officer = manages(user, obj.committee_id, obj.project.institution_id)
        if action == "view":
            return officer or obj.owner_id == user.pk or in_project(user, obj.project)
        if action == "review":
            return officer or obj.owner_id == user.pk
        if action == "close":
            return officer
        return False


class RiskReviewPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        entries = RiskPolicy().visible(user, RiskEntry.objects.all()).values("pk")
        return queryset.filter(entry_id__in=entries)

    def may(self, user: User, action: str, obj: RiskReview) -> bool:
        return action == "view" and RiskPolicy().may(user, "view", obj.entry)


class FundingPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        q = Q(project_id__in=own_project_ids(user))
        return queryset.filter(q | office_filter(user, committee="project__committee_id"))

    def may(self, user: User, action: str, obj: Funding) -> bool:
        if not _signed_in(user):
            return False
        if user.is_superuser:
            return True
        project = obj.project
        researcher = in_project(user, project)
        if action in {"change", "remove"}:
            return researcher
        if action in {"view", "issue_statement", "download"}:
            return researcher or manages(user, project.committee_id, project.institution_id)
        return False


class StatementPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        fundings = FundingPolicy().visible(user, Funding.objects.all()).values("pk")
        return queryset.filter(funding_id__in=fundings)

    def may(self, user: User, action: str, obj: ApprovalStatement) -> bool:
        return action in {"view", "download"} and FundingPolicy().may(user, "view", obj.funding)


def reportable_projects(user: User) -> models.QuerySet[Project]:
    """Projects the user may report an incident on: their own, and their office's."""
    if user.is_superuser:
        return Project.objects.all()
    q = Q(pk__in=own_project_ids(user)) | office_filter(user, institution="institution_id")
    return Project.objects.filter(q)


def registrable_projects(user: User) -> models.QuerySet[Project]:
    """Projects whose risks the user may register: those of the committees they manage."""
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(office_filter(user, institution="institution_id"))


def fundable_projects(user: User) -> models.QuerySet[Project]:
    """Projects whose funding the user records: their own (lead or accepted team)."""
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(pk__in=own_project_ids(user))


def register() -> None:
    policies.register(Incident, IncidentPolicy())
    policies.register(IncidentFollowUp, FollowUpPolicy())
    policies.register(RiskEntry, RiskPolicy())
    policies.register(RiskReview, RiskReviewPolicy())
    policies.register(Funding, FundingPolicy())
    policies.register(ApprovalStatement, StatementPolicy())
