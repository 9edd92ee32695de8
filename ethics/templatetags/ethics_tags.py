"""Template helpers shared by every app."""

from datetime import datetime
from functools import lru_cache
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from ethics.deadlines import days_left, due_display, is_overdue
from ethics.listing import list_controls_html

register = template.Library()


@register.filter
def last_day(due_at: datetime | None) -> str:
    """A deadline as people read it, the same on pages, in e-mails and in the admin.

    A day-counted period "ends at 24:00 of its last day" (api.md, Periods), stored as the next
    day's 00:00; it is shown as that last day, ``2026-12-31`` (截止: done on that day is in
    time), never as "24:00" or as the next day's 00:00. An hour-counted deadline shows its time,
    ``2026-12-31 15:00``. See ``ethics.deadlines.due_display``.
    """
    if due_at is None:
        return ""
    return due_display(due_at)


@register.simple_tag
def countdown(deadline: Any, now: datetime | None = None) -> str:
    """``{% countdown deadline %}``: a chip "剩余 N 天", "今天到期" or "已逾期 N 天" (red).

    ``deadline``: a ``Deadline`` (nothing for a clock that is met or waived) or its ``due_at``.
    Days are Asia/Shanghai calendar days to the deadline's last day (``ethics.deadlines``).
    """
    if deadline is None or deadline == "":
        return ""
    if isinstance(deadline, datetime):
        due_at = deadline
    else:
        if not getattr(deadline, "is_active", True):
            return ""
        due_at = deadline.due_at
    now = now or timezone.now()
    return countdown_chip(days_left(due_at, now), is_overdue(due_at, now), get_language())


@lru_cache(maxsize=512)
def countdown_chip(days: int, overdue: bool, language: str | None) -> str:
    """The chip of ``countdown`` for ``days`` left (negative: late), in ``language`` (the active
    one, which the texts are translated in; a key of the cache). Written once per day count and
    language, not once per row (issue 18)."""
    if overdue:
        late = -days
        if late > 0:
            text = ngettext("%(n)d day overdue", "%(n)d days overdue", late) % {"n": late}
        else:
            text = _("Overdue")
        css = "overdue"
    elif days == 0:
        text, css = _("Due today"), "today"
    else:
        text = ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
        css = "soon" if days <= 3 else "left"
    return format_html('<span class="countdown {}" data-countdown="{}">{}</span>', css, days, text)


@register.simple_tag
def list_controls(filterset: Any) -> str:
    """``{% list_controls filterset %}``: a list's filter form (``ethics.listing``, issue 18)."""
    return list_controls_html(filterset.form)


@register.filter
def calendar_gap(due_at: datetime | None, years: frozenset[int] | None) -> str:
    """The "calendar not loaded" note for a clock whose last day is in a year without data.

    ``years``: ``ethics.selectors.calendar_years()`` from the view (one query per page).
    """
    if due_at is None or years is None:
        return ""
    from ethics.services import calendar_note

    return calendar_note(due_at, years)
