"""The dashboard's meeting panels read rows (``meetings.selectors.MeetingRow``, one query
compiled once per shape, issue 18): the same meetings, in the same order, as the querysets
they replace, at the boundary of today (a meeting earlier today never shows as "next")."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import models

from ethics.models import User
from meetings import selectors
from meetings.models import Meeting
from meetings.policies import member_committee_ids, officer_committee_ids
from meetings.workflow import Status
from tests.meetings.conftest import schedule

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(day, hour=10):
    return dt.datetime(2027, 3, day, hour, tzinfo=SH)


def _rows(meetings):
    return [(m.pk, m.starts_at, m.status, m.committee_id, m.committee.name) for m in meetings]


def _expected_upcoming(user):
    start = selectors.start_of_today()
    return _rows(
        Meeting.objects.filter(committee_id__in=member_committee_ids(user))
        .filter(
            models.Q(status=Status.OPEN) | models.Q(status=Status.SCHEDULED, starts_at__gte=start)
        )
        .select_related("committee")
        .order_by("starts_at", "id")[: selectors.UPCOMING_SHOWN]
    )


def _expected_next(user):
    start = selectors.start_of_today()
    return _rows(
        Meeting.objects.filter(
            committee_id__in=officer_committee_ids(user),
            status=Status.SCHEDULED,
            starts_at__gte=start,
        )
        .select_related("committee")
        .order_by("starts_at", "id")[:1]
    )


def test_panel_rows_are_the_querysets_meetings(world):
    with time_machine.travel(at(1), tick=False):
        for day in (2, 5, 5, 9, 12, 15, 20):  # more than the panel shows, two on one day
            schedule(world, starts_at=at(day, 9))
    readers = (
        world.chair,
        world.secretary,
        world.members[3].user,
        world.researcher,
        world.outsider,
    )
    for moment in (at(5, 8), at(5, 12), at(21)):  # before and after the day's 9:00 meetings
        with time_machine.travel(moment, tick=False):
            for reader in readers:
                user = User.objects.get(pk=reader.pk)
                upcoming = [
                    tuple(vars(row).values()) for row in selectors.upcoming_for_member(user)
                ]
                assert upcoming == _expected_upcoming(user), (reader.username, moment)
                row = selectors.next_meeting(User.objects.get(pk=reader.pk))
                assert ([tuple(vars(row).values())] if row else []) == _expected_next(user)
    with time_machine.travel(at(5, 12), tick=False):
        upcoming = selectors.upcoming_for_member(User.objects.get(pk=world.chair.pk))
        assert len(upcoming) == selectors.UPCOMING_SHOWN
        assert upcoming[0].starts_at == at(5, 9)  # earlier today: still shows until midnight
        assert upcoming[0].committee_name == world.committee.name
    with time_machine.travel(at(21), tick=False):
        assert selectors.next_meeting(User.objects.get(pk=world.secretary.pk)) is None
