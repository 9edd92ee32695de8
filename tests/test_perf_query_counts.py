"""Issue 18: the application page and the dashboard cost at most 15 queries, the lists at most
10, for every role, with applications in the states the pages show (decided by a meeting,
under review with an opinion, submitted, a draft)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.reviews.conftest import (
    assigned,
    declare_and_opine,
    draft,
    meeting_accepted,
    meeting_decision,
    submitted,
)

ROLES = ("secretary", "chair", "vice_chair", "member", "researcher", "colleague", "admin")
DETAIL, LIST = 15, 10


@pytest.fixture
def cases(world):
    decided = meeting_accepted(world)
    meeting_decision(world, application_id=decided.pk, outcome="approve", actor=world.chair)
    application, (first, _second) = assigned(world)
    declare_and_opine(first, "approve", comments="同意")
    submitted(world)
    draft(world)
    return {"decided": decided, "under review": application}


def _count(client, url):
    client.get(url)  # the session's first request loads what every later one reuses
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_within_15_queries_for_every_role(client, world, cases, role):
    client.force_login(getattr(world, role))
    assert _count(client, reverse("ethics:dashboard")) <= DETAIL


@pytest.mark.parametrize("state", ["decided", "under review"])
@pytest.mark.parametrize("role", ["secretary", "chair", "researcher", "admin"])
def test_application_page_within_15_queries(client, world, cases, role, state):
    client.force_login(getattr(world, role))
    url = reverse("reviews:application-detail", args=[cases[state].pk])
    assert _count(client, url) <= DETAIL


@pytest.mark.parametrize("role", ["secretary", "chair", "admin", "researcher"])
def test_intake_and_api_lists_within_10_queries(client, world, cases, role):
    client.force_login(getattr(world, role))
    urls = ["/api/v1/applications/", "/api/v1/applications/?page=1"]
    if role in {"secretary", "chair"}:
        urls += [reverse("reviews:intake"), reverse("reviews:intake") + "?bucket=new"]
    for url in urls:
        assert _count(client, url) <= LIST, url


# --- the dashboard's shared reads give what the separate queries gave ------------------------


def _fresh(user):
    """The user as a new request loads it: no per-request memo."""
    return type(user).objects.get(pk=user.pk)


@pytest.mark.parametrize("when", ["now", "tracking overdue"])
def test_follow_up_counts_from_the_shared_read_equal_the_aggregate(world, when, time_machine):
    from django.utils import timezone

    from ethics.models import Deadline
    from reviews import selectors
    from tests.reviews.conftest import approved_project

    approved_project(world)
    tracking = Deadline.objects.active().filter(kind="tracking_review")
    assert tracking.exists()
    if when == "tracking overdue":
        time_machine.move_to(tracking.first().due_at + timezone.timedelta(days=1))
    shared = selectors.follow_up_counts(_fresh(world.secretary))
    aggregate = selectors.follow_up_counts(_fresh(world.secretary), shared_read=False)
    assert shared == aggregate
    assert shared["tracking_overdue"] == (1 if when == "tracking overdue" else 0)


def test_next_meeting_from_the_member_panel_equals_the_query(world):
    from meetings import hooks, selectors
    from tests.meetings.conftest import schedule

    schedule(world)
    for user in (world.chair, world.vice_chair, world.secretary):
        assert hooks._next_meeting(_fresh(user)) == selectors.next_meeting(_fresh(user))
    assert hooks._next_meeting(_fresh(world.chair)) is not None
