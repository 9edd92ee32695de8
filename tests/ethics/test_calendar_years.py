"""``calendar_years`` (the years whose holiday calendar is loaded; the deadlines list warns past
them) reads one compiled query (issue 18) and answers as ``Holiday.objects.dates`` did."""

import datetime as dt

import pytest
from django.db import connection

from ethics.models import Holiday, HolidayKind
from ethics.selectors import _holiday_years, calendar_years

pytestmark = pytest.mark.django_db


def _years_by_dates():
    return frozenset(d.year for d in Holiday.objects.dates("date", "year"))


def test_the_loaded_years_and_nothing_else(django_assert_num_queries):
    Holiday.objects.all().delete()
    with django_assert_num_queries(1):
        assert calendar_years() == frozenset()
    for day, kind in (
        (dt.date(2026, 1, 1), HolidayKind.HOLIDAY),
        (dt.date(2026, 12, 31), HolidayKind.HOLIDAY),  # the year's last day is still 2026
        (dt.date(2027, 1, 1), HolidayKind.HOLIDAY),
        (dt.date(2027, 2, 7), HolidayKind.MAKEUP),  # a make-up working day counts as loaded
    ):
        Holiday.objects.create(date=day, kind=kind, name="x")
    for _ in range(2):  # the first call makes the plan, the second runs it
        with django_assert_num_queries(1):
            years = calendar_years()
        assert years == frozenset({2026, 2027}) == _years_by_dates()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are made on PostgreSQL")
def test_the_query_is_compiled_once():
    Holiday.objects.create(date=dt.date(2031, 5, 1), kind=HolidayKind.HOLIDAY, name="x")
    calendar_years()
    plan = _holiday_years.plan_for()
    assert plan is not None
    assert plan.slots == ()
    assert 2031 in calendar_years()
