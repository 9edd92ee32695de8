"""Who may see and do what in meetings; registered with ethics.policies from apps.ready().

- committee officers (chair, vice-chair, secretary in term) and superusers run meetings;
- every current member of the committee and the institution's admins see its meetings;
- a member who declared a conflict on an item, was recused from it, or is an applicant on its
  project never sees that item's tally or votes (R20a); individual votes are for officers only;
- everyone else (researchers included) gets 404.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from committees.models import MANAGING_ROLES, VOTING_ROLES
from committees.policies import current_memberships, visible_committee_filter
from ethics import policies
from ethics.models import User
from meetings.models import AgendaItem, Meeting, Minutes


def _appointments(user: User) -> list[tuple[int, int, str]]:
    """(membership id, committee id, role) of the user's current appointments, read once."""
    cached = getattr(user, "_meetings_appointments", None)
    if cached is None:
        cached = list(current_memberships(user).values_list("pk", "committee_id", "role"))
        setattr(user, "_meetings_appointments", cached)  # noqa: B010 (a per-request cache)
    return cached


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
    policies.register(Meeting, MeetingPolicy())
    policies.register(AgendaItem, AgendaItemPolicy())
    policies.register(Minutes, MinutesPolicy())
