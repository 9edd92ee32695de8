from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ethics.reminders import StageConfig, current_stage

SH = ZoneInfo("Asia/Shanghai")
DUE = datetime(2026, 3, 1, tzinfo=SH)  # the period ends at 24:00 on 2026-02-28
CONFIG = StageConfig(days_before=(10, 3), on_last_day=True, overdue_every_days=7)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (DUE - timedelta(days=10, seconds=1), None),
        (DUE - timedelta(days=10), "before:10"),
        (DUE - timedelta(days=3, seconds=1), "before:10"),
        (DUE - timedelta(days=3), "before:3"),
        (DUE - timedelta(days=1), "last_day"),
        (DUE - timedelta(seconds=1), "last_day"),
        (DUE, "overdue:0"),
        (DUE + timedelta(days=6, hours=23), "overdue:0"),
        (DUE + timedelta(days=7), "overdue:1"),
    ],
)
def test_stage_boundaries(now, expected):
    stage = current_stage(DUE, now, CONFIG)
    assert (stage.key.split(":", 1)[1] if stage else None) == expected


def test_extension_starts_a_new_series():
    a = current_stage(DUE, DUE - timedelta(days=3), CONFIG)
    b = current_stage(DUE + timedelta(days=5), DUE - timedelta(days=3), CONFIG)
    assert a is not None
    assert b is not None
    assert a.key != b.key


def test_member_term_stages_60_and_30_days():
    config = StageConfig.from_mapping({"days_before": [30, 60], "overdue_every_days": 0})
    assert config.days_before == (60, 30)
    assert current_stage(DUE, DUE - timedelta(days=61), config) is None
    assert current_stage(DUE, DUE - timedelta(days=60), config).key.endswith("before:60")
    assert current_stage(DUE, DUE - timedelta(days=30), config).key.endswith("before:30")
    assert current_stage(DUE, DUE + timedelta(days=40), config).key.endswith(":overdue")
