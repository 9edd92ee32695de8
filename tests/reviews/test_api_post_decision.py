"""The post-decision actions of api.md over the API: codes, rules and the 404 for outsiders."""

import pytest
from django.utils import timezone

from tests.reviews.conftest import (
    listed_preliminary,
    meeting_accepted,
    meeting_decision,
    seat_rereview_panel,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(api_client):
    def login(user):
        api_client.force_authenticate(user)
        return api_client

    return login


def _url(application, action):
    return f"/api/v1/applications/{application.pk}/{action}/"


def test_rereview_end_to_end_over_the_api(world, as_user):
    application = listed_preliminary(world)
    client = as_user(world.secretary)
    assert client.get(f"/api/v1/applications/{application.pk}/").json()["status"] == (
        "awaiting_rereview"
    )
    # B12: item 6 (AI) is organised by 市科委中关村管委会 or 市经济和信息化局: a choice, not text.
    response = client.post(_url(application, "submit_rereview"), {"authority": "北京市科委"})
    assert response.status_code == 400
    assert response.json()["authority"][0]["code"] == "invalid_choice"
    response = client.post(_url(application, "submit_rereview"), {"authority": "bj_health"})
    assert response.status_code == 400
    response = client.post(_url(application, "submit_rereview"), {"authority": "bj_stc"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "submitted"
    assert response.json()["authority"] == "bj_stc"
    assert response.json()["authority_name"]
    body = {"opinion": "agree", "received_on": f"{timezone.localdate():%Y-%m-%d}"}
    response = client.post(_url(application, "record_rereview"), {**body, "panel_size": 4})
    assert response.status_code == 409
    assert response.json()["rule"] == "R40"
    assert response.json()["code"] == "rereview_panel_too_small"
    response = client.post(_url(application, "record_rereview"), {**body, "opinion": "maybe"})
    assert response.status_code == 400
    assert "opinion" in response.json()
    response = client.post(_url(application, "record_rereview"), {**body, "panel_size": 5})
    assert response.status_code == 409  # R40 is a gate: no panel seated from the pool
    assert response.json()["rule"] == "R40"
    assert [p["code"] for p in response.json()["problems"]] == ["rereview_panel_not_seated"]
    seat_rereview_panel(application, world.secretary)
    response = client.post(_url(application, "record_rereview"), {**body, "panel_size": 5})
    assert response.status_code == 200
    response = as_user(world.chair).post(_url(application, "decide"), {"outcome": "approve"})
    assert response.status_code == 201, response.content
    assert response.json()["stage"] == "final"
    assert response.json()["next_tracking_due"]
    rereviews = client.get(f"/api/v1/rereviews/?application={application.pk}").json()
    assert rereviews["results"][0]["opinion"] == "agree"


def test_appeal_over_the_api(world, as_user):
    application = meeting_accepted(world)
    meeting_decision(
        world, application_id=application.pk, outcome="disapprove", reasons="x", actor=world.chair
    )
    response = as_user(world.outsider).post(_url(application, "appeal"), {"grounds": "y"})
    assert response.status_code == 404
    client = as_user(world.researcher)
    response = client.post(_url(application, "appeal"), {"grounds": ""})
    assert response.status_code == 400
    assert response.json()["grounds"][0]["code"] == "required"
    response = client.post(_url(application, "appeal"), {"grounds": "遗漏了补充材料"})
    assert response.status_code == 201
    assert response.json()["kind"] == "appeal"
    assert response.json()["status"] == "draft"
    response = client.post(_url(application, "appeal"), {"grounds": "再次"})
    assert response.status_code == 409
    assert response.json()["rule"] == "R27"


def test_illegal_post_decision_action_is_409(world, as_user):
    application = meeting_accepted(world)
    response = as_user(world.researcher).post(_url(application, "resubmit"), {})
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
