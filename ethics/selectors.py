"""Kernel reads: the working calendar, inbox, deadlines visible to a user."""

from __future__ import annotations

from datetime import date

from django.db import models

from ethics.deadlines import Calendar
from ethics.models import Deadline, DeadlineQuerySet, Holiday, HolidayKind, Notification, User


def working_calendar() -> Calendar:
    """The holiday calendar from the database (editable in admin) as a pure Calendar."""
    holidays: set[date] = set()
    makeup: set[date] = set()
    for day, kind in Holiday.objects.values_list("date", "kind"):
        (holidays if kind == HolidayKind.HOLIDAY else makeup).add(day)
    years = {d.year for d in holidays | makeup}
    return Calendar(holidays=frozenset(holidays), makeup=frozenset(makeup), years=frozenset(years))


def calendar_years() -> frozenset[int]:
    """The years whose official holiday calendar is loaded (one query)."""
    return frozenset(d.year for d in Holiday.objects.dates("date", "year"))


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).count()


def notifications_for_user(user: User) -> models.QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def deadlines_for_subject(subject: models.Model) -> DeadlineQuerySet:
    return Deadline.objects.of(subject).order_by("due_at")
