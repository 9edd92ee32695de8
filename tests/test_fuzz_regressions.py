"""Regressions found by fuzzing the API (scripts/fuzz-api, schemathesis): each test replays the
exact request that answered 500 or broke the OpenAPI schema, and checks the answer against the
schema the API serves."""

import pytest

pytestmark = pytest.mark.django_db


def test_filings_filter_with_an_id_beyond_64_bits_is_400(world, api_client):
    api_client.force_authenticate(world.secretary)
    response = api_client.get(
        "/api/v1/filings/", {"kind": "Z", "committee": "543486745904312516945570585712263168"}
    )
    assert response.status_code == 400, response.content
