"""Two secretaries or chairs acting at once (PostgreSQL, real threads): one result, no gaps."""

import pytest

from ethics.errors import IllegalTransition
from reviews import services
from reviews.models import Decision, Review
from tests.conftest import race, requires_postgres
from tests.reviews.conftest import assigned, declare_and_opine, submitted
from tests.world import build_world

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def test_two_secretaries_accept_the_same_application_once():
    world = build_world()
    from tests.factories import MembershipFactory, UserFactory

    other = MembershipFactory(
        committee=world.committee,
        role="secretary",
        expertise="other",
        user=UserFactory(),
        **world.term,
    ).user
    application = submitted(world)
    results, errors = race(
        lambda: services.application_accept(
            application_id=application.pk, procedure="meeting", actor=world.secretary
        ),
        lambda: services.application_accept(
            application_id=application.pk,
            procedure="simplified",
            grounds="minimal_risk",
            actor=other,
        ),
    )
    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], IllegalTransition)
    assert (errors[0].status, errors[0].action) == ("under_review", "accept")
    assert Review.objects.filter(application=application).count() == 1


def _agreed(world):
    """A simplified review both designated members approved (R33-R34): the chair may decide."""
    application, assignments = assigned(world)
    for assignment in assignments:
        declare_and_opine(assignment, "approve")
    return application


def test_two_decisions_on_the_same_application_give_one_result():
    world = build_world()
    application = _agreed(world)
    results, errors = race(
        lambda: services.application_decide(
            application_id=application.pk, outcome="approve", actor=world.chair
        ),
        lambda: services.application_decide(
            application_id=application.pk, outcome="approve", actor=world.chair
        ),
    )
    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], IllegalTransition)
    assert (errors[0].status, errors[0].action) == ("decided", "decide")
    assert Decision.objects.filter(application=application).count() == 1


def test_concurrent_decisions_take_consecutive_numbers():
    world = build_world()
    applications = [_agreed(world) for _ in range(6)]
    _results, errors = race(
        *[
            (
                lambda pk=a.pk: services.application_decide(
                    application_id=pk, outcome="approve", actor=world.chair
                )
            )
            for a in applications
        ]
    )
    assert errors == []
    assert sorted(d.sequence for d in Decision.objects.all()) == [1, 2, 3, 4, 5, 6]


def test_concurrent_submissions_take_distinct_references():
    world = build_world()
    from tests.reviews.conftest import draft

    drafts = [draft(world) for _ in range(5)]
    results, errors = race(
        *[
            (lambda pk=d.pk: services.application_submit(application_id=pk, actor=world.researcher))
            for d in drafts
        ]
    )
    assert errors == []
    refs = sorted(a.ref for a in results)
    assert len(set(refs)) == 5
    assert refs[-1].endswith("S0005")
