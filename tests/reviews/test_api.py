"""The reviews API of api.md: shapes, error codes, permissions and query counts."""

import pytest

from reviews import checklist, services
from reviews.models import Decision
from tests.reviews.conftest import (
    accepted,
    assigned,
    declare_and_opine,
    draft,
    meeting_decision,
    new_project,
    pdf_upload,
    submitted,
)

pytestmark = pytest.mark.django_db

APPLICATION_FIELDS = {
    "id",
    "ref",
    "project",
    "kind",
    "status",
    "procedure",
    "accepted_at",
    "due_at",
    "missing_items",
    "decision",
    "major_change",
    "major_classification",
    "major_classification_reasons",
    "team_change",  # R20a: an amendment's proposed team change
}
DECISION_FIELDS = {
    "id",
    "application",
    "outcome",
    "decided_at",
    "number",
    "conditions",
    "reasons",
    "tally",
    "next_tracking_due",
    "letter",
    "stage",
    "follows",
    "letter_hash",
}


@pytest.fixture
def as_user(api_client):
    def login(user):
        api_client.force_authenticate(user)
        return api_client

    return login


def test_researcher_creates_a_project_and_an_application(world, as_user):
    client = as_user(world.researcher)
    response = client.post(
        "/api/v1/projects/",
        {
            "title": "基于电子病历的糖尿病风险预测",
            "committee": world.committee.pk,
            "scope": ["human_data_samples"],
            "team": [world.colleague.pk],
            "listed_item": None,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "planned"
    assert body["lead"] == world.researcher.pk
    assert body["institution"] == world.institution.pk
    response = client.post(
        "/api/v1/applications/", {"project": body["id"], "kind": "initial"}, format="json"
    )
    assert response.status_code == 201
    assert set(response.json()) == APPLICATION_FIELDS
    assert response.json()["status"] == "draft"
    assert response.json()["procedure"] is None


def test_project_on_a_foreign_committee_is_409_r17(world, as_user):
    """A committee the researcher sees (a member of it) but that may not review their project."""
    from tests.factories import CommitteeFactory, MembershipFactory

    foreign = CommitteeFactory()
    MembershipFactory(committee=foreign, user=world.researcher, **world.term)
    response = as_user(world.researcher).post(
        "/api/v1/projects/", {"title": "x", "committee": foreign.pk}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "R17"


def test_project_on_a_committee_the_researcher_may_not_see_is_an_unknown_choice(world, as_user):
    """Not visible answers as does not exist: 400 invalid_choice, no R17 that tells it exists."""
    from tests.factories import CommitteeFactory

    response = as_user(world.researcher).post(
        "/api/v1/projects/", {"title": "x", "committee": CommitteeFactory().pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["committee"][0]["code"] == "invalid_choice"


def test_invalid_listed_item_is_400_with_field_code(world, as_user):
    response = as_user(world.researcher).post(
        "/api/v1/projects/",
        {"title": "x", "committee": world.committee.pk, "listed_item": 9},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["listed_item"][0]["code"] == "invalid_choice"


def test_prescreen_endpoint(world, as_user):
    project = new_project(world, scope=[])
    response = as_user(world.researcher).post(
        f"/api/v1/projects/{project.pk}/prescreen/", {"answers": {"animals": True}}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["scope"] == ["animals"]
    assert response.json()["review_required"] is True


def test_upload_and_incomplete_submit(world, as_user):
    application = draft(world, complete=False)
    client = as_user(world.researcher)
    response = client.post(
        f"/api/v1/applications/{application.pk}/documents/",
        {"slot": "overview", "file": pdf_upload()},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["version"] == 1
    assert len(response.json()["sha256"]) == 64
    response = client.post(
        f"/api/v1/applications/{application.pk}/documents/",
        {"slot": "overview", "file": pdf_upload("x.exe", b"MZ\x90\x00")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["file"][0]["code"] == "unsupported_type"
    response = client.post(f"/api/v1/applications/{application.pk}/submit/")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "checklist_incomplete"
    assert body["rule"] == "R13"
    assert {p["slot"] for p in body["problems"]} >= {"plan", "funding", "coi", "undertaking"}


def test_return_then_accept_with_bad_grounds(world, as_user):
    application = submitted(world)
    client = as_user(world.secretary)
    response = client.post(
        f"/api/v1/applications/{application.pk}/return/",
        {"missing": ["funding", "coi"]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    assert response.json()["missing_items"] == ["funding", "coi"]
    response = client.post(
        f"/api/v1/applications/{application.pk}/accept/", {"procedure": "meeting"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"


def test_accept_simplified_needs_r32_ground(world, as_user):
    application = submitted(world)
    client = as_user(world.secretary)
    response = client.post(
        f"/api/v1/applications/{application.pk}/accept/",
        {"procedure": "simplified", "grounds": "x"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "R32"
    response = client.post(
        f"/api/v1/applications/{application.pk}/accept/",
        {"procedure": "simplified", "grounds": "minimal_risk"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "under_review"
    assert body["procedure"] == "simplified"
    assert body["accepted_at"]
    assert body["due_at"]


def test_full_simplified_flow_over_the_api(world, as_user, api_client):
    application = accepted(world)
    client = as_user(world.chair)
    response = client.post(
        f"/api/v1/applications/{application.pk}/assign/",
        {"reviewers": [world.members[2].pk]},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "R33"
    response = client.post(
        f"/api/v1/applications/{application.pk}/assign/",
        {"reviewers": [m.pk for m in world.members[2:4]]},
        format="json",
    )
    assert response.status_code == 200
    sheet = dict.fromkeys((c.key for c in checklist.criteria_for(application.project.scope)), "met")
    for member in world.members[2:4]:
        reviewer = as_user(member.user)
        response = reviewer.post(
            f"/api/v1/applications/{application.pk}/opinion/",
            {"verdict": "approve", "worksheet": sheet},
            format="json",
        )
        assert response.status_code == 409
        assert response.json()["code"] == "coi_not_declared"
        assert (
            reviewer.post(
                f"/api/v1/applications/{application.pk}/declare/",
                {"conflicted": False},
                format="json",
            ).status_code
            == 200
        )
        response = reviewer.post(
            f"/api/v1/applications/{application.pk}/opinion/",
            {"verdict": "approve", "comments": "同意", "worksheet": sheet},
            format="json",
        )
        assert response.status_code == 200
    client = as_user(world.chair)
    response = client.post(
        f"/api/v1/applications/{application.pk}/decide/", {"outcome": "approve"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert set(response.json()) == DECISION_FIELDS
    services.letter_render(decision_id=response.json()["id"])
    researcher = as_user(world.researcher)
    response = researcher.get(f"/api/v1/decisions/?application={application.pk}")
    assert response.status_code == 200
    (decision,) = response.json()["results"]
    assert decision["outcome"] == "approve"
    assert "tally" not in decision  # researchers never see a tally (design, Permissions; R8)
    assert decision["letter"].endswith(f"/api/v1/decisions/{decision['id']}/letter/")
    letter = researcher.get(decision["letter"])
    assert letter.status_code == 200
    assert b"".join(letter.streaming_content).startswith(b"%PDF")
    assert (
        researcher.get(f"/api/v1/applications/{application.pk}/").json()["decision"]
        == decision["id"]
    )


def test_decide_without_conditions_is_400(world, as_user):
    application, (a1, a2) = assigned(world)
    declare_and_opine(a1, "approve_with_modifications")
    declare_and_opine(a2, "approve_with_modifications")
    response = as_user(world.chair).post(
        f"/api/v1/applications/{application.pk}/decide/",
        {"outcome": "approve_with_modifications"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["conditions"][0]["code"] == "conditions_required"


def test_extend_needs_reason(world, as_user):
    application = accepted(world)
    response = as_user(world.secretary).post(
        f"/api/v1/applications/{application.pk}/extend/",
        {"due_at": "2030-01-01T00:00:00+08:00", "reason": ""},
        format="json",
    )
    assert response.status_code == 400
    assert "reason" in response.json()


@pytest.mark.parametrize("who", ["outsider", "stranger"])
def test_outsiders_get_404(world, as_user, who):
    application = accepted(world)
    client = as_user(world.user(who))
    assert client.get(f"/api/v1/applications/{application.pk}/").status_code == 404
    assert client.post(f"/api/v1/applications/{application.pk}/withdraw/").status_code == 404
    assert client.get(f"/api/v1/projects/{application.project_id}/").status_code == 404
    assert client.get("/api/v1/applications/").json()["count"] == 0


def test_committee_does_not_see_drafts(world, as_user):
    application = draft(world)
    assert (
        as_user(world.secretary).get(f"/api/v1/applications/{application.pk}/").status_code == 404
    )


def test_visible_but_not_permitted_is_403(world, as_user):
    application = submitted(world)
    response = as_user(world.researcher).post(
        f"/api/v1/applications/{application.pk}/accept/", {"procedure": "meeting"}, format="json"
    )
    assert response.status_code == 403


def test_researcher_never_sees_reviewers_or_opinions(world, as_user):
    application, (a1, a2) = assigned(world)
    declare_and_opine(a1, "approve", comments="秘密意见一")
    declare_and_opine(a2, "approve", comments="秘密意见二")
    services.application_decide(application_id=application.pk, outcome="approve", actor=world.chair)
    client = as_user(world.researcher)
    blobs = [
        client.get(f"/api/v1/applications/{application.pk}/").content,
        client.get(f"/api/v1/decisions/?application={application.pk}").content,
    ]
    names = [m.user.display_name for m in world.members[2:4]]
    for blob in blobs:
        text = blob.decode()
        assert "秘密意见" not in text
        for name in names:
            assert name not in text
        for member in world.members[2:4]:
            assert f'"membership": {member.pk}' not in text


def test_document_download_is_audited_and_closed_to_unconflicted_reviewers(world, as_user):
    from ethics.models import AuditEvent
    from reviews.models import DocumentVersion

    application, (a1, _a2) = assigned(world)
    version = DocumentVersion.objects.filter(document__application=application).first()
    url = f"/api/v1/document-versions/{version.pk}/download/"
    assert as_user(a1.membership.user).get(url).status_code == 404  # before the declaration
    services.assignment_declare(assignment_id=a1.pk, conflicted=False, actor=a1.membership.user)
    response = as_user(a1.membership.user).get(url)
    assert response.status_code == 200
    assert (
        AuditEvent.objects.filter(action="document.download", actor=a1.membership.user).count() == 1
    )
    assert as_user(world.outsider).get(url).status_code == 404


def test_list_query_counts_are_constant(world, as_user, django_assert_max_num_queries):
    for _ in range(3):
        accepted(world, procedure="meeting", grounds="")
    client = as_user(world.secretary)
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/applications/").json()["count"] == 3
    for _ in range(3):
        application = accepted(world, procedure="meeting", grounds="")
        meeting_decision(world, application_id=application.pk, outcome="approve", actor=world.chair)
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/applications/").json()["count"] == 6
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/decisions/").json()["count"] == 3
    with django_assert_max_num_queries(10):
        assert as_user(world.researcher).get("/api/v1/projects/").json()["count"] == 6
    assert Decision.objects.count() == 3


def test_opinion_worksheet_accepts_only_the_scope_criteria_r22(world, as_user):
    application = accepted(world)
    client = as_user(world.chair)
    client.post(
        f"/api/v1/applications/{application.pk}/assign/",
        {"reviewers": [m.pk for m in world.members[2:4]]},
        format="json",
    )
    reviewer = as_user(world.members[2].user)
    url = f"/api/v1/applications/{application.pk}"
    reviewer.post(f"{url}/declare/", {"conflicted": False}, format="json")
    scope_keys = [c.key for c in checklist.criteria_for(application.project.scope)]
    bad_key = reviewer.post(
        f"{url}/opinion/",
        {
            "verdict": "approve",
            "worksheet": {**dict.fromkeys(scope_keys, "met"), "no_such_criterion": "met"},
        },
        format="json",
    )
    assert bad_key.status_code == 400
    assert bad_key.json()["worksheet"][0]["code"] == "unknown_criterion"
    bad_answer = reviewer.post(
        f"{url}/opinion/",
        {
            "verdict": "approve",
            "worksheet": {**dict.fromkeys(scope_keys, "met"), scope_keys[0]: "maybe"},
        },
        format="json",
    )
    assert bad_answer.status_code == 400
    assert bad_answer.json()["worksheet"][0]["code"] == "invalid_choice"
    ok = reviewer.post(
        f"{url}/opinion/",
        {"verdict": "approve", "worksheet": dict.fromkeys(scope_keys, "met")},
        format="json",
    )
    assert ok.status_code == 200, ok.content
