"""Official China State Council holiday arrangements (部分节假日安排), as plain data.

The source notices are listed in the comment below the imports. Each notice is published in
November for the following year, so a new year is added here once its notice is out; until then
``Calendar.has_data_for`` is False for it and only weekends count as rest days. Every range below
is the full 放假调休 span from the notice, weekends included, because all of those days are rest
days.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Final

from ethics.deadlines import Calendar

# Sources, checked against the published text of each notice. The tortoise-shell brackets are
# part of the official document numbers, hence the noqa:
# 2025: 国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号, issued 2024-11-12.
# 2026: 国务院办公厅关于2026年部分节假日安排的通知, 国办发明电〔2025〕7号, issued 2025-11-04,
#       released by Xinhua the same day.

HOLIDAYS: Final = "holidays"  # 放假 (rest days)
MAKEUP: Final = "makeup"  # 调休上班 (weekend days that are working days)

YearArrangement = dict[str, list[tuple[date, str]]]


def _span(first: date, last: date, name: str) -> list[tuple[date, str]]:
    # The notices state ranges ("1月28日至2月4日"); expanding them here keeps the data below
    # line-for-line comparable with the published text.
    return [(first + timedelta(days=i), name) for i in range((last - first).days + 1)]


OFFICIAL_CALENDAR: Final[dict[int, YearArrangement]] = {
    2025: {
        HOLIDAYS: [
            *_span(date(2025, 1, 1), date(2025, 1, 1), "元旦"),
            *_span(date(2025, 1, 28), date(2025, 2, 4), "春节"),
            *_span(date(2025, 4, 4), date(2025, 4, 6), "清明节"),
            *_span(date(2025, 5, 1), date(2025, 5, 5), "劳动节"),
            *_span(date(2025, 5, 31), date(2025, 6, 2), "端午节"),
            *_span(date(2025, 10, 1), date(2025, 10, 8), "国庆节、中秋节"),
        ],
        MAKEUP: [
            (date(2025, 1, 26), "春节调休上班"),
            (date(2025, 2, 8), "春节调休上班"),
            (date(2025, 4, 27), "劳动节调休上班"),
            (date(2025, 9, 28), "国庆节调休上班"),
            (date(2025, 10, 11), "国庆节调休上班"),
        ],
    },
    2026: {
        HOLIDAYS: [
            *_span(date(2026, 1, 1), date(2026, 1, 3), "元旦"),
            *_span(date(2026, 2, 15), date(2026, 2, 23), "春节"),
            *_span(date(2026, 4, 4), date(2026, 4, 6), "清明节"),
            *_span(date(2026, 5, 1), date(2026, 5, 5), "劳动节"),
            *_span(date(2026, 6, 19), date(2026, 6, 21), "端午节"),
            *_span(date(2026, 9, 25), date(2026, 9, 27), "中秋节"),
            *_span(date(2026, 10, 1), date(2026, 10, 7), "国庆节"),
        ],
        MAKEUP: [
            (date(2026, 1, 4), "元旦调休上班"),
            (date(2026, 2, 14), "春节调休上班"),
            (date(2026, 2, 28), "春节调休上班"),
            (date(2026, 5, 9), "劳动节调休上班"),
            (date(2026, 9, 20), "国庆节调休上班"),
            (date(2026, 10, 10), "国庆节调休上班"),
        ],
    },
}


def calendar_from_data(years: Iterable[int] | None = None) -> Calendar:
    """Build a Calendar from OFFICIAL_CALENDAR for ``years`` (all years with data if None)."""
    wanted = set(OFFICIAL_CALENDAR) if years is None else set(years)
    unknown = wanted - set(OFFICIAL_CALENDAR)
    if unknown:
        # Failing loudly beats a calendar that claims data it does not have.
        raise ValueError(f"no official holiday data for {sorted(unknown)}")
    holidays: set[date] = set()
    makeup: set[date] = set()
    for year in wanted:
        holidays.update(d for d, _name in OFFICIAL_CALENDAR[year][HOLIDAYS])
        makeup.update(d for d, _note in OFFICIAL_CALENDAR[year][MAKEUP])
    return Calendar(holidays=frozenset(holidays), makeup=frozenset(makeup), years=frozenset(wanted))
