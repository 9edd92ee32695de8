"""DeadlinePolicy reads the committees a user may see from the request's appointments
(issue 18) and shows exactly the deadlines of ``visible_committee_filter``'s committees: for
every reader, an institution admin and an ended appointment included."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from committees.models import Committee, Membership
from committees.policies import visible_committee_filter
from ethics.models import Deadline, User
from registry.policies import DeadlinePolicy
from reviews import clocks
from tests.factories import CommitteeFactory

pytestmark = pytest.mark.django_db


def test_deadlines_seen_are_those_of_the_committees_seen(world):
    committee_type = ContentType.objects.get_for_model(Committee)
    third = CommitteeFactory(institution=world.institution)  # the admin's, nobody else's
    for n, committee in enumerate([world.committee, world.other_committee, third]):
        Deadline.objects.create(
            kind=clocks.DECISION,
            subject_type=committee_type,
            subject_id=20_000 + n,
            committee_id=committee.pk,
            title=f"clock {n}",
            due_at=timezone.now() + dt.timedelta(days=3),
        )
    ended = world.members[4]
    Membership.objects.filter(pk=ended.pk).update(
        ended_on=timezone.localdate() - dt.timedelta(days=1)
    )
    readers = [
        world.secretary,
        world.chair,
        world.admin,
        world.researcher,
        world.outsider,
        world.stranger,
        ended.user,
    ]
    seen = []
    for reader in readers:
        user = User.objects.get(pk=reader.pk)
        committees = Committee.objects.filter(visible_committee_filter(user)).values("pk")
        expected = set(
            Deadline.objects.filter(committee_id__in=committees).values_list("pk", flat=True)
        )
        got = set(
            DeadlinePolicy().visible(user, Deadline.objects.all()).values_list("pk", flat=True)
        )
        assert got == expected, reader.username
        seen.append(len(got))
    assert seen[2] > seen[0] > 0  # the admin sees the institution's third committee too
    assert seen[5] == 0  # nobody's committee
