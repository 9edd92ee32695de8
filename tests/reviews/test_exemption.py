"""N10: the committee (not the researcher) records the exemption from ethics review of an
exemption request, under the NHC measures only; MEAS has no exemption."""

import pytest
from django.urls import reverse

from reviews.models import Application, Decision, Project
from tests.reviews.conftest import (
    assigned,
    declare_and_opine,
    draft,
    meeting_decision,
    submitted,
)
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
        {"outcome": "exempt", "confirm": "1"},
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
    # "exempt" is no outcome of an initial review: refused as the field's invalid choice (the
    # outcome is checked before the reviewers' recommendation since the R24/R49 merge).
    assert response.status_code == 400
    assert response.json()["outcome"][0]["code"] == "invalid_choice"
    assert Decision.objects.filter(application=initial).count() == 0


def test_refused_exemption_keeps_the_review_n10(nhc_world):
    application, assignments = assigned(nhc_world, kind="exemption")
    for assignment in assignments:
        declare_and_opine(assignment, "disapprove", comments="涉及敏感个人信息")
    # R34/N9: negative opinions send the simplified review to a meeting, which decides (R24).
    decision = meeting_decision(
        nhc_world,
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


def test_an_exemption_request_fits_the_minimal_risk_ground_only_r32_n10():
    """R32/N10: an exemption request (no harm, no sensitive data) is simplified on the
    minimal-risk ground; the amendment and tracking grounds do not fit it."""
    from ethics import regulations

    assert regulations.simplified_ground_kind_problems("minimal_risk", "exemption") == []
    for ground in ("minor_modification", "tracking_no_major_change"):
        [problem] = regulations.simplified_ground_kind_problems(ground, "exemption")
        assert (problem.code, problem.rule) == ("simplified_ground_wrong_kind", "R32")


@pytest.mark.parametrize("route", ["page", "api"])
def test_an_exemption_request_is_accepted_on_the_minimal_risk_ground_r32_n10(
    nhc_world, client, api_client, route
):
    application = submitted(nhc_world, kind="exemption")
    wrong = {"procedure": "simplified", "grounds": "tracking_no_major_change"}
    right = {"procedure": "simplified", "grounds": "minimal_risk"}
    if route == "page":
        client.force_login(nhc_world.secretary)
        url = reverse("reviews:application-action", args=[application.pk, "accept"])
        response = client.post(url, wrong)
        assert response.status_code == 409
        assert "R32" in response.content.decode()
        assert client.post(url, right).status_code == 302
    else:
        api_client.force_authenticate(nhc_world.secretary)
        url = f"/api/v1/applications/{application.pk}/accept/"
        response = api_client.post(url, wrong, format="json")
        assert (response.status_code, response.json()["code"]) == (
            409,
            "simplified_ground_wrong_kind",
        )
        assert api_client.post(url, right, format="json").status_code == 200
    assert Application.objects.get(pk=application.pk).status == "under_review"
