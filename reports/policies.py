"""Who may open which dashboard (issue 17); everyone else gets 404.

- a committee's dashboard: who manages the committee (its chair, vice-chairs and secretary in
  term, its institution's admins, superusers: committees.policies.may_manage_committee);
- an institution's dashboard (all its committees): its admins and superusers;
- the regional dashboard: users with a current `AuthorityScope` (and superusers, for every
  institution): aggregates only, never project content, never a person's name.
Each resolution is one query (the authority's: two).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Q, Subquery
from django.http import Http404

from committees.models import MANAGING_ROLES, Committee
from committees.policies import current_memberships
from ethics.models import Institution, User
from reports.models import AuthorityScope

COMMITTEE: str = "committee"
INSTITUTION: str = "institution"
AUTHORITY: str = "authority"


@dataclass(frozen=True)
class Scope:
    level: str
    pk: int | None
    title: str
    committees: tuple[Committee, ...]
    # The regional authority sees aggregates only: no names, no project content.
    names: bool = True

    @property
    def committee_ids(self) -> list[int]:
        return [c.pk for c in self.committees]


def _managed(user: User) -> Q:
    q = Q(pk__in=current_memberships(user).filter(role__in=MANAGING_ROLES).values("committee_id"))
    if user.institution_admin and user.institution_id:
        q |= Q(institution_id=user.institution_id)
    return q


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def committee_scope(user: User, pk: int) -> Scope:
    if not _signed_in(user):
        raise Http404
    committees = Committee.objects.filter(pk=pk)
    if not user.is_superuser:
        committees = committees.filter(_managed(user))
    committee = committees.first()
    if committee is None:
        raise Http404
    return Scope(COMMITTEE, committee.pk, committee.name, (committee,))


def may_open_institution(user: User, pk: int) -> bool:
    return _signed_in(user) and (
        user.is_superuser or bool(user.institution_admin and user.institution_id == pk)
    )


def institution_scope(user: User, pk: int) -> Scope:
    if not may_open_institution(user, pk):
        raise Http404
    committees = tuple(Committee.objects.filter(institution_id=pk).select_related("institution"))
    if committees:
        title = committees[0].institution.name
    else:
        institution = Institution.objects.filter(pk=pk).first()
        if institution is None:
            raise Http404
        title = institution.name
    return Scope(INSTITUTION, pk, title, committees)


def authority_scopes(user: User) -> list[AuthorityScope]:
    if not _signed_in(user):
        return []
    return list(AuthorityScope.objects.current().filter(user_id=user.pk))


def authority_scope(user: User) -> Scope:
    """Every institution in the user's regions or listed in their scopes (superusers: all)."""
    if not _signed_in(user):
        raise Http404
    if user.is_superuser:
        committees = Committee.objects.all()
        title = ""
    else:
        # One query: each committee carries the name of a current scope of the user's that
        # covers it (by region or by listed institution); none covered is 404 (issue 17's
        # dashboards within 15 queries).
        covering = (
            AuthorityScope.objects.current()
            .filter(user_id=user.pk)
            .filter(
                Q(region=OuterRef("institution__region"), region__gt="")
                | Q(institutions=OuterRef("institution_id"))
            )
            .order_by("pk")
            .values("name")[:1]
        )
        found = list(
            Committee.objects.annotate(scope_name=Subquery(covering))
            .filter(scope_name__isnull=False)
            .select_related("institution")
        )
        if not found:
            raise Http404
        title = "、".join(dict.fromkeys(c.scope_name for c in found))
        return Scope(AUTHORITY, None, title, tuple(found), names=False)
    return Scope(
        AUTHORITY, None, title, tuple(committees.select_related("institution")), names=False
    )


def openable(user: User) -> dict[str, Any]:
    """The dashboards `user` may open: committees managed, own institution, the region."""
    if not _signed_in(user):
        return {"committees": [], "institution": None, "authority": False}
    committees = (
        Committee.objects.all() if user.is_superuser else Committee.objects.filter(_managed(user))
    )
    admin_of = user.institution_admin and user.institution_id
    return {
        "committees": list(committees),
        "institution": user.institution if admin_of else None,
        "authority": user.is_superuser or has_authority(user),
    }


def has_authority(user: User) -> bool:
    return bool(authority_scopes(user))


def may_see_reports(user: Any) -> bool:
    """Nav item: who manages a committee or an institution (no query beyond the roles the menu
    reads anyway). A regional authority's user opens /reports/region/ (README)."""
    if not _signed_in(user):
        return False
    if user.is_superuser or (user.institution_admin and user.institution_id):
        return True
    from reviews.hooks import is_officer  # the user's roles, read once per request

    return bool(is_officer(user))
