"""One action path: the page and the API post the same fields to the same table entry, and a
refusal reads the same on both (reviews/actions.py)."""

import pytest
from django.urls import reverse

from reviews import services
from reviews.actions import APPLICATIONS, PROJECTS, roles
from reviews.models import Application, Decision, Recognition
from tests.factories import CommitteeFactory, MembershipFactory
from tests.reviews.conftest import (
    approved_project,
    assigned,
    draft,
    meeting_accepted,
    new_project,
    pdf_upload,
    submitted,
)

pytestmark = pytest.mark.django_db


def test_recognition_on_both_routes(world, client, api_client):
    other = CommitteeFactory(name="协作单位伦理委员会")
    secretary = MembershipFactory(committee=other, role="secretary", **world.term).user
    project = approved_project(world)
    decision = services.letter_render(decision_id=Decision.objects.get().pk)
    services.project_set_participants(
        project_id=project.pk, institution_ids=[other.institution_id], actor=world.researcher
    )
    body = {
        "committee": other.pk,
        "decision_number": decision.number,
        "verification_hash": "0" * 64,
    }
    client.force_login(secretary)
    page = reverse("reviews:recognition-create")
    response = client.post(page, body)
    assert response.status_code == 400  # the service's field error, on the field
    assert "verification_hash" in response.context["form"].errors
    api_client.force_authenticate(secretary)
    response = api_client.post("/api/v1/recognitions/", body, format="json")
    assert response.status_code == 400
    assert response.json()["verification_hash"][0]["code"] == "invalid"
    body["verification_hash"] = decision.letter_hash
    response = api_client.post("/api/v1/recognitions/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["source_decision"] == decision.pk
    response = client.post(page, body)
    assert response.status_code == 409  # already recognised, said on the page
    assert Recognition.objects.count() == 1


def test_project_update_changes_only_what_is_sent(world, api_client, client):
    project = new_project(world, title="原标题", scope=["animals"])
    project.team.add(world.colleague)
    api_client.force_authenticate(world.researcher)
    url = f"/api/v1/projects/{project.pk}/"
    response = api_client.patch(url, {"title": "新标题"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "新标题"
    assert response.json()["scope"] == ["animals"]
    assert response.json()["team"] == [world.colleague.pk]
    response = api_client.patch(url, {"team": [], "international": True}, format="json")
    assert response.json()["team"] == []
    assert response.json()["international"] is True
    assert response.json()["title"] == "新标题"
    assert api_client.patch(url, {"title": " "}, format="json").status_code == 400
    api_client.force_authenticate(world.colleague)
    assert api_client.patch(url, {"title": "x"}, format="json").status_code == 404
    project.team.add(world.colleague)
    assert api_client.patch(url, {"title": "x"}, format="json").status_code == 403


def test_prescreen_answers_are_the_questions_with_booleans(world, api_client, client):
    project = new_project(world, scope=[])
    api_client.force_authenticate(world.researcher)
    url = f"/api/v1/projects/{project.pk}/prescreen/"
    for answers in ({"human": True}, {"humans": "yes"}, {"humans": 1}, ["humans"]):
        response = api_client.post(url, {"answers": answers}, format="json")
        assert response.status_code == 400, answers
        assert "answers" in response.json()
    response = api_client.post(url, {"answers": {"humans": True}}, format="json")
    assert response.json()["scope"] == ["human_participants"]
    client.force_login(world.researcher)
    page = reverse("reviews:project-action", args=[project.pk, "prescreen"])
    assert client.post(page, {"animals": "on"}).status_code == 302
    project.refresh_from_db()
    assert project.scope == ["animals"]


def test_participants_need_the_list(world, api_client):
    project = approved_project(world)
    other = CommitteeFactory()
    api_client.force_authenticate(world.researcher)
    url = f"/api/v1/projects/{project.pk}/participants/"
    assert api_client.post(url, {}, format="json").status_code == 400
    response = api_client.post(
        url, {"participating_institutions": [other.institution_id]}, format="json"
    )
    assert response.json()["participating_institutions"] == [other.institution_id]
    response = api_client.post(url, {"participating_institutions": []}, format="json")
    assert response.json()["participating_institutions"] == []


def test_an_application_started_on_the_page_opens_its_page(world, client):
    project = new_project(world)
    client.force_login(world.researcher)
    response = client.post(
        reverse("reviews:application-create"), {"project": project.pk, "kind": "initial"}
    )
    application = Application.objects.get()
    assert response["Location"] == reverse("reviews:application-detail", args=[application.pk])
    response = client.post(
        reverse("reviews:application-create"),
        {"project": project.pk, "kind": "appeal", "next": "/reviews/"},
    )
    assert response.status_code == 409
    assert b"R27" in response.content


def test_a_refused_page_action_keeps_the_input_and_says_why(world, client):
    application = submitted(world)
    client.force_login(world.secretary)
    url = reverse("reviews:application-action", args=[application.pk, "accept"])
    response = client.post(url, {"procedure": "simplified", "grounds": "x", "basis": "保留的文字"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "R32" in html
    assert "保留的文字" in html
    response = client.post(url, {"procedure": "nonsense"})
    assert response.status_code == 400
    assert 'id="action-refused"' in response.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"


def test_documents_on_both_routes(world, client, api_client):
    application = draft(world, complete=False)
    client.force_login(world.researcher)
    page = reverse("reviews:application-action", args=[application.pk, "upload"])
    response = client.post(page, {"slot": "overview", "file": pdf_upload()})
    assert response.status_code == 302
    response = client.post(page, {"slot": "appeal", "file": pdf_upload()})
    assert response.status_code == 400  # not a slot of an initial application's checklist
    api_client.force_authenticate(world.researcher)
    url = f"/api/v1/applications/{application.pk}/documents/"
    response = api_client.post(url, {"slot": "plan", "file": pdf_upload()}, format="multipart")
    assert response.status_code == 201
    versions = api_client.get(url).json()["results"]  # a list: paginated (api.md)
    assert {v["slot"] for v in versions} == {"overview", "plan"}


def test_a_correction_is_requested_on_both_routes(world, client, api_client):
    application = submitted(world)
    api_client.force_authenticate(world.secretary)
    url = f"/api/v1/applications/{application.pk}/request_correction/"
    response = api_client.post(url, {"slot": "plan", "note": "缺签字"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    api_client.force_authenticate(world.researcher)
    assert api_client.post(url, {"slot": "plan", "note": "x"}, format="json").status_code == 403
    client.force_login(world.secretary)
    page = reverse("reviews:application-action", args=[application.pk, "request_correction"])
    assert client.post(page, {"slot": "coi", "note": "补充"}).status_code == 302
    assert set(
        application.documents.filter(correction_requested=True).values_list("slot", flat=True)
    ) == {"plan", "coi"}


def test_the_page_offers_what_the_table_allows(world, client):
    """Buttons come from the table: the researcher submits and withdraws; the secretary has
    the intake actions; a meeting review is not decided on the application page."""
    application = submitted(world)
    url = reverse("reviews:application-detail", args=[application.pk])
    client.force_login(world.secretary)
    html = client.get(url).content.decode()
    for name in ("return", "not_accept", "accept", "request_correction"):
        assert f'action="/reviews/applications/{application.pk}/do/{name}/"' in html, name
    assert "/do/withdraw/" not in html
    client.force_login(world.researcher)
    html = client.get(url).content.decode()
    assert "/do/withdraw/" in html
    assert "/do/accept/" not in html
    application = meeting_accepted(world)
    client.force_login(world.chair)
    html = client.get(reverse("reviews:application-detail", args=[application.pk])).content
    assert b"/do/decide/" not in html
    assert b"/do/extend/" in html


def test_simplified_reviewers_are_the_chairs_to_designate(world, client):
    """R33: the secretary is not offered, and may not take, the assignment."""
    application, _assignments = assigned(world)
    assert "assign" not in {a.name for a in APPLICATIONS.available(world.secretary, application)}
    assert "assign" in {a.name for a in APPLICATIONS.available(world.chair, application)}
    client.force_login(world.secretary)
    url = reverse("reviews:application-action", args=[application.pk, "assign"])
    response = client.post(url, {"reviewers": [world.members[4].pk]})
    assert response.status_code == 403


def test_roles_are_read_once_per_page(world, django_assert_num_queries):
    from reviews import selectors

    application, (a1, _a2) = assigned(world)
    reviewer = a1.membership.user
    page = selectors.application_page_for_user(reviewer, application.pk)
    with django_assert_num_queries(1):  # the committee roles; the rest came with the page
        assert roles(reviewer, page) == {"reviewer"}
        assert roles(reviewer, page) == {"reviewer"}
    with django_assert_num_queries(2):  # someone else: committee roles, assignment (a lead
        assert roles(world.researcher, page) == {"applicant"}  # needs no team row)
    with django_assert_num_queries(3):
        assert roles(world.colleague, page) == {"applicant"}
    assert {a.name for a in PROJECTS.available(world.researcher, application.project)} == {
        "prescreen"
    }
