"""Who sees complaints and investigations (R55, R56).

Only the officers handling a case see it: the institution's admins and the managing officers
(chair, vice-chair, secretary, in term) of the committee the complaint names, or of any committee
of the institution when it names none. A person concerned (linked to the case, or the lead or a
team member of a linked project) sees nothing of it, whatever their role: 404.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from committees.models import MANAGING_ROLES
from committees.policies import current_memberships
from ethics import policies
from ethics.models import User
from oversight.models_complaints import (
    Complaint,
    ComplaintMessage,
    CorrectiveMeasure,
    Evidence,
    Investigation,
    InvestigationStep,
    ReferralPackage,
)


def handler_filter(user: User, prefix: str = "") -> Q:
    """Q over a case (complaint or investigation, through `prefix`) for the cases `user` handles."""
    managed = current_memberships(user).filter(role__in=MANAGING_ROLES)
    q = Q(**{f"{prefix}committee_id__in": managed.values("committee_id")}) | Q(
        **{
            f"{prefix}committee__isnull": True,
            f"{prefix}institution_id__in": managed.values("committee__institution_id"),
        }
    )
    if user.institution_admin and user.institution_id:
        q |= Q(**{f"{prefix}institution_id": user.institution_id})
    return q


def _concerned_complaints(user: User) -> Any:
    """Ids of the complaints `user` is concerned by (never shown to them)."""
    persons = Complaint.persons.through.objects.filter(user_id=user.pk).values("complaint_id")
    projects = Complaint.projects.through.objects.filter(
        Q(project__lead_id=user.pk) | Q(project__team__id=user.pk)
    ).values("complaint_id")
    return persons.union(projects)


def _concerned_investigations(user: User) -> Any:
    persons = Investigation.persons.through.objects.filter(user_id=user.pk).values(
        "investigation_id"
    )
    projects = Investigation.projects.through.objects.filter(
        Q(project__lead_id=user.pk) | Q(project__team__id=user.pk)
    ).values("investigation_id")
    return persons.union(projects)


def _not_concerned(user: User, prefix: str = "") -> Q:
    """The complaints `user` is not concerned by."""
    return ~Q(**{f"{prefix}pk__in": _concerned_complaints(user)})


def _not_concerned_investigation(user: User, prefix: str = "") -> Q:
    """The investigations `user` is not concerned by (nor by the complaint it came from)."""
    return ~Q(**{f"{prefix}pk__in": _concerned_investigations(user)}) & ~Q(
        **{f"{prefix}complaint_id__in": _concerned_complaints(user)}
    )


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(user.is_active)


class ComplaintPolicy:
    path = ""

    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if not _signed_in(user):
            return queryset.none()
        scoped = queryset if user.is_superuser else queryset.filter(handler_filter(user, self.path))
        return scoped.filter(_not_concerned(user, self.path))

    def may(self, user: User, action: str, obj: Any) -> bool:
        """Whoever handles the case may act on it; one query per (reader, row) on a page
        (the services ask again on the row they lock)."""
        if not _signed_in(user):
            return False
        memo: dict[int, bool] = obj.__dict__.setdefault("_handled_by", {})
        if user.pk not in memo:
            memo[user.pk] = self.visible(user, type(obj).objects.filter(pk=obj.pk)).exists()
        return memo[user.pk]


class ComplaintMessagePolicy(ComplaintPolicy):
    path = "complaint__"


class InvestigationPolicy(ComplaintPolicy):
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if not _signed_in(user):
            return queryset.none()
        scoped = queryset if user.is_superuser else queryset.filter(handler_filter(user, self.path))
        return scoped.filter(_not_concerned_investigation(user, self.path))


class InvestigationPartPolicy(InvestigationPolicy):
    path = "investigation__"


def may_handle_cases(user: User) -> bool:
    """Nav items: whoever may handle some complaint (institution admins and committee officers)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or (user.institution_admin and user.institution_id):
        return True
    from reviews.hooks import is_officer  # the user's roles, read once per request

    return is_officer(user)


def register() -> None:
    policies.register(Complaint, ComplaintPolicy())
    policies.register(ComplaintMessage, ComplaintMessagePolicy())
    policies.register(Investigation, InvestigationPolicy())
    for model in (InvestigationStep, Evidence, CorrectiveMeasure, ReferralPackage):
        policies.register(model, InvestigationPartPolicy())
