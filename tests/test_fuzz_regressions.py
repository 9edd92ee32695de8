"""Regressions found by fuzzing the API (scripts/fuzz-api, schemathesis 4): each test replays the
request that answered 500 or broke the OpenAPI schema, and checks the answer against the schema
the API serves, with schemathesis' own response validation."""

import functools
import json

import pytest
import requests
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from schemathesis.core.transport import Response as StResponse

from tests.factories import MeetingFactory
from tests.reviews.conftest import accepted, meeting_decision

pytestmark = pytest.mark.django_db

BEYOND_64_BITS = "543486745904312516945570585712263168"


@functools.cache
def api_schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(raw)))


def assert_conforms(template: str, method: str, response) -> None:
    """The response is what the schema documents for `method template` (status, content type,
    body), as schemathesis' response_schema_conformance check sees it."""
    request = requests.Request(
        method, "http://testserver" + response.request["PATH_INFO"]
    ).prepare()
    answer = StResponse(
        status_code=response.status_code,
        headers={name.lower(): [value] for name, value in response.headers.items()},
        content=response.content,
        request=request,
        elapsed=0.0,
        verify=False,
    )
    api_schema()[template][method].validate_response(answer)


def test_an_unknown_filing_kind_or_status_is_a_400(world, api_client):
    api_client.force_authenticate(world.secretary)
    response = api_client.get("/api/v1/filings/", {"kind": "Z", "status": "nope"})
    assert response.status_code == 400
    assert {e["code"] for key in ("kind", "status") for e in response.json()[key]} == {
        "invalid_choice"
    }
    assert api_client.get("/api/v1/filings/", {"status": "open"}).status_code == 200


def test_a_meeting_without_a_video_link_matches_the_schema(world, api_client):
    """Was: `"" is not a "uri"` on GET /meetings/, /meetings/{id}/ and the meeting actions."""
    meeting = MeetingFactory(committee=world.committee, video_link="")
    api_client.force_authenticate(world.secretary)
    response = api_client.get(f"/api/v1/meetings/{meeting.pk}/")
    assert response.status_code == 200
    assert response.json()["video_link"] == ""
    assert_conforms("/api/v1/meetings/{id}/", "GET", response)
    assert_conforms("/api/v1/meetings/", "GET", api_client.get("/api/v1/meetings/"))


def test_a_project_without_a_proposed_determination_matches_the_schema(world, api_client):
    """Was: `"" is not one of "undetermined", "not_listed" or "listed"` (listing_proposal)."""
    application = accepted(world, procedure="meeting", grounds="")
    assert application.project.listing_proposal == ""
    api_client.force_authenticate(world.secretary)
    response = api_client.get("/api/v1/projects/", {"page_size": 0})
    assert response.status_code == 200
    assert_conforms("/api/v1/projects/", "GET", response)
    institution = api_client.get(f"/api/v1/institutions/{world.institution.pk}/")
    assert institution.json()["authority"] == ""
    assert_conforms("/api/v1/institutions/{id}/", "GET", institution)


def test_a_decision_whose_tally_the_reader_may_not_see_matches_the_schema(world, api_client):
    """Was: `"tally" is a required property`: the key is left out for the applicant (R8)."""
    application = accepted(world, procedure="meeting", grounds="")
    meeting_decision(world, application_id=application.pk, outcome="approve", actor=world.chair)
    api_client.force_authenticate(world.researcher)
    response = api_client.get("/api/v1/decisions/")
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert "tally" not in response.json()["results"][0]
    assert_conforms("/api/v1/decisions/", "GET", response)
    api_client.force_authenticate(world.secretary)
    response = api_client.get("/api/v1/decisions/")
    assert "tally" in response.json()["results"][0]
    assert_conforms("/api/v1/decisions/", "GET", response)


def test_the_documents_list_is_paginated_as_the_contract_says(world, api_client):
    """Was: a bare list where api.md says every list is `{"count", "next", "previous",
    "results"}`; now the page and the schema are that object."""
    application = accepted(world, procedure="meeting", grounds="")
    api_client.force_authenticate(world.secretary)
    url = f"/api/v1/applications/{application.pk}/documents/"
    response = api_client.get(url)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == len(body["results"]) > 0
    assert_conforms("/api/v1/applications/{id}/documents/", "GET", response)
    response = api_client.get(url, {"page_size": 1})
    assert len(response.json()["results"]) == 1
    assert response.json()["next"]


def test_a_document_download_has_a_documented_content_type(world, api_client):
    """Was: ST105, `application/pdf` received where only application/octet-stream was
    documented: the file is served with the type it was uploaded as."""
    application = accepted(world, procedure="meeting", grounds="")
    api_client.force_authenticate(world.secretary)
    versions = api_client.get(f"/api/v1/applications/{application.pk}/documents/").json()
    response = api_client.get(f"/api/v1/document-versions/{versions['results'][0]['id']}/download/")
    assert response.status_code == 200
    operation = api_schema()["/api/v1/document-versions/{id}/download/"]["GET"]
    documented = operation.definition.raw["responses"]["200"]["content"]
    assert set(documented) == {"*/*"}, documented


@pytest.mark.parametrize("name", ["registry:deadline-list", "registry:filing-list"])
@pytest.mark.parametrize("committee", [BEYOND_64_BITS, "²"])
def test_the_registry_pages_take_any_committee_filter(world, client, name, committee):
    """The pages share the API's selectors: `?committee=` beyond 64 bits was a 500 there too,
    and "²" (a digit to `str.isdigit`, not to `int`) a ValueError; now it matches nothing or
    is left out."""
    from django.urls import reverse

    client.force_login(world.secretary)
    response = client.get(reverse(name), {"committee": committee})
    assert response.status_code == 200


def test_the_registry_selectors_match_nothing_for_an_id_beyond_64_bits(world):
    from registry import selectors

    assert not selectors.deadlines_for_user(world.secretary, {"committee": BEYOND_64_BITS}).exists()


@pytest.mark.parametrize("path", ["/api/v1/filings/", "/api/v1/deadlines/"])
@pytest.mark.parametrize("committee", [BEYOND_64_BITS, "²", str(2**63 - 1)])
def test_a_committee_filter_that_is_not_one_of_the_readers_is_a_400(
    world, api_client, path, committee
):
    """Was: 500, OverflowError (SQLite) / DataError (PostgreSQL) from `committee_id = 5434…`.
    The lists' FilterSets (page and API) offer only the reader's committees: an id beyond 64
    bits, "²" or one no committee has is a field error, never a 500 or an empty list that would
    tell a hidden committee from a missing one."""
    api_client.force_authenticate(world.secretary)
    response = api_client.get(path, {"committee": committee})
    assert response.status_code == 400, response.content
    assert response.json()["committee"][0]["code"] == "invalid_choice"
