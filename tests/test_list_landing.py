"""Issue 18: a list as it opens (no query parameters) reads its first page with a query compiled
once per shape (``ethics.listing.filtered_page``'s ``landing``): the filings, meetings,
deadlines, "my reviews" and "my projects" pages. The rows must be those the list's queryset
gives, the page asked with a parameter that changes nothing (``?page=1``) takes the general path,
and with ``Prepared.check`` on (the test suite) every landing is compared with the queryset."""

import datetime as dt

import pytest
from django.test import RequestFactory

from ethics.listing import ListFilterSet, filtered_page
from ethics.prepared import Prepared, signature
from reviews.models import Project
from tests.meetings.conftest import schedule, today_later
from tests.reviews.conftest import assigned, submitted
from tests.world import World, build_world

PAGES = [
    ("secretary", "/registry/filings/"),
    ("secretary", "/meetings/"),
    ("secretary", "/registry/deadlines/"),
    ("member", "/reviews/my-reviews/"),
    ("researcher", "/reviews/"),
    ("admin", "/registry/filings/"),
    ("admin", "/meetings/"),
    ("admin", "/registry/deadlines/"),
    ("outsider", "/reviews/my-reviews/"),
]


def _reader(world, role, reviewer):
    return reviewer if role == "member" else getattr(world, role)


@pytest.fixture
def world(db) -> World:
    """The committee created through its service: its registration filing exists."""
    return build_world(via_services=True, authority="bj_health")


@pytest.fixture
def lists(world):
    """Something on each list: submitted applications (deadlines, filings), a meeting, an
    assignment."""
    for _ in range(2):
        submitted(world)
    schedule(world)
    schedule(world, starts_at=today_later() + dt.timedelta(days=3))
    _application, (assignment, _other) = assigned(world)
    return assignment.membership.user


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_a_list_as_it_opens_is_its_first_page(world, client, lists, role, path):
    client.force_login(_reader(world, role, lists))
    for _ in range(2):  # the first call makes the plan, the second runs it (PostgreSQL)
        opened = client.get(path)
        assert opened.status_code == 200
    general = client.get(path, {"page": "1"})
    assert general.status_code == 200
    landing_rows = [signature(row) for row in opened.context["page"].object_list]
    general_rows = [signature(row) for row in general.context["page"].object_list]
    assert landing_rows == general_rows
    assert opened.context["total"] == general.context["total"]
    if role in ("secretary", "researcher") or (path == "/reviews/my-reviews/" and role == "member"):
        assert landing_rows  # each of these readers sees rows here


class _ProjectFilter(ListFilterSet):
    class Meta:
        model = Project
        fields: list[str] = []


def test_landing_rows_that_are_not_the_querysets_fail_the_check(world, monkeypatch):
    """The guard itself: a landing that gives other rows than the queryset is caught."""
    submitted(world)
    monkeypatch.setattr(Prepared, "check", True)
    request = RequestFactory().get("/x/")
    request.user = world.researcher
    queryset = Project.objects.order_by("pk")
    assert filtered_page(
        request, _ProjectFilter, queryset, landing=lambda: list(queryset[:25])
    ).page.object_list
    with pytest.raises(AssertionError, match="landing rows differ"):
        filtered_page(request, _ProjectFilter, queryset, landing=lambda: list(queryset[:0]))
    other = RequestFactory().get("/x/", {"q": "nothing"})
    other.user = world.researcher
    # With a parameter the landing is not used at all.
    filtered_page(request=other, filterset_class=_ProjectFilter, queryset=queryset, landing=None)
