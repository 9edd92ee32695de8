"""Pure date arithmetic for statutory and SOP deadlines.

Nothing in here touches the database or reads the clock: callers pass the triggering moment and
the working calendar in, so every rule can be tested as a plain function and re-run for any date.

Conventions (see docs/api.md, "Periods"):

* Day-counted periods ("30日内") follow the Civil Code: the day of the triggering event is not
  counted, the period ends at 24:00 Asia/Shanghai of its last day, and a last day that falls on a
  statutory rest day moves to the next working day (unless the rule set switches that off).
* "24:00 of the last day" is represented as the first instant of the following day. Deadlines are
  therefore exclusive upper bounds: something done at 23:59:59 on the last day is in time, the same
  thing at 00:00 the next day is late. Always compare with ``done_at < due_at``.
* Hour-counted periods ("72小时") run from the exact moment of the event.
* China's working calendar has statutory holidays *and* make-up working weekends (调休), so
  ``weekday() < 5`` is not enough; the calendar is data and is passed in as a ``Calendar``.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


@dataclass(frozen=True)
class Calendar:
    """China's working calendar: weekends, statutory holidays and make-up working days.

    ``years`` records which years have official data loaded. For any other year only weekends are
    rest days; callers can use ``has_data_for`` to warn that a deadline may still move once the
    State Council publishes that year's arrangement.
    """

    holidays: frozenset[date] = field(default_factory=frozenset)  # 法定节假日 (rest days)
    makeup: frozenset[date] = field(default_factory=frozenset)  # 调休上班 (working weekends)
    years: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # A date cannot be both; accepting it would make is_rest_day depend on check order.
        clash = self.holidays & self.makeup
        if clash:
            listed = ", ".join(sorted(d.isoformat() for d in clash))
            raise ValueError(f"dates are both holidays and make-up working days: {listed}")

    @classmethod
    def weekends_only(cls) -> Calendar:
        """A calendar without any official data: Saturdays and Sundays are the only rest days."""
        return cls()

    def is_rest_day(self, d: date) -> bool:
        if d in self.makeup:
            return False
        if d in self.holidays:
            return True
        return d.weekday() >= _SATURDAY

    def is_working_day(self, d: date) -> bool:
        return not self.is_rest_day(d)

    def has_data_for(self, year: int) -> bool:
        return year in self.years


def _require_non_negative(value: int, what: str) -> None:
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")


def _require_aware(moment: datetime) -> None:
    # A naive datetime has no defined instant; guessing a zone here would silently shift
    # deadlines by eight hours for whoever guessed differently.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is required, got naive {moment.isoformat()}")


def first_working_day_from(d: date, *, calendar: Calendar) -> date:
    """``d`` itself if it is a working day, otherwise the next working day after it."""
    current = d
    while calendar.is_rest_day(current):
        current += _ONE_DAY
    return current


def days_between(a: date, b: date) -> int:
    """Calendar days from ``a`` to ``b`` (negative when ``b`` is earlier)."""
    return (b - a).days


def period_last_day(
    start: date, days: int, *, calendar: Calendar, roll_forward: bool = True
) -> date:
    """Last day of a ``days``-day period triggered on ``start`` (the start day is not counted)."""
    _require_non_negative(days, "days")
    last = start + timedelta(days=days)
    if roll_forward:
        last = first_working_day_from(last, calendar=calendar)
    return last


def end_of_day(d: date) -> datetime:
    """24:00 Asia/Shanghai of ``d``, i.e. the first instant of the following day."""
    return datetime.combine(d + _ONE_DAY, time.min, tzinfo=SHANGHAI)


def day_period_due_at(
    event_at: datetime, days: int, *, calendar: Calendar, roll_forward: bool = True
) -> datetime:
    """Exclusive deadline of a day-counted period: compare with ``done_at < due_at``.

    The local (Asia/Shanghai) date of the event decides where counting starts, so an event stored
    as 16:30 UTC counts from the next Shanghai day.
    """
    _require_aware(event_at)
    local_day = event_at.astimezone(SHANGHAI).date()
    last = period_last_day(local_day, days, calendar=calendar, roll_forward=roll_forward)
    return end_of_day(last)


def hour_period_due_at(event_at: datetime, hours: int) -> datetime:
    """Exclusive deadline of an hour-counted period running from the exact moment of the event."""
    _require_aware(event_at)
    _require_non_negative(hours, "hours")
    # Add in UTC: aware arithmetic in Python is wall-clock arithmetic within one tzinfo, which
    # would be off by the DST shift if a caller passed a zone that observes it.
    due = event_at.astimezone(UTC) + timedelta(hours=hours)
    return due.astimezone(SHANGHAI)


def add_workdays(start: date, days: int, *, calendar: Calendar) -> date:
    """The ``days``-th working day after ``start`` (for committee SOPs that count 工作日)."""
    _require_non_negative(days, "days")
    current = start
    remaining = days
    while remaining > 0:
        current += _ONE_DAY
        if calendar.is_working_day(current):
            remaining -= 1
    return current


def add_months(d: date, months: int) -> date:
    """Calendar-month arithmetic; a day missing from the target month clamps to its last day.

    This matches the Civil Code rule that a month period without a corresponding day ends on the
    last day of the month (2026-08-31 + 6 months = 2027-02-28).
    """
    years, month_index = divmod(d.month - 1 + months, 12)
    year = d.year + years
    month = month_index + 1
    last_day = _stdlib_calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


def month_period_due_on(
    start: date, months: int, *, calendar: Calendar, roll_forward: bool = True
) -> date:
    """Last day of a month-counted period (e.g. tracking review every 12 months)."""
    _require_non_negative(months, "months")
    due = add_months(start, months)
    if roll_forward:
        due = first_working_day_from(due, calendar=calendar)
    return due


def fixed_date_due_on(
    year: int, month: int, day: int, *, calendar: Calendar, roll_forward: bool = False
) -> date:
    """A fixed calendar date such as 31 March; by default it does not move off rest days."""
    due = date(year, month, day)
    if roll_forward:
        due = first_working_day_from(due, calendar=calendar)
    return due


# --- reading a deadline: one convention for pages, e-mails, the admin and the API -------------


def last_day_of(due_at: datetime) -> date:
    """The Asia/Shanghai date a deadline falls on: a period ending "at 24:00" (stored as the next
    day's 00:00) falls on the day before; an hour-counted deadline on its own day."""
    _require_aware(due_at)
    return (due_at.astimezone(SHANGHAI) - timedelta(microseconds=1)).date()


def due_display(due_at: datetime) -> str:
    """The one way a deadline is written: ``2026-12-31`` for a period that ends at the end of that
    day (read "截止 2026-12-31", done by 23:59:59 is in time), ``2026-12-31 15:00`` for one that
    ends at a moment inside a day (hour-counted periods)."""
    _require_aware(due_at)
    local = due_at.astimezone(SHANGHAI)
    if local.time() == time.min:
        return last_day_of(due_at).isoformat()
    return f"{local:%Y-%m-%d %H:%M}"


def is_overdue(due_at: datetime, now: datetime) -> bool:
    """The one definition of overdue: the (exclusive) deadline has passed. Only a running clock
    (open or overdue, not met or waived) can be overdue; callers check that."""
    return now >= due_at


def days_left(due_at: datetime, now: datetime) -> int:
    """Calendar days (Asia/Shanghai dates) from today to the deadline's last day: 0 on the last
    day, negative once it has passed. Working days are already in ``due_at`` (a last day on a rest
    day was moved forward when the clock was opened), so the countdown counts calendar days, as
    the reminders' ``days_before`` stages do."""
    _require_aware(now)
    return days_between(now.astimezone(SHANGHAI).date(), last_day_of(due_at))
