"""Official China State Council holiday arrangements (部分节假日安排), as plain data.

The source notices are listed in the comment below the imports. Each notice is published in
November for the following year; a new year is written as ``ethics/holidays/<year>.json`` and
loaded with ``manage.py import_holidays`` once its notice is out (see ``parse_year_file``); until
then ``Calendar.has_data_for`` is False for it and only weekends count as rest days. Every range below
is the full 放假调休 span from the notice, weekends included, because all of those days are rest
days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, Final

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


# --- the file an administrator maintains (manage.py import_holidays FILE) ----------------------
#
# One JSON file per year, published by the State Council each November for the following year
# (ethics/holidays/2026.json is the shipped example):
#
#   {"year": 2027,
#    "source": "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔…〕…号）",
#    "rest_days": [{"from": "2027-01-01", "to": "2027-01-03", "name": "元旦"}, …],
#    "makeup_days": [{"date": "2027-01-04", "name": "元旦调休上班"}, …]}
#
# rest_days are the full 放假调休 spans as the notice states them (weekends included);
# makeup_days are the weekend days that are working days.


class HolidayFileError(ValueError):
    """Every problem of a holiday file at once."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _day(raw: Any, where: str, problems: list[str]) -> date | None:
    from django.utils.translation import gettext as _

    if not isinstance(raw, str):
        problems.append(_("%(where)s: a date is required (YYYY-MM-DD).") % {"where": where})
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(
            _("%(where)s: %(value)s is not a date (YYYY-MM-DD).") % {"where": where, "value": raw}
        )
        return None


def parse_year_file(text: str) -> tuple[int, YearArrangement, str]:
    """Read and check one year's file: (year, {HOLIDAYS: [...], MAKEUP: [...]}, source).

    Refuses (HolidayFileError, every problem listed) a file that is not JSON, has no year,
    lists dates outside that year, a date twice, a date both rest and make-up working day, a
    range ending before it starts, a make-up working day that is not a weekend, or no name.
    """
    import json

    from django.utils.translation import gettext as _

    try:
        data = json.loads(text)
    except ValueError as exc:
        raise HolidayFileError(
            [_("The file is not valid JSON: %(error)s") % {"error": exc}]
        ) from None
    if not isinstance(data, dict):
        raise HolidayFileError([_("The file must hold one JSON object.")])
    problems: list[str] = []
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise HolidayFileError([_('"year" must be a year such as 2027.')])
    rest: list[tuple[date, str]] = []
    makeup: list[tuple[date, str]] = []
    for key in ("rest_days", "makeup_days"):
        if not isinstance(data.get(key), list):
            problems.append(_('"%(key)s" must be a list.') % {"key": key})
    for index, entry in enumerate(data.get("rest_days") or []):
        where = f"rest_days[{index}]"
        if not isinstance(entry, dict):
            problems.append(_("%(where)s must be an object.") % {"where": where})
            continue
        first = _day(entry.get("from"), f"{where}.from", problems)
        last = _day(entry["to"], f"{where}.to", problems) if "to" in entry else first
        name = str(entry.get("name") or "").strip()
        if not name:
            problems.append(_("%(where)s: a name is required.") % {"where": where})
        if first and last:
            if last < first:
                problems.append(
                    _("%(where)s: the range ends (%(to)s) before it starts (%(from)s).")
                    % {"where": where, "to": last, "from": first}
                )
            rest.extend(_span(first, last, name))
    for index, entry in enumerate(data.get("makeup_days") or []):
        where = f"makeup_days[{index}]"
        if not isinstance(entry, dict):
            problems.append(_("%(where)s must be an object.") % {"where": where})
            continue
        day = _day(entry.get("date"), f"{where}.date", problems)
        name = str(entry.get("name") or "").strip()
        if not name:
            problems.append(_("%(where)s: a name is required.") % {"where": where})
        if day:
            if day.weekday() < 5:
                problems.append(
                    _("%(where)s: %(day)s is a weekday; make-up working days are weekend days.")
                    % {"where": where, "day": day}
                )
            makeup.append((day, name))
    outside = sorted({d for d, _n in rest + makeup if d.year != year})
    if outside:
        problems.append(
            _("These dates are not in %(year)s: %(dates)s.")
            % {"year": year, "dates": ", ".join(d.isoformat() for d in outside)}
        )
    for label, days in (("rest_days", rest), ("makeup_days", makeup)):
        counts = Counter(d for d, _n in days)
        twice = sorted(d for d, count in counts.items() if count > 1)
        if twice:
            problems.append(
                _("%(key)s lists these dates more than once: %(dates)s.")
                % {"key": label, "dates": ", ".join(d.isoformat() for d in twice)}
            )
    both = sorted({d for d, _n in rest} & {d for d, _n in makeup})
    if both:
        problems.append(
            _("These dates are both rest days and make-up working days: %(dates)s.")
            % {"dates": ", ".join(d.isoformat() for d in both)}
        )
    if problems:
        raise HolidayFileError(problems)
    return year, {HOLIDAYS: rest, MAKEUP: makeup}, str(data.get("source") or "")
