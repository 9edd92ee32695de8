"""Who may see and do what in meetings; registered with ethics.policies from apps.ready().

- committee officers (chair, vice-chair, secretary in term) and superusers run meetings;
- every current member of the committee and the institution's admins see its meetings;
- a member who declared a conflict on an item, was recused from it, or is an applicant on its
  project never sees that item's tally or votes (R20a); individual votes are for officers only;
  a conflict declared anywhere else (reviewer assignment, standing declaration) counts the same,
  through reviews' one conflict record;
- an item's materials open through reviews.policies.may_open_materials, to which this app adds
  two grants: a member's no-conflict declaration on the item and a consultant admitted to it;
- the minutes carry every item's tally, so nobody conflicted on (or applicant for) any item of
  the meeting opens them;
- everyone else (researchers included) gets 404.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from committees.models import MANAGING_ROLES, VOTING_ROLES
from committees.policies import current_appointments, visible_committee_filter
from ethics import policies
from ethics.models import User
from meetings.models import AgendaItem, Meeting, Minutes


def _appointments(user: User) -> list[tuple[int, int, str]]:
    """(membership id, committee id, role) of the user's current appointments, read once."""
    return current_appointments(user)


def officer_committee_ids(user: User) -> set[int]:
    """Committees the user runs (chair, vice-chair, secretary in term)."""
    return {committee for _pk, committee, role in _appointments(user) if role in MANAGING_ROLES}


def member_committee_ids(user: User) -> set[int]:
    """Committees where the user is a voting member (委员) in term."""
    return {committee for _pk, committee, role in _appointments(user) if role in VOTING_ROLES}


def own_membership_ids(user: User, committee_id: int) -> set[int]:
    return {pk for pk, committee, _role in _appointments(user) if committee == committee_id}


def has_appointment(user: User) -> bool:
    return bool(_appointments(user))


def may_run(user: User, meeting: Meeting) -> bool:
    """Schedule, build the agenda, open, record, conclude, close: officers of the committee."""
    return bool(user.is_superuser or meeting.committee_id in officer_committee_ids(user))


def is_member(user: User, committee_id: int) -> bool:
    return committee_id in member_committee_ids(user)


class MeetingPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        return queryset.filter(visible_committee_filter(user, prefix="committee__"))

    def may(self, user: User, action: str, obj: Meeting) -> bool:
        if action == "view":
            return self.visible(user, Meeting.objects.filter(pk=obj.pk)).exists()
        if action == "create":
            return may_run(user, obj)
        if action in {"declare", "vote_self"}:
            return is_member(user, obj.committee_id)
        return may_run(user, obj)


class AgendaItemPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        return queryset.filter(visible_committee_filter(user, prefix="meeting__committee__"))

    def may(self, user: User, action: str, obj: AgendaItem) -> bool:
        return MeetingPolicy().may(user, action, obj.meeting)


class MinutesPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        return queryset.filter(visible_committee_filter(user, prefix="meeting__committee__"))

    def may(self, user: User, action: str, obj: Minutes) -> bool:
        return MeetingPolicy().may(user, "view", obj.meeting)


def declared_application_ids(user: User) -> models.QuerySet[Any]:
    """Applications on an item the user, a current member, declared no conflict on (R20a)."""
    return (
        AgendaItem.objects.filter(
            application__isnull=False,
            declarations__conflicted=False,
            declarations__membership__user_id=user.pk,
            declarations__membership__ended_on=None,
        )
        .order_by()
        .values_list("application_id", flat=True)
    )


def consulted_application_ids(user: User) -> models.QuerySet[Any]:
    """Applications on an item the user was admitted to as a consultant (R20)."""
    return (
        AgendaItem.objects.filter(application__isnull=False, consultants__user_id=user.pk)
        .order_by()
        .values_list("application_id", flat=True)
    )


def may_open_minutes(user: User, meeting: Meeting) -> bool:
    """The minutes hold every item's tally: whoever sees the meeting, unless conflicted on, or an
    applicant for, any of its items (R20a). One PDF cannot be redacted per reader."""
    from reviews.models import Application
    from reviews.policies import tally_hidden_filter

    if not MeetingPolicy().may(user, "view", meeting):
        return False
    items = AgendaItem.objects.filter(meeting_id=meeting.pk, application__isnull=False)
    return not Application.objects.filter(
        tally_hidden_filter(user), pk__in=items.values("application_id")
    ).exists()


def applicant_application_ids(user: User, application_ids: list[int]) -> set[int]:
    """Which of these applications the user is an applicant on (one query)."""
    from reviews.models import Application

    if not application_ids:
        return set()
    return set(
        Application.objects.filter(pk__in=application_ids)
        .filter(Q(project__lead_id=user.pk) | Q(project__team__id=user.pk))
        .values_list("pk", flat=True)
    )


def register() -> None:
    from reviews.policies import register_materials_grant

    register_materials_grant(declared_application_ids)
    register_materials_grant(consulted_application_ids)
    policies.register(Meeting, MeetingPolicy())
    policies.register(AgendaItem, AgendaItemPolicy())
    policies.register(Minutes, MinutesPolicy())
