from datetime import datetime
from zoneinfo import ZoneInfo

from ethics.templatetags.ethics_tags import last_day

SH = ZoneInfo("Asia/Shanghai")


def test_a_period_ending_at_midnight_shows_its_last_day_at_24_00():
    assert last_day(datetime(2026, 10, 9, tzinfo=SH)) == "2026-10-08 24:00"


def test_an_hour_counted_period_shows_the_exact_moment():
    assert last_day(datetime(2026, 10, 9, 15, 30, tzinfo=SH)) == "2026-10-09 15:30"


def test_none_is_blank():
    assert last_day(None) == ""
