"""Issue 18: API lists page by keyset (cursor) by default, with no COUNT over the reader's
visibility union; ``?page=`` keeps the page-number contract with its exact count."""

import base64
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ethics.api.pagination import keyset_keys
from reviews.models import Application
from tests.reviews.conftest import draft

URL = "/api/v1/applications/"


@pytest.fixture
def five(world):
    return [draft(world, complete=False) for _ in range(5)]


def _walk(api, url):
    seen, pages = [], 0
    while url:
        body = api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
        assert pages <= 10
    return seen, pages


def test_cursor_walk_returns_every_row_once_in_the_default_order(world, api_client, five):
    api_client.force_authenticate(world.researcher)
    expected = list(Application.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
    seen, pages = _walk(api_client, f"{URL}?page_size=2")
    assert seen == expected
    assert pages == 3


def test_previous_link_returns_the_page_before(world, api_client, five):
    api_client.force_authenticate(world.researcher)
    first = api_client.get(f"{URL}?page_size=2").json()
    assert first["previous"] is None
    second = api_client.get(first["next"]).json()
    back = api_client.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]


def test_cursor_walk_follows_a_chosen_ordering(world, api_client, five):
    api_client.force_authenticate(world.researcher)
    expected = list(Application.objects.order_by("created_at", "id").values_list("pk", flat=True))
    seen, _pages = _walk(api_client, f"{URL}?page_size=2&o=created")
    assert seen == expected


def test_count_is_exact_on_a_single_page_and_null_when_more_follow(world, api_client, five):
    api_client.force_authenticate(world.researcher)
    assert api_client.get(URL).json()["count"] == 5
    body = api_client.get(f"{URL}?page_size=2").json()
    assert body["count"] is None
    assert len(body["results"]) == 2


def test_page_numbers_keep_the_counted_contract(world, api_client, five):
    api_client.force_authenticate(world.researcher)
    body = api_client.get(f"{URL}?page=2&page_size=2").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 5
    assert "page=3" in body["next"]
    assert "page" in body["previous"] or body["previous"].endswith("page_size=2")


def test_the_keyset_page_runs_no_count(world, api_client, five):
    api_client.force_authenticate(world.secretary)
    with CaptureQueriesContext(connection) as captured:
        assert api_client.get(f"{URL}?page_size=2").status_code == 200
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    with CaptureQueriesContext(connection) as captured:
        assert api_client.get(f"{URL}?page=1&page_size=2").status_code == 200
    assert [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]


def _cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "bm90IGpzb24",
        _cursor([["x"], 0]),  # too few values
        _cursor([["not a time", 1], 0]),
        _cursor([["2026-01-01T00:00:00+00:00", 2**70], 0]),
        _cursor([[True, 1], 0]),
        _cursor([["2026-01-01T00:00:00+00:00", 1], 7]),
        _cursor({"a": 1}),
    ],
)
def test_a_bad_cursor_is_a_field_error_not_a_500(world, api_client, five, cursor):
    api_client.force_authenticate(world.researcher)
    response = api_client.get(URL, {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["cursor"][0]["code"] == "invalid"


def test_keys_end_in_the_primary_key_and_refuse_expressions():
    keys = keyset_keys(Application.objects.all())
    assert [(k.path, k.descending) for k in keys] == [("created_at", True), ("id", True)]
    nullable = keyset_keys(Application.objects.order_by("due_at"))
    assert [(k.path, k.nullable) for k in nullable] == [("due_at", True), ("id", False)]
    assert keyset_keys(Application.objects.order_by("?")) is None
    assert keyset_keys(Application.objects.order_by("project__team")) is None


@pytest.mark.parametrize("ordering", ["due_at", "-due_at"])
def test_nullable_keys_walk_nulls_where_the_database_sorts_them(world, ordering):
    from django.test import RequestFactory
    from rest_framework.request import Request

    from ethics.api.pagination import Pagination

    apps = [draft(world, complete=False) for _ in range(4)]
    Application.objects.filter(pk__in=[apps[0].pk, apps[2].pk]).update(
        due_at="2026-03-01T00:00:00+00:00"
    )
    queryset = Application.objects.order_by(ordering)
    expected = list(
        queryset.order_by(ordering, "-id" if ordering[0] == "-" else "id").values_list(
            "pk", flat=True
        )
    )
    seen, url = [], "/x/?page_size=1"
    while url:
        paginator = Pagination()
        rows = paginator.paginate_queryset(queryset, Request(RequestFactory().get(url)))
        seen += [row.pk for row in rows]
        url = paginator.get_next_link()
    assert seen == expected


@pytest.mark.parametrize("role", ["secretary", "admin", "researcher", "reviewer"])
def test_branch_pages_walk_exactly_the_visible_rows(world, api_client, role):
    """The keyset page narrows to each visibility branch's first rows (R-none; issue 18): the
    walk still returns every row the reader may see, once, in order, and nothing else."""
    from reviews import selectors
    from tests.reviews.conftest import assigned, submitted

    for _ in range(3):
        draft(world, complete=False)  # the researcher's drafts: never the officers'
        submitted(world)
    _application, (assignment, _other) = assigned(world)
    user = assignment.membership.user if role == "reviewer" else getattr(world, role)
    expected = list(selectors.applications_for_user(user).values_list("pk", flat=True))
    api_client.force_authenticate(user)
    seen, _pages = _walk(api_client, f"{URL}?page_size=2")
    assert seen == expected
    assert expected  # each role sees something here
    backwards, _pages = _walk(api_client, f"{URL}?page_size=3&o=created")
    assert backwards == expected[::-1]


def test_the_branches_are_the_visibility_union(world):
    from reviews.policies import visible_application_branches, visible_application_ids
    from tests.reviews.conftest import assigned, submitted

    submitted(world)
    assigned(world)
    draft(world, complete=False)
    for user in (world.secretary, world.admin, world.researcher, world.member, world.outsider):
        union = set(visible_application_ids(user).values_list("pk", flat=True))
        branches = set()
        for condition in visible_application_branches(user):
            branches |= set(Application.objects.filter(condition).values_list("pk", flat=True))
        assert branches == union
