"""Helpers of the meetings tests: meetings scheduled, opened and voted in the shared world
(tests/world.py) by its secretary, presided by its chair."""

import datetime as dt

from django.utils import timezone

from meetings import services
from tests.factories import under_meeting_review


def today_later():
    """A time later today (Asia/Shanghai): the meeting can be scheduled and opened today."""
    now = timezone.localtime()
    end = now.replace(hour=23, minute=59, second=0, microsecond=0)
    return min(now + dt.timedelta(hours=1), max(end, now))


def schedule(world, **kwargs):
    kwargs.setdefault("starts_at", today_later())
    return services.meeting_schedule(committee=world.committee, actor=world.secretary, **kwargs)


def application(world, **kwargs):
    kwargs.setdefault("regimes", world.committee.regimes)
    return under_meeting_review(world.committee, lead=world.researcher, **kwargs)


def opened(world, present=None, items=1, **kwargs):
    """A meeting opened with `present` (default: every member), presided by the chair."""
    meeting = schedule(world)
    added = [
        services.agenda_add(
            meeting_id=meeting.pk, application_id=application(world, **kwargs).pk,
            actor=world.secretary,
        )
        for _ in range(items)
    ]  # fmt: skip
    present = world.members if present is None else present
    services.meeting_open(
        meeting_id=meeting.pk,
        present=[m.pk for m in present],
        presiding=world.chair_membership.pk,
        actor=world.secretary,
    )
    meeting.refresh_from_db()
    return meeting, added


def vote_all(world, item, choices):
    """The secretary records one vote per member, in roster order."""
    for membership, choice in zip(world.members, choices, strict=False):
        services.vote_cast(
            item_id=item.pk, choice=choice, membership_id=membership.pk, actor=world.secretary
        )
