"""N10: the committee (not the researcher) records the exemption from ethics review of an
exemption request, under the NHC measures only; MEAS has no exemption."""

import pytest
from django.urls import reverse

from reviews import services
from reviews.models import Application, Decision, Project
from tests.reviews.conftest import assigned, declare_and_opine, draft
from tests.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def nhc_world(db):
    return build_world(regimes=("meas", "nhc"))


def _agreed(world):
    application, assignments = assigned(world, kind="exemption")
    assert application.regimes == ["meas", "nhc"]
    for assignment in assignments:
        declare_and_opine(assignment, "approve", comments="同意免除审查")
    return application


def test_the_chair_records_the_exemption_api_n10(nhc_world, api_client):
    application = _agreed(nhc_world)
    api_client.force_authenticate(nhc_world.chair)
    response = api_client.post(
        f"/api/v1/applications/{application.pk}/decide/", {"outcome": "exempt"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "exempt"
    project = Project.objects.get(pk=application.project_id)
    assert project.status == "approved"  # the activity may start (R58 satisfied by N10)


def test_the_chair_records_the_exemption_page_n10(nhc_world, client):
    application = _agreed(nhc_world)
    client.force_login(nhc_world.chair)
    response = client.post(
        reverse("reviews:application-action", args=[application.pk, "decide"]),
        {"outcome": "exempt"},
    )
    assert response.status_code == 302
    assert Decision.objects.get(application=application).outcome == "exempt"


def test_an_exemption_request_cannot_be_approved_and_an_initial_cannot_be_exempted_n10(
    nhc_world, api_client
):
    application = _agreed(nhc_world)
    api_client.force_authenticate(nhc_world.chair)
    response = api_client.post(
        f"/api/v1/applications/{application.pk}/decide/", {"outcome": "approve"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["outcome"][0]["code"] == "invalid_choice"
    initial, assignments = assigned(nhc_world)
    for assignment in assignments:
        declare_and_opine(assignment, "approve")
    response = api_client.post(
        f"/api/v1/applications/{initial.pk}/decide/", {"outcome": "exempt"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "outcome_not_agreed")
    assert Decision.objects.filter(application=initial).count() == 0


def test_refused_exemption_keeps_the_review_n10(nhc_world):
    application, assignments = assigned(nhc_world, kind="exemption")
    for assignment in assignments:
        declare_and_opine(assignment, "disapprove", comments="涉及敏感个人信息")
    decision = services.decision_issue(
        application_id=application.pk,
        outcome="disapprove",
        reasons="涉及敏感个人信息，不符合免除审查情形",
        actor=nhc_world.chair,
    )
    assert decision.outcome == "disapprove"
    assert Project.objects.get(pk=application.project_id).status == "planned"


def test_no_exemption_request_under_meas_alone_n10(world, api_client):
    project = draft(world).project
    api_client.force_authenticate(world.researcher)
    response = api_client.post(
        "/api/v1/applications/", {"project": project.pk, "kind": "exemption"}, format="json"
    )
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["rule"]) == ("exemption_needs_nhc", "N10")
    assert not Application.objects.filter(kind="exemption").exists()


def test_an_exemption_request_is_possible_under_nhc_api_n10(nhc_world, api_client):
    project = draft(nhc_world).project
    api_client.force_authenticate(nhc_world.researcher)
    response = api_client.post(
        "/api/v1/applications/", {"project": project.pk, "kind": "exemption"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "exemption"
