"""Deadline arithmetic as pure functions: no database, no clock."""

from datetime import UTC, date, datetime, timedelta

import pytest

from ethics.deadlines import (
    SHANGHAI,
    Calendar,
    add_months,
    add_workdays,
    day_period_due_at,
    days_between,
    fixed_date_due_on,
    hour_period_due_at,
    month_period_due_on,
    period_last_day,
)
from ethics.holiday_data import HOLIDAYS, MAKEUP, OFFICIAL_CALENDAR, calendar_from_data

OFFICIAL = calendar_from_data()
WEEKENDS_ONLY = Calendar.weekends_only()


def shanghai(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


# --- Calendar ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "rest"),
    [
        (date(2026, 3, 4), False),  # ordinary Wednesday
        (date(2026, 3, 7), True),  # ordinary Saturday
        (date(2026, 10, 1), True),  # 国庆节 on a Thursday
        (date(2026, 2, 15), True),  # 春节 span starts on a Sunday
        (date(2026, 9, 20), False),  # make-up working Sunday
        (date(2026, 2, 14), False),  # make-up working Saturday
    ],
)
def test_rest_days_follow_official_calendar(day: date, rest: bool) -> None:
    assert OFFICIAL.is_rest_day(day) is rest
    assert OFFICIAL.is_working_day(day) is not rest


def test_calendar_refuses_a_date_that_is_both_holiday_and_makeup() -> None:
    clash = date(2026, 9, 20)
    with pytest.raises(ValueError, match="2026-09-20"):
        Calendar(holidays=frozenset({clash}), makeup=frozenset({clash}))


def test_weekends_only_calendar_has_no_data() -> None:
    assert WEEKENDS_ONLY.holidays == frozenset()
    assert WEEKENDS_ONLY.makeup == frozenset()
    assert not WEEKENDS_ONLY.has_data_for(2026)
    assert WEEKENDS_ONLY.is_working_day(date(2026, 10, 1))


# --- Day-counted periods -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "last_day"),
    [
        pytest.param(date(2026, 3, 2), date(2026, 4, 1), id="ends-on-a-wednesday"),
        pytest.param(date(2026, 10, 15), date(2026, 11, 16), id="saturday-rolls-to-monday"),
        pytest.param(date(2026, 9, 1), date(2026, 10, 8), id="national-day-rolls-past-holiday"),
        pytest.param(date(2026, 8, 21), date(2026, 9, 20), id="makeup-sunday-stays"),
        pytest.param(date(2026, 1, 17), date(2026, 2, 24), id="spring-festival-rolls"),
    ],
)
def test_thirty_day_period_last_day(start: date, last_day: date) -> None:
    assert period_last_day(start, 30, calendar=OFFICIAL) == last_day


def test_start_day_is_not_counted() -> None:
    # 30日 from 1 March: day 1 is 2 March, day 30 is 31 March.
    assert period_last_day(date(2026, 3, 1), 30, calendar=OFFICIAL, roll_forward=False) == date(
        2026, 3, 31
    )


def test_roll_forward_off_keeps_a_saturday() -> None:
    last = period_last_day(date(2026, 10, 15), 30, calendar=OFFICIAL, roll_forward=False)
    assert last == date(2026, 11, 14)
    assert last.weekday() == 5


def test_roll_forward_off_keeps_a_holiday() -> None:
    last = period_last_day(date(2026, 9, 1), 30, calendar=OFFICIAL, roll_forward=False)
    assert last == date(2026, 10, 1)


def test_national_day_due_at_is_24_00_of_last_day() -> None:
    due = day_period_due_at(shanghai(2026, 9, 1, 15, 0), 30, calendar=OFFICIAL)
    assert due == shanghai(2026, 10, 9, 0, 0)


def test_local_shanghai_date_of_the_event_decides() -> None:
    late_evening = shanghai(2026, 3, 2, 23, 30)  # still 2 March in Shanghai
    utc_next_day = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)  # 00:30 on 3 March in Shanghai

    assert day_period_due_at(late_evening, 30, calendar=OFFICIAL) == shanghai(2026, 4, 2)
    assert day_period_due_at(utc_next_day, 30, calendar=OFFICIAL) == shanghai(2026, 4, 3)


def test_utc_event_on_the_same_shanghai_day_counts_the_same() -> None:
    in_shanghai = shanghai(2026, 3, 2, 9, 0)
    in_utc = in_shanghai.astimezone(UTC)  # 01:00 UTC, same instant
    assert day_period_due_at(in_utc, 30, calendar=OFFICIAL) == day_period_due_at(
        in_shanghai, 30, calendar=OFFICIAL
    )


@pytest.mark.parametrize(
    ("done_at", "in_time"),
    [
        pytest.param(shanghai(2026, 4, 1, 0, 0), True, id="start-of-last-day"),
        pytest.param(shanghai(2026, 4, 1, 23, 59, 59), True, id="day-30-at-23:59:59"),
        pytest.param(shanghai(2026, 4, 2, 0, 0), False, id="day-31-at-00:00"),
        pytest.param(datetime(2026, 4, 1, 16, 0, tzinfo=UTC), False, id="day-31-given-in-utc"),
    ],
)
def test_day_30_is_in_time_day_31_is_late(done_at: datetime, in_time: bool) -> None:
    due_at = day_period_due_at(shanghai(2026, 3, 2, 10, 0), 30, calendar=OFFICIAL)
    assert (done_at < due_at) is in_time


def test_zero_day_period_ends_at_midnight_after_the_event() -> None:
    due = day_period_due_at(shanghai(2026, 3, 2, 10, 0), 0, calendar=OFFICIAL)
    assert due == shanghai(2026, 3, 3)


def test_year_without_data_counts_weekends_only() -> None:
    assert not OFFICIAL.has_data_for(2030)
    assert OFFICIAL.has_data_for(2026)
    # 2030-01-31 is a Thursday; nothing is known about 2030 holidays, so it stands.
    assert period_last_day(date(2030, 1, 1), 30, calendar=OFFICIAL) == date(2030, 1, 31)
    # Without 2030 data, 1 October 2030 (a Tuesday) is treated as a working day.
    assert period_last_day(date(2030, 9, 1), 30, calendar=OFFICIAL) == date(2030, 10, 1)
    # A weekend is still a rest day: Saturday 2 February 2030 rolls to Monday.
    assert period_last_day(date(2030, 1, 3), 30, calendar=OFFICIAL) == date(2030, 2, 4)


@pytest.mark.parametrize(
    "naive",
    [datetime(2026, 3, 2, 10, 0)],  # noqa: DTZ001 - the naive value is what is under test
)
def test_naive_datetime_is_refused(naive: datetime) -> None:
    with pytest.raises(ValueError, match="aware"):
        day_period_due_at(naive, 30, calendar=OFFICIAL)
    with pytest.raises(ValueError, match="aware"):
        hour_period_due_at(naive, 72)


def test_negative_period_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        period_last_day(date(2026, 3, 2), -1, calendar=OFFICIAL)


# --- Hour-counted periods ----------------------------------------------------------------------


def test_72_hours_run_from_the_exact_moment() -> None:
    event_at = shanghai(2026, 9, 30, 17, 45, 12)
    due = hour_period_due_at(event_at, 72)
    # Hours ignore holidays and weekends: 3 October is in the National Day break.
    assert due == shanghai(2026, 10, 3, 17, 45, 12)
    assert due - event_at == timedelta(hours=72)
    assert due.tzinfo == SHANGHAI


def test_hour_period_accepts_any_aware_zone() -> None:
    event_at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert hour_period_due_at(event_at, 72) == shanghai(2026, 3, 5, 10, 0)


# --- Working days --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Fri 13 Feb, Sat 14 Feb (调休), then 15-23 Feb off, then 24, 25, 26 Feb.
        pytest.param(date(2026, 2, 12), 5, date(2026, 2, 26), id="across-spring-festival"),
        # Fri 27 Feb, then Sat 28 Feb is a make-up working day.
        pytest.param(date(2026, 2, 26), 2, date(2026, 2, 28), id="ends-on-makeup-saturday"),
        pytest.param(date(2026, 2, 13), 1, date(2026, 2, 14), id="next-is-makeup-saturday"),
        pytest.param(date(2026, 3, 2), 0, date(2026, 3, 2), id="zero-days"),
    ],
)
def test_add_workdays_with_official_calendar(start: date, days: int, expected: date) -> None:
    assert add_workdays(start, days, calendar=OFFICIAL) == expected


def test_add_workdays_weekends_only_ignores_spring_festival() -> None:
    assert add_workdays(date(2026, 2, 12), 5, calendar=WEEKENDS_ONLY) == date(2026, 2, 19)


# --- Month-counted periods and fixed dates -----------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        pytest.param(date(2026, 8, 31), 6, date(2027, 2, 28), id="clamp-to-february"),
        pytest.param(date(2028, 1, 31), 1, date(2028, 2, 29), id="leap-year"),
        pytest.param(date(2027, 1, 31), 1, date(2027, 2, 28), id="non-leap-year"),
        pytest.param(date(2026, 12, 15), 1, date(2027, 1, 15), id="year-boundary"),
        pytest.param(date(2026, 3, 31), -1, date(2026, 2, 28), id="backwards"),
        pytest.param(date(2026, 5, 20), 12, date(2027, 5, 20), id="one-year"),
        pytest.param(date(2026, 5, 20), 0, date(2026, 5, 20), id="zero"),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_month_period_rolls_forward_over_national_day() -> None:
    start = date(2026, 4, 1)
    assert month_period_due_on(start, 6, calendar=OFFICIAL) == date(2026, 10, 8)
    assert month_period_due_on(start, 6, calendar=OFFICIAL, roll_forward=False) == date(2026, 10, 1)


def test_fixed_date_stays_by_default() -> None:
    # 31 March 2029 is a Saturday.
    assert fixed_date_due_on(2029, 3, 31, calendar=OFFICIAL) == date(2029, 3, 31)
    assert fixed_date_due_on(2029, 3, 31, calendar=OFFICIAL, roll_forward=True) == date(2029, 4, 2)
    assert fixed_date_due_on(2026, 3, 31, calendar=OFFICIAL, roll_forward=True) == date(2026, 3, 31)


def test_days_between() -> None:
    assert days_between(date(2026, 9, 1), date(2026, 10, 1)) == 30
    assert days_between(date(2026, 10, 1), date(2026, 9, 1)) == -30


# --- Holiday data ------------------------------------------------------------------------------


def test_holiday_data_covers_2025_and_2026() -> None:
    assert {2025, 2026} <= set(OFFICIAL_CALENDAR)
    assert OFFICIAL.years >= {2025, 2026}


@pytest.mark.parametrize("year", sorted(OFFICIAL_CALENDAR))
def test_holiday_data_is_consistent(year: int) -> None:
    holidays = [d for d, _ in OFFICIAL_CALENDAR[year][HOLIDAYS]]
    makeup = [d for d, _ in OFFICIAL_CALENDAR[year][MAKEUP]]
    assert len(holidays) == len(set(holidays))
    assert not set(holidays) & set(makeup)
    assert all(d.year == year for d in holidays + makeup)
    assert all(d.weekday() in (5, 6) for d in makeup)


@pytest.mark.parametrize(
    ("year", "rest_days", "makeup_days"),
    [(2025, 28, 5), (2026, 33, 6)],  # totals of the "共N天" figures in each notice
)
def test_holiday_data_matches_notice_totals(year: int, rest_days: int, makeup_days: int) -> None:
    assert len(OFFICIAL_CALENDAR[year][HOLIDAYS]) == rest_days
    assert len(OFFICIAL_CALENDAR[year][MAKEUP]) == makeup_days


def test_calendar_from_data_selects_years() -> None:
    only_2025 = calendar_from_data([2025])
    assert only_2025.has_data_for(2025)
    assert not only_2025.has_data_for(2026)
    assert only_2025.is_working_day(date(2026, 10, 1))


def test_calendar_from_data_refuses_unknown_year() -> None:
    with pytest.raises(ValueError, match="2031"):
        calendar_from_data([2031])
