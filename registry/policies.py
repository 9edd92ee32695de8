"""Who sees deadlines and filings.

Deadlines are seen by whoever may see their committee (secretaries, members, institution admins).
Filings are office work: the committee's officers (chair, vice-chair, secretary) and the
institution's admins see and act on them; everyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from committees.models import MANAGING_ROLES, Committee
from committees.policies import (
    admin_institution,
    appointed_committee_ids,
    current_memberships,
    may_manage_committee,
    visibility_args,
    visible_committee_condition,
)
from ethics import policies
from ethics.models import Deadline, User
from registry.models import Filing, FilingPackage


class DeadlinePolicy:
    """A deadline is seen with its committee (the kernel keeps only the committee's id)."""

    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        return queryset.filter(visible_deadline_condition(**visibility_args(user)))

    def may(self, user: User, action: str, obj: Any) -> bool:
        if user.is_superuser:
            return True
        if obj.committee_id is None:
            return False
        if action == "view":
            return self.visible(user, Deadline.objects.filter(pk=obj.pk)).exists()
        committee = Committee.objects.filter(pk=obj.committee_id).first()
        return committee is not None and may_manage_committee(user, committee)


def visible_deadline_condition(
    *, every: bool = False, sits_on: tuple[int, ...] = (), institution: int | None = None
) -> Q:
    """DeadlinePolicy's visibility from ``committees.policies.visibility_args``' values: the
    deadlines of the committees one may see (every one for a superuser)."""
    if every:
        return Q()
    committees = Committee.objects.filter(visible_committee_condition(sits_on, institution))
    return Q(committee_id__in=committees.values("pk"))


def managed_committee_filter(user: User, prefix: str = "") -> Q:
    """Q over a model reaching Committee through `prefix` for the committees `user` manages:
    their ids from the request's one read of the appointments (written into the SQL, not a
    membership subquery compiled per list, issue 18)."""
    managed = appointed_committee_ids(user, MANAGING_ROLES)
    return managed_committee_condition(managed, admin_institution(user), prefix)


def managed_committee_condition(managed: Any, institution: int | None, prefix: str = "") -> Q:
    """``managed_committee_filter`` from its parts: the ids (or a subquery of them) of the
    committees one runs, and the institution one administers (or None)."""
    q = Q(**{f"{prefix}pk__in": managed})
    if institution is not None:
        q |= Q(**{f"{prefix}institution_id": institution})
    return q


def may_file(user: User) -> bool:
    """Whether the user manages any committee (nav item, dashboard panel)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or (user.institution_admin and user.institution_id):
        return True
    from reviews.hooks import is_officer  # the user's roles, read once per request

    return is_officer(user)


def may_see_deadlines(user: User) -> bool:
    """Nav item: institution admins and anyone holding a current committee role."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or (user.institution_admin and user.institution_id):
        return True
    from reviews.hooks import is_member, is_officer

    return is_officer(user) or is_member(user)


def may_sign_off(user: User, committee: Committee) -> bool:
    """R53: the sign-off is the chair's (in term) or an admin's of the committee's institution."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.institution_admin and user.institution_id == committee.institution_id:
        return True
    return current_memberships(user).filter(committee_id=committee.pk, role="chair").exists()


class FilingPolicy:
    path = "committee__"

    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        return queryset.filter(managed_committee_filter(user, self.path))

    def may(self, user: User, action: str, obj: Any) -> bool:
        filing = obj if isinstance(obj, Filing) else obj.filing
        if action == "sign_off":
            return may_sign_off(user, filing.committee)
        if user.is_superuser:
            return True
        return may_manage_committee(user, filing.committee)


class FilingPackagePolicy(FilingPolicy):
    path = "filing__committee__"


def register() -> None:
    policies.register(Deadline, DeadlinePolicy())
    policies.register(Filing, FilingPolicy())
    policies.register(FilingPackage, FilingPackagePolicy())
