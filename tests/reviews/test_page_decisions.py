"""The application page reads its decisions with a compiled query once the reader may see it
(issue 18): ``application.decisions.all()`` then holds what the ORM's prefetch held, in its order,
each decision's ``follows`` and ``application`` known, with no query of its own."""

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from ethics.models import User
from reviews import selectors, services
from reviews.models import Application, Decision
from tests.reviews.conftest import assigned, confirm_modifications, declare_and_opine

pytestmark = pytest.mark.django_db


def _decided_twice(world):
    """修改后批准, then the approval that follows the confirmed modifications (two decisions)."""
    application, (a1, a2) = assigned(world)
    declare_and_opine(a1, "approve_with_modifications")
    declare_and_opine(a2, "approve_with_modifications")
    services.application_decide(
        application_id=application.pk,
        outcome="approve_with_modifications",
        conditions="补充数据脱敏方案",
        actor=world.chair,
    )
    confirm_modifications(world, application)
    return application


def _orm_decisions(pk):
    return list(selectors._application_queryset().get(pk=pk).decisions.all())


def test_the_pages_decisions_are_the_prefetchs(world, django_assert_num_queries):
    application = _decided_twice(world)
    expected = _orm_decisions(application.pk)
    assert len(expected) == 2
    for _ in range(2):  # the first call makes the plans, the second runs them
        secretary = User.objects.get(pk=world.secretary.pk)
        page = selectors.application_page_for_user(secretary, application.pk)
        with django_assert_num_queries(0):
            decisions = list(page.decisions.all())
            assert [d.follows_id for d in decisions] == [d.follows_id for d in expected]
            assert [d.follows.number for d in decisions if d.follows] == [
                d.follows.number for d in expected if d.follows
            ]
            assert all(d.application is page for d in decisions)
            assert page.decisions.all()[0] == decisions[0]
        assert [(d.pk, d.number, d.outcome, d.decided_at) for d in decisions] == [
            (d.pk, d.number, d.outcome, d.decided_at) for d in expected
        ]
    newest = Decision.objects.filter(application=application).order_by("-decided_at", "-id")[0]
    assert decisions[0].pk == newest.pk


def test_none_read_for_a_reader_who_may_not_see_it(world):
    application = _decided_twice(world)
    outsider = User.objects.get(pk=world.outsider.pk)
    with CaptureQueriesContext(connection) as queries, pytest.raises(Http404):
        selectors.application_page_for_user(outsider, application.pk)
    assert queries.captured_queries  # the row and its access flags were read ...
    decisions = [q for q in queries if q["sql"].startswith('SELECT "reviews_decision"')]
    assert decisions == []  # ... and no decision


def test_an_application_without_decisions(world, django_assert_num_queries):
    application, _ = assigned(world)
    secretary = User.objects.get(pk=world.secretary.pk)
    page = selectors.application_page_for_user(secretary, application.pk)
    with django_assert_num_queries(0):
        assert list(page.decisions.all()) == []
    assert isinstance(page, Application)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are made on PostgreSQL")
def test_the_decisions_query_is_compiled_once(world):
    application = _decided_twice(world)
    secretary = User.objects.get(pk=world.secretary.pk)
    selectors.application_page_for_user(secretary, application.pk)
    plan = selectors._application_decisions.plan_for(application=application.pk)
    assert plan is not None
    assert plan.load is not None
    assert not plan.load.prefetch
