"""The dashboard's shared read of active clocks (``ethics.selectors.active_deadlines_of``) is
one query compiled once per shape whose rows become deadlines through ``Model.from_db``
(issue 18): the same deadlines, fields and order as the queryset, and real model instances."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from committees.models import Committee
from ethics.models import Deadline, User
from ethics.selectors import ACTIVE_DEADLINES_READ, active_deadlines_of
from reviews import clocks

pytestmark = pytest.mark.django_db


def _fields(deadline):
    return {f.attname: getattr(deadline, f.attname) for f in Deadline._meta.concrete_fields}


def test_rows_are_the_querysets_deadlines(world):
    committee_type = ContentType.objects.get_for_model(Committee)
    now = timezone.now()
    for n, (committee, state) in enumerate(
        [
            (world.committee, "open"),
            (world.committee, "overdue"),
            (world.committee, "met"),  # not active: never listed
            (world.committee, "waived"),
            (world.other_committee, "open"),
        ]
    ):
        Deadline.objects.create(
            kind=clocks.DECISION,
            subject_type=committee_type,
            subject_id=10_000 + n,
            committee_id=committee.pk,
            title=f"clock {n}",
            due_at=now + dt.timedelta(days=n - 2),
            state=state,
        )
    for ids in ([world.committee.pk], [world.committee.pk, world.other_committee.pk], []):
        user = User.objects.get(pk=world.secretary.pk)
        read = active_deadlines_of(user, ids)
        expected = list(
            Deadline.objects.active()
            .filter(committee_id__in=ids)
            .order_by("due_at", "id")[:ACTIVE_DEADLINES_READ]
        )
        assert [_fields(d) for d in read] == [_fields(d) for d in expected]
        assert all(isinstance(d, Deadline) and not d._state.adding for d in read)
    read = active_deadlines_of(User.objects.get(pk=world.secretary.pk), [world.committee.pk])
    assert {d.state for d in read} == {"open", "overdue"}
    assert read[0].get_kind_display() == "审查决定"  # the kind's label, not its code
    assert active_deadlines_of(User.objects.get(pk=world.secretary.pk), []) == []
