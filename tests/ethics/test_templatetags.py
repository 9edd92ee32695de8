from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import translation

from ethics.deadlines import days_left, due_display, is_overdue, last_day_of
from ethics.templatetags.ethics_tags import countdown, last_day

SH = ZoneInfo("Asia/Shanghai")


def test_a_period_ending_at_midnight_shows_its_last_day_as_a_date():
    # One convention (README "Deadlines read one way"): the last day, never "24:00" nor the
    # following day's 00:00.
    assert last_day(datetime(2027, 1, 1, tzinfo=SH)) == "2026-12-31"
    assert due_display(datetime(2027, 1, 1, tzinfo=SH)) == "2026-12-31"


def test_an_hour_counted_period_shows_the_exact_moment():
    assert last_day(datetime(2026, 10, 9, 15, 30, tzinfo=SH)) == "2026-10-09 15:30"


def test_none_is_blank():
    assert last_day(None) == ""


def test_the_last_day_is_counted_in_shanghai_dates():
    # 2026-12-31 16:00 UTC is 2027-01-01 00:00 in Shanghai: the period's last day is 31 Dec.
    from datetime import UTC

    assert last_day_of(datetime(2026, 12, 31, 16, 0, tzinfo=UTC)).isoformat() == "2026-12-31"


DUE = datetime(2026, 7, 2, tzinfo=SH)  # last day: Wed 1 July 2026


def _chip(now: datetime, due=DUE) -> str:
    # English: the Chinese msgstrs ("剩余 N 天", "今天到期", "已逾期 N 天") are in
    # locale/zh_Hans/LC_MESSAGES/new-lists.po until the lead compiles them.
    with translation.override("en"):
        return str(countdown(due, now))


def test_countdown_the_day_before_the_last_day():
    now = datetime(2026, 6, 30, 23, 59, tzinfo=SH)
    assert days_left(DUE, now) == 1
    chip = _chip(now)
    assert "1 day left" in chip
    assert "overdue" not in chip
    assert 'class="countdown soon"' in chip


def test_countdown_on_the_last_day_is_due_today_until_midnight():
    for now in (datetime(2026, 7, 1, 0, 0, tzinfo=SH), datetime(2026, 7, 1, 23, 59, 59, tzinfo=SH)):
        assert days_left(DUE, now) == 0
        assert not is_overdue(DUE, now)
        assert "Due today" in _chip(now)


def test_countdown_the_day_after_is_one_day_overdue_and_red():
    now = datetime(2026, 7, 2, 0, 0, tzinfo=SH)
    assert is_overdue(DUE, now)
    chip = _chip(now)
    assert "1 day overdue" in chip
    assert "countdown overdue" in chip


def test_countdown_counts_calendar_days_in_shanghai():
    now = datetime(2026, 6, 21, 16, 30, tzinfo=ZoneInfo("UTC"))  # 22 June 00:30 in Shanghai
    assert days_left(DUE, now) == 9
    assert "9 days left" in _chip(now)


def test_an_hour_counted_clock_passed_earlier_today_is_overdue():
    due = datetime(2026, 7, 1, 15, 0, tzinfo=SH)
    now = datetime(2026, 7, 1, 16, 0, tzinfo=SH)
    assert "Overdue" in _chip(now, due)


def test_countdown_shows_nothing_for_a_clock_that_is_met():
    class Met:
        is_active = False
        due_at = DUE

    assert countdown(Met(), datetime(2026, 7, 5, tzinfo=SH)) == ""
    assert countdown(None) == ""
