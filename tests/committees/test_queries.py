"""Query counts stay constant in the number of members (roster page, member list)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from committees import services
from tests.factories import CommitteeFactory, MembershipFactory


def _grow(world, total):
    admin = world.admin
    for _ in range(total - len(world.members)):
        m = MembershipFactory(committee=world.committee, **world.term)
        services.pledge_record(
            membership_id=m.pk, actor=admin, kind="coi", signed_on=dt.date(2026, 1, 5)
        )
        services.training_record(
            membership_id=m.pk, actor=admin, title="t", completed_on=dt.date(2026, 1, 6)
        )


def _count(fetch):
    with CaptureQueriesContext(connection) as ctx:
        response = fetch()
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("fetch", "budget"),
    [
        # Design targets: 15 queries for a detail page, 10 for a list.
        (lambda c, w: c.get(reverse("committees:committee-detail", args=[w.committee.pk])), 15),
        (lambda c, w: c.get(f"/api/v1/committees/{w.committee.pk}/members/"), 10),
    ],
    ids=["roster_page", "member_list_api"],
)
def test_query_count_is_constant_from_5_to_50_members(client, world, fetch, budget):
    client.force_login(world.secretary)
    # 5 members: trim the fixture's roster of 7 by ending two (ended rows are history).
    for m in world.members[5:]:
        services.membership_end(membership_id=m.pk, actor=world.admin, ended_on=m.term_start)
    world.members = world.members[:5]
    small = _count(lambda: fetch(client, world))
    _grow(world, 50)
    large = _count(lambda: fetch(client, world))
    assert small == large
    assert large <= budget


def test_roster_page_stays_within_budget(client, world, django_assert_max_num_queries):
    client.force_login(world.member)
    with django_assert_max_num_queries(15):
        client.get(reverse("committees:committee-detail", args=[world.committee.pk]))


@pytest.mark.parametrize("role", ["admin", "secretary", "member"])
def test_committee_pages_stay_within_budget(client, world, role, django_assert_max_num_queries):
    """Design targets: lists ≤ 10 queries, detail pages ≤ 15, permission checks (the buttons the
    action table offers) included, however many committees and members there are."""
    for _ in range(30):
        CommitteeFactory(institution=world.institution)
    _grow(world, 20)
    client.force_login(world.user(role))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("committees:committee-list"))
    assert response.status_code == 200
    with django_assert_max_num_queries(15):
        response = client.get(reverse("committees:committee-detail", args=[world.committee.pk]))
    assert response.status_code == 200
    assert ("add_member" in response.context["actions"]) is (role != "member")
