"""One read of a person's appointments per request (issue 18): ``current_appointments`` (the role
checks, menus and visibility) and ``membership_ids`` ("my reviews") come from the same query,
and "in term today" on the row answers as ``MembershipQuerySet.in_term`` does at each edge."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from committees.models import Membership
from committees.policies import current_appointments, current_memberships, membership_ids
from ethics.models import User
from tests.factories import CommitteeFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2027, 6, 15)
YESTERDAY = DAY - dt.timedelta(days=1)
TOMORROW = DAY + dt.timedelta(days=1)
# Shanghai's first minute of DAY is still the day before in UTC: "today" is the local date.
MOMENT = timezone.make_aware(dt.datetime.combine(DAY, dt.time(0, 5)))

EDGES = {
    "serving": {},
    "ends_today": {"term_end": DAY},
    "ended_yesterday": {"term_end": YESTERDAY},
    "starts_today": {"term_start": DAY},
    "starts_tomorrow": {"term_start": TOMORROW},
    "left_today": {"ended_on": DAY},
    "left_yesterday": {"ended_on": YESTERDAY},
    "leaves_tomorrow": {"ended_on": TOMORROW},
}


@pytest.fixture
def person():
    """One person holding an appointment at each edge, each on its own committee."""
    user = UserFactory()
    for role, (name, fields) in zip(("member", "secretary") * 4, EDGES.items(), strict=True):
        fields = {"term_start": dt.date(2026, 1, 5), "term_end": dt.date(2030, 12, 31), **fields}
        MembershipFactory(committee=CommitteeFactory(name=name), user=user, role=role, **fields)
    return user


def test_in_term_today_on_the_row_is_the_querysets_answer(person, django_assert_num_queries):
    with time_machine.travel(MOMENT, tick=False):
        user = User.objects.get(pk=person.pk)
        expected = list(current_memberships(user).values_list("pk", "committee_id", "role"))
        with django_assert_num_queries(1):
            current = current_appointments(user)
            ids = membership_ids(user)
            assert current_appointments(user) is current
            assert membership_ids(user) is ids
    assert sorted(current) == sorted(expected)
    names = set(
        Membership.objects.filter(pk__in=[pk for pk, _c, _r in current]).values_list(
            "committee__name", flat=True
        )
    )
    # An appointment with a last day set no longer counts, even before that day (in_term).
    assert names == {"serving", "ends_today", "starts_today"}
    assert sorted(ids) == sorted(
        Membership.objects.filter(user=person).values_list("pk", flat=True)
    )
    assert len(ids) == len(EDGES)


def test_the_next_day_moves_the_edges(person):
    with time_machine.travel(MOMENT + dt.timedelta(days=1), tick=False):
        user = User.objects.get(pk=person.pk)
        current = current_appointments(user)
        expected = list(current_memberships(user).values_list("pk", "committee_id", "role"))
    assert sorted(current) == sorted(expected)
    names = set(
        Membership.objects.filter(pk__in=[pk for pk, _c, _r in current]).values_list(
            "committee__name", flat=True
        )
    )
    assert names == {"serving", "starts_today", "starts_tomorrow"}


def test_no_appointments_for_an_anonymous_reader(django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        assert current_appointments(AnonymousUser()) == []
        assert membership_ids(AnonymousUser()) == []
