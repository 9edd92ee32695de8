"""Who may see and do what in committees; registered with ethics.policies from apps.ready().

- superusers: everything;
- institution admins: their institution and its committees (manage);
- chair, vice-chair and secretary of a committee (current appointment): manage that committee;
- other current members: read their committee and its roster;
- everyone else: nothing (the pages and the API answer 404).
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.db import models
from django.db.models import Q
from django.utils import timezone

from committees.models import (
    MANAGING_ROLES,
    Committee,
    CommitteeDocument,
    Entrustment,
    Membership,
    Pledge,
    Training,
    in_term_condition,
)
from ethics import hooks, policies
from ethics.models import Institution, User


def _today() -> date:
    return timezone.localdate()


def current_memberships(user: User) -> models.QuerySet[Membership]:
    """Appointments that give the user access today (not ended, term not over)."""
    return Membership.objects.in_term(on=_today()).filter(user_id=user.pk)


def admin_institution(user: User) -> int | None:
    """The institution ``user`` administers, or None."""
    return user.institution_id if user.institution_admin and user.institution_id else None


def committee_ids_visible(user: User) -> models.QuerySet[Membership, Any]:
    """Ids of the committees the user holds a current appointment in (a subquery)."""
    return current_memberships(user).values("committee_id")


def visible_committee_filter(user: User, prefix: str = "") -> Q:
    """Q over Committee (or a model reaching it through `prefix`) for rows `user` may see: the
    committees of their appointments in term today (``committee_ids_visible``'s, their ids from
    the request's one read written into the SQL, issue 18) and an admin's institution's."""
    return visible_committee_condition(
        appointed_committee_ids(user), admin_institution(user), prefix
    )


def visible_committee_condition(
    sits_on: tuple[int, ...], institution: int | None, prefix: str = ""
) -> Q:
    """``visible_committee_filter`` from ``visibility_args``' values: the committees one sits
    on and the institution one administers (or None)."""
    q = Q(**{f"{prefix}pk__in": sits_on})
    if institution is not None:
        q |= Q(**{f"{prefix}institution_id": institution})
    return q


def visibility_args(user: User) -> dict[str, Any]:
    """``CommitteePolicy``'s visibility as a compiled query's arguments (ethics.prepared): a
    superuser every committee (``every``); anyone else those of their appointments in term
    today (``sits_on``, the request's one read of them) and, for an institution admin, their
    institution's (``institution``). ``visible_committee_condition`` takes the last two."""
    if user.is_superuser:
        return {"every": True}
    args: dict[str, Any] = {"sits_on": appointed_committee_ids(user)}
    institution = admin_institution(user)
    if institution is not None:
        args["institution"] = institution
    return args


def may_manage_committee(user: User, committee: Committee) -> bool:
    if user.is_superuser:
        return True
    if admin_institution(user) == committee.institution_id:
        return True
    return (
        current_memberships(user)
        .filter(committee_id=committee.pk, role__in=MANAGING_ROLES)
        .exists()
    )


def may_view_committee(user: User, committee: Committee) -> bool:
    if user.is_superuser or admin_institution(user) == committee.institution_id:
        return True
    return current_memberships(user).filter(committee_id=committee.pk).exists()


class CommitteePolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        return queryset.filter(visible_committee_filter(user))

    def may(self, user: User, action: str, obj: Committee) -> bool:
        if action == "view":
            return may_view_committee(user, obj)
        if action == "create":
            return user.is_superuser or admin_institution(user) == obj.institution_id
        # change, manage, add_member, upload, entrust
        return may_manage_committee(user, obj)


class InstitutionPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        q = Q(
            pk__in=Committee.objects.filter(pk__in=committee_ids_visible(user)).values(
                "institution_id"
            )
        )
        institution = admin_institution(user)
        if institution is not None:
            q |= Q(pk=institution)
        return queryset.filter(q)

    def may(self, user: User, action: str, obj: Institution) -> bool:
        if user.is_superuser:
            return True
        if action == "view":
            return self.visible(user, Institution.objects.filter(pk=obj.pk)).exists()
        if action in {"change", "create_committee", "entrust"}:
            return obj.pk is not None and admin_institution(user) == obj.pk
        return False  # creating institutions is for site admins


class _ThroughCommittee:
    """Rows that belong to a committee: visible with it, managed by its managers."""

    path = "committee"

    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        return queryset.filter(visible_committee_filter(user, prefix=f"{self.path}__"))

    def committee_of(self, obj: Any) -> Committee:
        target = obj
        for part in self.path.split("__"):
            target = getattr(target, part)
        return cast(Committee, target)

    def may(self, user: User, action: str, obj: Any) -> bool:
        committee = self.committee_of(obj)
        if action in {"view", "download"}:
            return may_view_committee(user, committee)
        return may_manage_committee(user, committee)


class MembershipPolicy(_ThroughCommittee):
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        return queryset.filter(
            visible_committee_filter(user, prefix="committee__") | Q(user_id=user.pk)
        )

    def may(self, user: User, action: str, obj: Any) -> bool:
        if action == "view" and obj.user_id == user.pk:
            return True
        return super().may(user, action, obj)


class DocumentPolicy(_ThroughCommittee):
    path = "committee"


class MemberRecordPolicy(_ThroughCommittee):
    path = "membership__committee"


class EntrustmentPolicy(_ThroughCommittee):
    """Visible to the receiving committee and to the entrusting institution's admins."""

    path = "receiving_committee"

    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        q = visible_committee_filter(user, prefix="receiving_committee__")
        institution = admin_institution(user)
        if institution is not None:
            q |= Q(entrusting_institution_id=institution)
        return queryset.filter(q)

    def may(self, user: User, action: str, obj: Any) -> bool:
        if user.is_superuser:
            return True
        if admin_institution(user) == obj.entrusting_institution_id and action in {
            "view",
            "download",
        }:
            return True
        return super().may(user, action, obj)


def register() -> None:
    policies.register(Institution, InstitutionPolicy())
    policies.register(Committee, CommitteePolicy())
    policies.register(Membership, MembershipPolicy())
    policies.register(CommitteeDocument, DocumentPolicy())
    policies.register(Pledge, MemberRecordPolicy())
    policies.register(Training, MemberRecordPolicy())
    policies.register(Entrustment, EntrustmentPolicy())


def current_roles(user: User) -> dict[int, frozenset[str]]:
    """{committee id: roles held today}, computed once per request (one query)."""

    def compute() -> dict[int, frozenset[str]]:
        roles: dict[int, set[str]] = {}
        for _pk, committee_id, role in current_appointments(user):
            roles.setdefault(committee_id, set()).add(role)
        return {cid: frozenset(r) for cid, r in roles.items()}

    if not getattr(user, "is_authenticated", False):
        return {}
    return hooks.memo(user, "committee_roles", compute)


def _appointments_of(user: User) -> list[tuple[int, int, str, bool]]:
    """(membership id, committee id, role, in term today) of every appointment of the user,
    ended ones and those not yet in term included: one query per request, which both
    ``current_appointments`` and ``membership_ids`` read (issue 18: the "my reviews" list and
    the dashboards used to read the ids with a second query). "In term today" is
    ``MembershipQuerySet.in_term``'s own condition (``in_term_condition``), read as a column."""
    if not getattr(user, "is_authenticated", False):
        return []
    return hooks.memo(
        user,
        "committee_appointments_all",
        lambda: list(
            Membership.objects.filter(user_id=user.pk)
            .annotate(current=in_term_condition(_today()))
            .order_by("pk")
            .values_list("pk", "committee_id", "role", "current")
        ),
    )


def current_appointments(user: User) -> list[tuple[int, int, str]]:
    """(membership id, committee id, role) of the user's appointments in term today (the
    ``current_memberships`` rows), from the request's one read of the appointments and shared
    by every app's role checks (issue 18: one query, not one per app)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return hooks.memo(
        user,
        "committee_appointments",
        lambda: [(pk, c, role) for pk, c, role, current in _appointments_of(user) if current],
    )


def appointed_committee_ids(user: User, roles: Any = None) -> tuple[int, ...]:
    """Ids of the committees of the user's appointments in term today (holding one of
    ``roles``, any role when None), sorted, from the request's one read of them."""
    return tuple(
        sorted({c for _pk, c, role in current_appointments(user) if roles is None or role in roles})
    )


def membership_ids(user: User) -> list[int]:
    """Ids of all the user's appointments, ended ones and those not yet in term included, from
    the request's one read of them: "my reviews" filters on them instead of joining the
    memberships, so PostgreSQL reads a member's newest assignments from an index in order
    (issue 18)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return hooks.memo(
        user,
        "committee_membership_ids",
        lambda: [pk for pk, _c, _role, _current in _appointments_of(user)],
    )


def holds_role(user: User, roles: frozenset[str] | set[str] | None = None) -> bool:
    """Whether the user currently holds any of `roles` (any role when None) on some committee."""
    held = current_roles(user)
    if roles is None:
        return bool(held)
    return any(r & roles for r in held.values())
