"""The committees list (page and API share committees.filters.CommitteeFilter): search by the
committee's and the institution's name, filters, sorting, bad input as a field error, nobody
finds a committee they may not see, few queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from committees.models import Committee
from tests.factories import CommitteeFactory, MembershipFactory
from tests.world import build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/committees/"


@pytest.fixture
def regional(world):
    """A second committee of the same institution the secretary also serves (regional)."""
    committee = CommitteeFactory(
        institution=world.institution, name="区域审查委员会", kind="regional"
    )
    MembershipFactory(committee=committee, user=world.secretary, secretary=True)
    Committee.objects.filter(pk=committee.pk).update(registration_status="registered")
    return committee


def _api_ids(api_client, **params):
    response = api_client.get(API, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _page(client, **params):
    response = client.get(reverse("committees:committee-list"), params)
    assert response.status_code == 200
    return [c.pk for c in response.context["page"]], response


def test_search_filters_and_ordering_on_page_and_api(client, api_client, world, regional):
    client.force_login(world.secretary)
    api_client.force_authenticate(world.secretary)
    main = world.committee.pk
    cases = [
        ({"q": "区域"}, [regional.pk]),
        ({"q": world.institution.name}, None),  # both: compared as a set below
        ({"kind": "regional"}, [regional.pk]),
        ({"kind": "institutional"}, [main]),
        ({"registration_status": "registered"}, [regional.pk]),
        ({"institution": world.institution.pk}, None),
    ]
    for params, want in cases:
        page_ids, api_ids = _page(client, **params)[0], _api_ids(api_client, **params)
        assert page_ids == api_ids, params
        if want is None:
            assert set(page_ids) == {main, regional.pk}, params
        else:
            assert page_ids == want, params
    by_name = sorted([world.committee, regional], key=lambda c: c.name)
    assert _api_ids(api_client, o="name") == [c.pk for c in by_name]
    assert _api_ids(api_client, o="-name") == [c.pk for c in reversed(by_name)]
    assert _page(client, o="-name")[1].context["total"] == 2


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"kind": "secret"}, "kind", "invalid_choice"),
        ({"registration_status": "x"}, "registration_status", "invalid_choice"),
        ({"institution": "abc"}, "institution", "invalid_choice"),
        ({"o": "rule_overrides"}, "o", "invalid_choice"),
    ],
)
def test_bad_input_is_a_field_error(client, api_client, world, params, field, code):
    api_client.force_authenticate(world.secretary)
    response = api_client.get(API, params)
    assert response.status_code == 400
    assert response.json()[field][0]["code"] == code
    client.force_login(world.secretary)
    ids, page = _page(client, **params)
    assert ids == []
    assert page.context["filterset"].form.errors[field]


def test_an_outsider_finds_no_other_committee_through_any_filter(client, api_client, world):
    api_client.force_authenticate(world.outsider)
    assert _api_ids(api_client, q=world.committee.name) == []
    assert _api_ids(api_client, q=world.institution.name) == []
    response = api_client.get(API, {"institution": world.institution.pk})
    assert response.status_code == 400  # not among the outsider's institutions
    client.force_login(world.outsider)
    assert _page(client, kind="institutional")[0] == [world.other_committee.pk]


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_small_and_constant_with_filters(client, api_client):
    counts = []
    for extra in (0, 5):
        world = build_world()
        for n in range(extra):
            committee = CommitteeFactory(institution=world.institution, name=f"分委员会{n}")
            MembershipFactory(committee=committee, user=world.secretary, secretary=True)
        params = {
            "q": "委员会",
            "institution": world.institution.pk,
            "kind": "institutional",
            "o": "-established",
        }
        client.force_login(world.secretary)
        api_client.force_authenticate(world.secretary)
        counts.append(
            (
                _queries(client, reverse("committees:committee-list"), params),
                _queries(api_client, API, params),
            )
        )
    assert counts[0] == counts[1], counts
    assert max(counts[1]) <= 10, counts
