"""Who sees and records sanctions (R57) and researchers' ethics training (R10a).

A sanction is seen by the site's staff, the admins of the institution that recorded it, the
officers (chair, vice-chair, secretary) of that institution's committees, and the sanctioned
person. Everyone else gets 404. The institution's admins and the site's staff record and lift.
Refusals elsewhere (a banned lead's submission) carry the reason in the 409 itself, so whoever
meets the ban sees why without seeing the record.

A researcher's training record is seen by the person, the staff, the admins of the person's
institution and the officers of its committees; the same people but the person record it.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from committees.models import MANAGING_ROLES, Committee
from committees.policies import current_memberships
from ethics import hooks, policies
from ethics.models import User
from oversight.models_sanctions import ResearcherTraining, Sanction


def _staff(user: User) -> bool:
    return bool(user.is_superuser or user.is_staff)


def _admin_institution(user: User) -> int | None:
    return user.institution_id if user.institution_admin and user.institution_id else None


def _officer_institutions(user: User) -> Any:
    """Ids of the institutions whose committees the user holds an office in today (a subquery)."""
    committees = current_memberships(user).filter(role__in=MANAGING_ROLES).values("committee_id")
    return Committee.objects.filter(pk__in=committees).values("institution_id")


def institution_q(user: User, path: str) -> Q:
    q = Q(**{f"{path}__in": _officer_institutions(user)})
    admin_of = _admin_institution(user)
    if admin_of is not None:
        q |= Q(**{path: admin_of})
    return q


def may_record_sanctions(user: Any) -> bool:
    """The institution's officer (its admin) or the site's staff (R57)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return _staff(user) or _admin_institution(user) is not None


def may_see_sanctions(user: Any) -> bool:
    """Nav item: who may have sanctions to read (officers, admins, staff)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return may_record_sanctions(user) or hooks.is_officer(user)


class SanctionPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if not getattr(user, "is_authenticated", False):
            return queryset.none()
        if _staff(user):
            return queryset
        return queryset.filter(institution_q(user, "institution_id") | Q(person_id=user.pk))

    def may(self, user: User, action: str, obj: Any) -> bool:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if action == "view":
            return self.visible(user, Sanction.objects.filter(pk=obj.pk)).exists()
        # record, lift: the recording institution's admin or the staff.
        return _staff(user) or _admin_institution(user) == obj.institution_id


class ResearcherTrainingPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if not getattr(user, "is_authenticated", False):
            return queryset.none()
        if _staff(user):
            return queryset
        return queryset.filter(institution_q(user, "person__institution_id") | Q(person_id=user.pk))

    def may(self, user: User, action: str, obj: Any) -> bool:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if action == "view":
            return self.visible(user, ResearcherTraining.objects.filter(pk=obj.pk)).exists()
        return may_record_training_for(user, obj.person)


def may_record_training_for(user: User, person: User) -> bool:
    """The staff, the admins of the person's institution, its committees' officers (R10a)."""
    if _staff(user):
        return True
    if person.institution_id is None:
        return False
    if _admin_institution(user) == person.institution_id:
        return True
    return Committee.objects.filter(
        pk__in=current_memberships(user).filter(role__in=MANAGING_ROLES).values("committee_id"),
        institution_id=person.institution_id,
    ).exists()


def may_record_training(user: Any) -> bool:
    """Whether the user may record anybody's training (the list page's form)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return _staff(user) or _admin_institution(user) is not None or hooks.is_officer(user)


def register() -> None:
    policies.register(Sanction, SanctionPolicy())
    policies.register(ResearcherTraining, ResearcherTrainingPolicy())
