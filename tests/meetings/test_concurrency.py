"""Members voting at once and secretaries concluding at once (PostgreSQL, real threads)."""

import pytest

from meetings import services
from meetings.models import Vote
from reviews.models import Decision
from tests.conftest import race, requires_postgres
from tests.meetings.conftest import opened
from tests.world import build_world

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def _self_vote(membership, item, choice):
    return lambda: services.vote_cast(item_id=item.pk, choice=choice, actor=membership.user)


def test_members_voting_at_once_lose_no_vote():
    world = build_world(size=9)
    _meeting, [item] = opened(world)
    for membership in world.members:
        services.member_declare(item_id=item.pk, actor=membership.user, conflicted=False)
    results, errors = race(*[_self_vote(m, item, "approve") for m in world.members])
    assert errors == []
    assert len(results) == 9
    assert Vote.objects.filter(item=item).count() == 9
    concluded = services.item_conclude(item_id=item.pk, actor=world.secretary)
    assert concluded.tally["counts"]["approve"] == 9


def test_one_member_voting_twice_at_once_counts_once():
    world = build_world()
    _meeting, [item] = opened(world)
    member = world.members[3]
    services.member_declare(item_id=item.pk, actor=member.user, conflicted=False)
    _results, errors = race(
        _self_vote(member, item, "approve"),
        lambda: services.vote_cast(
            item_id=item.pk, choice="disapprove", membership_id=member.pk, actor=world.secretary
        ),
    )
    assert errors == []
    assert Vote.objects.filter(item=item, membership=member).count() == 1


def test_concluding_twice_at_once_gives_one_decision():
    world = build_world()
    _meeting, [item] = opened(world)
    for membership in world.members:
        services.vote_cast(
            item_id=item.pk, choice="approve", membership_id=membership.pk, actor=world.secretary
        )
    other = world.vice_chair
    results, errors = race(
        lambda: services.item_conclude(item_id=item.pk, actor=world.secretary),
        lambda: services.item_conclude(item_id=item.pk, actor=other),
    )
    assert errors == []
    assert {r.decision_id for r in results} == {Decision.objects.get().pk}
    assert Decision.objects.count() == 1
