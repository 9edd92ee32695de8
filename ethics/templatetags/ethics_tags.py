"""Template helpers shared by every app."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def last_day(due_at: datetime | None) -> str:
    """The last day of a period that ends at 24:00 (stored as the next day's 00:00), local time.

    A day-counted period "ends at 24:00 of its last day" (api.md, Periods); people read that as
    the last day itself, so pages show 2026-10-08 rather than 2026-10-09 00:00.
    """
    if due_at is None:
        return ""
    local = timezone.localtime(due_at)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return f"{(local - timedelta(days=1)):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


@register.filter
def calendar_gap(due_at: datetime | None, years: frozenset[int] | None) -> str:
    """The "calendar not loaded" note for a clock whose last day is in a year without data.

    ``years``: ``ethics.selectors.calendar_years()`` from the view (one query per page).
    """
    if due_at is None or years is None:
        return ""
    from ethics.services import calendar_note

    return calendar_note(due_at, years)
