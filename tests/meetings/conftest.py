"""Fixtures of the meetings tests: a committee with a full roster, a secretary, a researcher."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from meetings import services
from tests.factories import (
    CommitteeFactory,
    InstitutionFactory,
    MembershipFactory,
    UserFactory,
    under_meeting_review,
)


def roster(committee, size, term):
    """Chair (science, male), vice-chair (ethics, female), external law member (female), then
    science peers: `size` members (委员) in all, every Art. 7 category present (R19)."""
    specs = [
        {"role": "chair", "expertise": "science", "gender": "male"},
        {"role": "vice_chair", "expertise": "ethics", "gender": "female"},
        {"role": "member", "expertise": "law", "gender": "female", "external": True},
    ]
    specs += [{"role": "member", "expertise": "science", "gender": "male"}] * (size - len(specs))
    return [
        MembershipFactory(committee=committee, user=UserFactory(), **term, **spec) for spec in specs
    ]


def make_world(size=7, regimes=("meas",)):
    today = timezone.localdate()
    term = {"term_start": today - dt.timedelta(days=30), "term_end": today + dt.timedelta(days=900)}
    institution = InstitutionFactory()
    committee = CommitteeFactory(institution=institution, regimes=list(regimes))
    members = roster(committee, size, term)
    secretary = MembershipFactory(
        committee=committee, role="secretary", expertise="other", user=UserFactory(), **term
    )
    other = CommitteeFactory()
    return SimpleNamespace(
        committee=committee,
        members=members,
        chair=members[0],
        vice_chair=members[1],
        secretary=secretary.user,
        secretary_membership=secretary,
        researcher=UserFactory(institution=institution),
        outsider=MembershipFactory(committee=other, role="secretary", **term).user,
        admin=UserFactory(institution=institution, institution_admin=True),
        stranger=UserFactory(),
        term=term,
        regimes=list(regimes),
    )


@pytest.fixture
def world(db):
    return make_world()


def schedule(world, **kwargs):
    return services.meeting_schedule(
        committee=world.committee,
        starts_at=timezone.now() + dt.timedelta(hours=1),
        actor=world.secretary,
        **kwargs,
    )


def application(world, **kwargs):
    kwargs.setdefault("regimes", world.regimes)
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
        presiding=world.chair.pk,
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
