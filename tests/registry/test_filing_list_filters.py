"""The filings list (page and API share registry.filters.FilingFilter): search by receipt
number, project title and people's names, each filter (overdue by the clocks' one definition),
sorting, bad input as a field error, no other committee's rows, few queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ethics.models import Deadline
from registry import selectors, services
from registry.models import Filing
from tests.factories import ProjectFactory, UserFactory
from tests.world import build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/filings/"


def _due(filing: Filing, days: int) -> None:
    """Move the filing's clock `days` from now (negative: already passed)."""
    Deadline.objects.filter(pk=filing.deadline_id).update(
        due_at=timezone.now() + dt.timedelta(days=days), state="open"
    )
    Filing.objects.filter(pk=filing.pk).update(due_on=timezone.localdate() + dt.timedelta(days))


@pytest.fixture
def filings(world):
    registration = Filing.objects.get(committee=world.committee, kind="committee_registration")
    annual = services.annual_report_open_for(committee_id=world.committee.pk, year=2025)
    lead = UserFactory(name="钱负责")
    project = ProjectFactory(committee=world.committee, title="基因编辑研究", lead=lead)
    Filing.objects.filter(pk=registration.pk).update(project=project, receipt="DJ-2026-0042")
    _due(registration, 20)
    _due(annual, -3)  # the scan has not run: still "open", yet overdue by the one definition
    other = services.annual_report_open_for(committee_id=world.other_committee.pk, year=2025)
    Filing.objects.filter(pk=other.pk).update(receipt="DJ-2026-0042-X")
    return {"registration": registration, "annual": annual, "other": other}


def _api_ids(api_client, **params):
    response = api_client.get(API, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _page(client, **params):
    response = client.get(reverse("registry:filing-list"), params)
    assert response.status_code == 200
    return [f.pk for f in response.context["page"]], response


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "DJ-2026-0042"}, ["registration"]),  # number
        ({"q": "基因编辑"}, ["registration"]),  # project title
        ({"q": "钱负责"}, ["registration"]),  # person's name
        ({"kind": "annual_report"}, ["annual"]),
        ({"status": "due"}, ["annual", "registration"]),
        ({"status": "overdue"}, ["annual"]),
        ({"overdue": "true"}, ["annual"]),
        ({"overdue": "false"}, ["registration"]),
        ({"period": "2025"}, ["annual"]),
        ({"due_to": "__today__"}, ["annual"]),
    ],
)
def test_search_and_filters_on_page_and_api(client, api_client, world, filings, params, expected):
    params = {k: (str(timezone.localdate()) if v == "__today__" else v) for k, v in params.items()}
    want = [filings[name].pk for name in expected]
    client.force_login(world.secretary)
    api_client.force_authenticate(world.secretary)
    assert _page(client, **params)[0] == want
    assert _api_ids(api_client, **params) == want


def test_every_count_above_the_list_is_the_length_of_the_list_it_links_to(client, world, filings):
    client.force_login(world.secretary)
    counts = selectors.filing_counts(world.secretary)
    html = client.get(reverse("registry:filing-list")).content.decode()
    for name in ("due", "overdue", "prepared", "submitted", "acknowledged"):
        assert f'data-count="{name}" href="?status={name}"' in html
        _ids, response = _page(client, status=name)
        assert getattr(counts, name) == response.context["total"], name
    assert counts.overdue == 1
    overdue_page = _page(client, status="overdue")[1].content.decode()
    assert '<span class="bad">' in overdue_page  # the row says 已逾期 by the same definition


def test_committee_filter_and_ordering(api_client, world, filings):
    api_client.force_authenticate(world.secretary)
    by_due = [filings["annual"].pk, filings["registration"].pk]
    assert _api_ids(api_client, committee=world.committee.pk) == by_due
    assert _api_ids(api_client, o="-due") == by_due[::-1]
    assert _api_ids(api_client, o="kind") == by_due  # annual_report < committee_registration


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"kind": "Z"}, "kind", "invalid_choice"),
        ({"status": "nope"}, "status", "invalid_choice"),
        ({"overdue": "maybe"}, "overdue", "invalid_choice"),
        ({"period": "abc"}, "period", "invalid"),
        ({"due_from": "2026-02-30"}, "due_from", "invalid"),
        ({"o": "data"}, "o", "invalid_choice"),
    ],
)
def test_bad_input_is_a_field_error(client, api_client, world, filings, params, field, code):
    api_client.force_authenticate(world.secretary)
    response = api_client.get(API, params)
    assert response.status_code == 400
    assert response.json()[field][0]["code"] == code
    client.force_login(world.secretary)
    ids, page = _page(client, **params)
    assert ids == []
    assert page.context["filterset"].form.errors[field]


def test_an_outsider_sees_no_other_committees_filings_through_any_filter(
    client, api_client, world, filings
):
    api_client.force_authenticate(world.outsider)
    assert _api_ids(api_client, q="DJ-2026-0042") == [filings["other"].pk]
    assert filings["annual"].pk not in _api_ids(api_client, overdue="true")
    assert api_client.get(API, {"committee": world.committee.pk}).status_code == 400
    client.force_login(world.outsider)
    assert _page(client, q="钱负责")[0] == []
    assert _page(client, q="基因编辑")[0] == []


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_small_and_constant_with_filters(client, api_client):
    counts = []
    for years in (1, 5):
        world = build_world()
        for year in range(years):
            services.annual_report_open_for(committee_id=world.committee.pk, year=2020 + year)
        params = {"q": "", "status": "due", "overdue": "true", "committee": world.committee.pk}
        client.force_login(world.secretary)
        api_client.force_authenticate(world.secretary)
        counts.append(
            (
                _queries(client, reverse("registry:filing-list"), params),
                _queries(api_client, API, {**params, "o": "-due"}),
            )
        )
    assert counts[0] == counts[1], counts
    assert max(counts[1]) <= 10, counts
