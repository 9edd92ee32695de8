"""Kernel reads: the working calendar, inbox, deadlines visible to a user."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import DEFAULT_DB_ALIAS, models
from django.db.models.functions import ExtractYear

from ethics.deadlines import Calendar
from ethics.models import (
    AuditEvent,
    Deadline,
    DeadlineQuerySet,
    Holiday,
    HolidayKind,
    Notification,
    User,
)
from ethics.prepared import prepared


def working_calendar() -> Calendar:
    """The holiday calendar from the database (editable in admin) as a pure Calendar."""
    holidays: set[date] = set()
    makeup: set[date] = set()
    for day, kind in Holiday.objects.values_list("date", "kind"):
        (holidays if kind == HolidayKind.HOLIDAY else makeup).add(day)
    years = {d.year for d in holidays | makeup}
    return Calendar(holidays=frozenset(holidays), makeup=frozenset(makeup), years=frozenset(years))


def calendar_years() -> frozenset[int]:
    """The years whose official holiday calendar is loaded (one query, compiled once: issue 18;
    it was ``Holiday.objects.dates("date", "year")``, the same years)."""
    return frozenset(_holiday_years())


@prepared("flat")
def _holiday_years() -> models.QuerySet[Any]:
    return (
        Holiday.objects.annotate(year=ExtractYear("date"))
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).count()


def notifications_for_user(user: User) -> models.QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def may_read_audit(user: User) -> bool:
    """The audit log is read by staff (all of it) and institution admins (their people's)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.is_superuser or user.is_staff or (user.institution_admin and user.institution_id))
    )


def audit_events_for_user(user: User) -> models.QuerySet[AuditEvent]:
    """Audit events `user` may read (api.md "Audit"), newest first: staff read every event, an
    institution admin those whose actor belongs to the institution; anyone else none."""
    qs = AuditEvent.objects.select_related("actor", "target_type").order_by("-id")
    if not may_read_audit(user):
        return qs.none()
    if user.is_superuser or user.is_staff:
        return qs
    institution_id = user.institution_id
    return qs.filter(actor__institution_id=institution_id) if institution_id else qs.none()


def deadlines_for_subject(subject: models.Model) -> DeadlineQuerySet:
    return Deadline.objects.of(subject).order_by("due_at")


ACTIVE_DEADLINES_READ = 200


def active_deadlines_of(user: User, committee_ids: list[int]) -> list[Deadline]:
    """The active clocks of these committees, soonest first, at most ``ACTIVE_DEADLINES_READ``;
    read once per request and shared by the dashboard's panels (the committees panel lists them,
    the follow-up panel counts from them when the read holds them all; issue 18). One query
    compiled once per number of committees, its rows made into deadlines by ``Model.from_db``
    as the ORM makes them."""
    from ethics.hooks import memo

    ids = tuple(sorted(set(committee_ids)))

    def read() -> list[Deadline]:
        if not ids:
            return []
        rows = _active_deadline_rows(committees=ids)
        return [Deadline.from_db(DEFAULT_DB_ALIAS, _DEADLINE_FIELDS, row) for row in rows]

    return memo(user, f"active_deadlines:{list(ids)}", read)


_DEADLINE_FIELDS = tuple(field.attname for field in Deadline._meta.concrete_fields)


@prepared("rows")
def _active_deadline_rows(*, committees: tuple[int, ...]) -> models.QuerySet[Any]:
    return (
        Deadline.objects.active()
        .filter(committee_id__in=committees)
        .order_by("due_at", "id")
        .values_list(*_DEADLINE_FIELDS)[:ACTIVE_DEADLINES_READ]
    )
