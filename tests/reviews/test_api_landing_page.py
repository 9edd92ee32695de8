"""Issue 18: the applications API's landing page (no query parameters) is read with one query
compiled once per shape (``reviews.api.views._first_application_page``). It must be the page
the general keyset path gives: the same rows, count and links, for every reader."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ethics.api.pagination import Pagination
from reviews import selectors
from reviews.api.views import _first_application_page
from reviews.policies import application_branch_args
from tests.reviews.conftest import assigned, draft, submitted

URL = "/api/v1/applications/"
# `?page_size=` at the default size takes the general path and asks for the same page.
GENERAL = f"{URL}?page_size={Pagination.page_size}"


def _cursor(link):
    return None if link is None else parse_qs(urlparse(link).query)["cursor"]


def _reader(world, role):
    if role == "reviewer":
        return assigned(world)[1][0].membership.user
    return getattr(world, role)


@pytest.fixture
def many(world):
    """More of the researcher's applications than a page holds, some submitted."""
    for _ in range(Pagination.page_size - 2):
        draft(world, complete=False)
    return [submitted(world) for _ in range(3)]


@pytest.mark.parametrize("role", ["researcher", "secretary", "admin", "reviewer", "outsider"])
def test_the_landing_page_is_the_general_paths_page(world, api_client, many, role):
    user = _reader(world, role)
    api_client.force_authenticate(user)
    for _ in range(2):  # the first call makes the plan, the second runs it (PostgreSQL)
        landing = api_client.get(URL)
        assert landing.status_code == 200
        general = api_client.get(GENERAL).json()
        body = landing.json()
        assert body["results"] == general["results"]
        assert body["count"] == general["count"]
        assert _cursor(body["next"]) == _cursor(general["next"])
        assert body["previous"] is None
    expected = list(selectors.applications_for_user(user).values_list("pk", flat=True))
    assert [row["id"] for row in body["results"]] == expected[: Pagination.page_size]
    if role == "researcher":  # more than a page: the count is unknown and a next page exists
        assert body["count"] is None
        assert body["next"] is not None
        rest = api_client.get(body["next"]).json()
        assert [row["id"] for row in rest["results"]] == expected[Pagination.page_size :]


def test_the_landing_page_is_one_compiled_query(world, api_client, many):
    user = world.secretary
    api_client.force_authenticate(user)
    api_client.get(URL)
    with CaptureQueriesContext(connection) as captured:
        assert api_client.get(URL).status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    pages = [q for q in sql if "reviews_application" in q or "first_application_page" in q]
    assert not [q for q in pages if "COUNT(" in q.upper()]
    if connection.vendor == "postgresql":
        # The branches' ids are a subquery of the page's one query, run as a prepared statement.
        assert _first_application_page.plan_for(**application_branch_args(user)) is not None
        assert len(pages) == 1
        assert pages[0].startswith("EXECUTE ")
    else:  # SQLite: each branch's ids, then the page
        assert len(pages) == 4


def test_a_superuser_and_any_parameter_take_the_general_path(world, api_client, many):
    from tests.factories import UserFactory

    root = UserFactory(is_superuser=True, is_staff=True)
    api_client.force_authenticate(root)
    body = api_client.get(URL).json()
    assert len(body["results"]) == Pagination.page_size
    api_client.force_authenticate(world.researcher)
    narrowed = api_client.get(f"{URL}?status=draft").json()
    assert {row["status"] for row in narrowed["results"]} == {"draft"}
