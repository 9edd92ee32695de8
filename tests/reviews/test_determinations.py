"""The committee's determinations: R37 (annex list at acceptance), R46 (major amendment),
R32 (simplified grounds per kind), R12 (one scope test for pre-screen and submission), R16
(international activities start with partner approvals or a recorded waiver).

Each refusal is tried through the page and the API (the same action table)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ethics.errors import Conflict
from ethics.models import AuditEvent
from reviews import checklist, services
from reviews.models import Application, Project, ReReview
from tests.reviews.conftest import (
    approved_project,
    determine,
    draft,
    final_approval,
    listed_preliminary,
    meeting_decision,
    new_project,
    pdf_upload,
    submitted,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_client):
    def login(user):
        api_client.force_authenticate(user)
        return api_client

    return login


def _page(client, user, application, action, data):
    client.force_login(user)
    return client.post(reverse("reviews:application-action", args=[application.pk, action]), data)


def _api(api, user, application, action, data):
    url = f"/api/v1/applications/{application.pk}/{action}/"
    return api(user).post(url, data, format="json")


def _refused(response, rule, code=None):
    assert response.status_code == 409, response.content[:500]
    body = response.content.decode()
    assert rule in body
    if code and response.get("Content-Type", "").startswith("application/json"):
        assert response.json()["code"] == code


# --- R37: the committee determines the listing at acceptance ------------------------------------


def test_accept_refused_until_the_listing_is_determined_r37(world, client, api):
    application = submitted(world, determined=False)
    _refused(_page(client, world.secretary, application, "accept", {"procedure": "meeting"}), "R37")
    _refused(
        _api(api, world.secretary, application, "accept", {"procedure": "meeting"}),
        "R37",
        "listing_undetermined",
    )
    assert Application.objects.get(pk=application.pk).status == "submitted"
    determine(world, application)
    response = _api(api, world.secretary, application, "accept", {"procedure": "meeting"})
    assert response.status_code == 200
    assert response.json()["status"] == "under_review"


def test_chair_confirms_only_a_proposal_r37(world, client, api):
    application = submitted(world, determined=False)
    _refused(_page(client, world.chair, application, "confirm_listing", {"reasons": "x"}), "R37")
    _refused(
        _api(api, world.chair, application, "confirm_listing", {"reasons": "x"}),
        "R37",
        "listing_not_proposed",
    )


def test_secretary_proposes_chair_confirms_tri_state_r37(world, client, api):
    project = new_project(world, listed_item=6)
    application = submitted(world, project=project, determined=False)
    url = f"/api/v1/projects/{project.pk}/"
    body = api(world.researcher).get(url).json()
    assert (body["listing"], body["listing_item"], body["declared_listed_item"]) == (
        "undetermined",
        None,
        6,
    )
    # The researcher cannot decide; the secretary proposes (page), the chair confirms (API).
    response = _api(api, world.researcher, application, "propose_listing", {"listing": "listed"})
    assert response.status_code == 403
    response = _page(
        client, world.secretary, application, "propose_listing", {"listing": "not_listed"}
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).listing == "undetermined"  # proposed only
    response = _api(api, world.chair, application, "confirm_listing", {"reasons": ""})
    assert response.status_code == 400
    response = _api(api, world.chair, application, "confirm_listing", {"reasons": "不属于清单"})
    assert response.status_code == 200
    body = api(world.researcher).get(url).json()
    assert (body["listing"], body["listing_item"], body["declared_listed_item"]) == (
        "not_listed",
        None,
        6,
    )
    assert body["listing_reasons"] == "不属于清单"
    # Listed, item 4: the API gives the item; the page shows all three.
    _api(api, world.secretary, application, "propose_listing", {"listing": "listed"})
    response = _api(
        api,
        world.secretary,
        application,
        "propose_listing",
        {"listing": "listed", "listed_item": 4},
    )
    assert response.status_code == 200
    _api(api, world.chair, application, "confirm_listing", {"reasons": "脑机接口临床研究"})
    body = api(world.researcher).get(url).json()
    assert (body["listing"], body["listing_item"]) == ("listed", 4)
    client.force_login(world.researcher)
    html = client.get(reverse("reviews:project-detail", args=[project.pk])).content.decode()
    assert 'data-listing="listed"' in html
    assert AuditEvent.objects.filter(action="project.listing_confirm").count() == 2


def test_listed_proposal_needs_an_item_of_the_list_r37(world, api):
    application = submitted(world, determined=False)
    response = _api(api, world.secretary, application, "propose_listing", {"listing": "listed"})
    assert response.status_code == 400
    assert "listed_item" in response.json()
    response = _api(
        api,
        world.secretary,
        application,
        "propose_listing",
        {"listing": "listed", "listed_item": 8},
    )
    assert response.status_code == 400


def test_rereview_follows_the_determination_not_the_declaration_r37(world):
    """Declared item 6 but determined not listed: the approval is final, no re-review (R38)."""
    project = new_project(world, listed_item=6)
    application = submitted(world, project=project, determined=False)
    determine(world, application, listed_item=None)
    services.application_accept(
        application_id=application.pk, procedure="meeting", actor=world.secretary
    )
    decision = meeting_decision(
        world, application_id=application.pk, outcome="approve", actor=world.chair
    )
    assert decision.stage != "preliminary"
    assert not ReReview.objects.filter(application=application).exists()


def test_undeclared_but_determined_listed_goes_to_rereview_r37(world):
    """Declared nothing, determined item 4: the approval is preliminary and re-review runs."""
    project = new_project(world)
    application = submitted(world, project=project, determined=False)
    determine(world, application, listed_item=4)
    services.application_accept(
        application_id=application.pk, procedure="meeting", actor=world.secretary
    )
    decision = meeting_decision(
        world, application_id=application.pk, outcome="approve", actor=world.chair
    )
    assert decision.stage == "preliminary"
    assert ReReview.objects.filter(application=application).exists()


# --- R46: the committee classifies an amendment -------------------------------------------------


def _listed_and_approved(world):
    application = listed_preliminary(world)
    final_approval(world, application)
    return Project.objects.get(pk=application.project_id)


def test_amendment_of_a_listed_activity_is_classified_before_acceptance_r46(world, client, api):
    project = _listed_and_approved(world)
    amendment = submitted(world, kind="amendment", project=project)
    _refused(_page(client, world.secretary, amendment, "accept", {"procedure": "meeting"}), "R46")
    _refused(
        _api(api, world.secretary, amendment, "accept", {"procedure": "meeting"}),
        "R46",
        "amendment_unclassified",
    )
    response = _api(
        api, world.researcher, amendment, "classify_amendment", {"classification": "minor"}
    )
    assert response.status_code == 403
    response = _page(
        client, world.secretary, amendment, "classify_amendment", {"classification": "minor"}
    )
    assert response.status_code == 302
    response = _api(api, world.secretary, amendment, "accept", {"procedure": "meeting"})
    assert response.status_code == 200
    assert response.json()["major_classification"] == "minor"


def test_declared_major_but_classified_minor_needs_no_rereview_r46(world):
    project = _listed_and_approved(world)
    amendment = draft(world, kind="amendment", project=project)
    Application.objects.filter(pk=amendment.pk).update(major_change=True)  # the declaration
    services.application_submit(application_id=amendment.pk, actor=world.researcher)
    services.amendment_classify(application_id=amendment.pk, actor=world.chair, major=False)
    services.application_accept(
        application_id=amendment.pk, procedure="meeting", actor=world.secretary
    )
    decision = meeting_decision(
        world, application_id=amendment.pk, outcome="approve", actor=world.chair
    )
    assert decision.stage != "preliminary"
    assert not ReReview.objects.filter(application=amendment).exists()


def test_major_amendment_of_a_listed_activity_reruns_rereview_r46(world):
    project = _listed_and_approved(world)
    amendment = submitted(world, kind="amendment", project=project)
    with pytest.raises(ValidationError):  # a major classification needs its reasons
        services.amendment_classify(application_id=amendment.pk, actor=world.chair, major=True)
    services.amendment_classify(
        application_id=amendment.pk, actor=world.chair, major=True, reasons="扩大受试人群"
    )
    services.application_accept(
        application_id=amendment.pk, procedure="meeting", actor=world.secretary
    )
    decision = meeting_decision(
        world, application_id=amendment.pk, outcome="approve", actor=world.chair
    )
    assert decision.stage == "preliminary"
    assert ReReview.objects.filter(application=amendment).exists()
    assert Application.objects.get(pk=amendment.pk).status == "awaiting_rereview"


# --- R32: each simplified ground fits its kinds -------------------------------------------------


def test_initial_application_refused_under_the_tracking_ground_r32(world, client, api):
    application = submitted(world)
    data = {"procedure": "simplified", "grounds": "tracking_no_major_change"}
    _refused(_page(client, world.secretary, application, "accept", data), "R32")
    _refused(
        _api(api, world.secretary, application, "accept", data),
        "R32",
        "simplified_ground_wrong_kind",
    )
    data["grounds"] = "minor_modification"
    _refused(_api(api, world.secretary, application, "accept", data), "R32")
    data["grounds"] = "minimal_risk"  # the ground that fits an initial review
    assert _api(api, world.secretary, application, "accept", data).status_code == 200


def test_tracking_ground_fits_a_tracking_report_r32(world, api):
    project = approved_project(world)
    report = submitted(world, kind="tracking", project=project)
    data = {"procedure": "simplified", "grounds": "minimal_risk"}
    _refused(_api(api, world.secretary, report, "accept", data), "R32")
    data["grounds"] = "tracking_no_major_change"
    assert _api(api, world.secretary, report, "accept", data).status_code == 200


def test_minor_modification_ground_needs_the_committee_classification_r32(world, client, api):
    project = approved_project(world)
    amendment = submitted(world, kind="amendment", project=project)
    data = {"procedure": "simplified", "grounds": "minor_modification"}
    # The applicant's declaration (not major) is not enough: unclassified is refused.
    _refused(_page(client, world.secretary, amendment, "accept", data), "R32")
    _refused(
        _api(api, world.secretary, amendment, "accept", data),
        "R32",
        "amendment_not_classified_minor",
    )
    services.amendment_classify(
        application_id=amendment.pk, actor=world.secretary, major=True, reasons="改变风险"
    )
    _refused(_api(api, world.secretary, amendment, "accept", data), "R32")
    services.amendment_classify(application_id=amendment.pk, actor=world.secretary, major=False)
    assert _api(api, world.secretary, amendment, "accept", data).status_code == 200


def test_ground_kind_table_r32():
    from ethics import regulations

    assert regulations.simplified_ground_kind_problems("minimal_risk", "initial") == []
    assert regulations.simplified_ground_kind_problems("tracking_no_major_change", "tracking") == []
    [problem] = regulations.simplified_ground_kind_problems("tracking_no_major_change", "initial")
    assert (problem.code, problem.rule) == ("simplified_ground_wrong_kind", "R32")
    assert regulations.simplified_ground_kind_problems("unknown", "initial")


# --- R12: one scope test for the pre-screen and the submission -----------------------------------


def test_required_by_law_is_in_scope_and_submits_r12(world, client, api):
    """Only Art. 2(4) answered yes: the pre-screen says review is needed and submit agrees."""
    project = new_project(world, scope=[])
    client.force_login(world.researcher)
    client.post(reverse("reviews:project-action", args=[project.pk, "prescreen"]), {"by_law": "on"})
    project.refresh_from_db()
    assert project.review_required is True
    assert project.scope == ["by_law"]
    assert checklist.in_scope(project.scope)
    application = draft(world, project=project)
    response = _api(api, world.researcher, application, "submit", {})
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"


@pytest.mark.parametrize("route", ["page", "api"])
def test_out_of_scope_submission_refused_like_the_prescreen_r12(world, client, api, route):
    """Every answer no: the pre-screen says no review is needed and submission is refused."""
    project = new_project(world, scope=[])
    services.project_prescreen(project_id=project.pk, actor=world.researcher, answers={})
    project.refresh_from_db()
    assert project.review_required is False
    assert not checklist.in_scope(project.scope)
    application = draft(world, project=project)
    if route == "page":
        response = _page(client, world.researcher, application, "submit", {})
    else:
        response = _api(api, world.researcher, application, "submit", {})
    _refused(response, "R12")


@pytest.mark.parametrize(
    "answers",
    [{}, {"humans": True}, {"human_data": True}, {"animals": True}, {"other_risk": True},
     {"by_law": True}],
)  # fmt: skip
def test_prescreen_and_scope_test_never_disagree_r12(answers):
    result = checklist.prescreen(answers)
    assert result.review_required == checklist.in_scope(result.scope)


# --- R16: international activities start with partner approvals ---------------------------------


def _international_approved(world, *, with_approvals=False):
    project = new_project(world, international=True)
    application = draft(world, project=project)
    if with_approvals:
        services.document_upload(
            application_id=application.pk,
            slot="partner_approvals",
            upload=pdf_upload("partner.pdf"),
            actor=world.researcher,
        )
    services.application_submit(application_id=application.pk, actor=world.researcher)
    determine(world, application)
    services.application_accept(
        application_id=application.pk, procedure="meeting", actor=world.secretary
    )
    meeting_decision(world, application_id=application.pk, outcome="approve", actor=world.chair)
    return Project.objects.get(pk=project.pk), application


def test_international_activity_does_not_start_without_partner_approvals_r16(world, client, api):
    project, _application = _international_approved(world)
    assert project.status == "approved"
    client.force_login(world.researcher)
    response = client.post(reverse("reviews:project-action", args=[project.pk, "start"]))
    _refused(response, "R16")
    response = api(world.researcher).post(f"/api/v1/projects/{project.pk}/start/", {}, "json")
    _refused(response, "R16", "partner_approvals_missing")
    assert Project.objects.get(pk=project.pk).status == "approved"


def test_international_activity_starts_with_approvals_on_file_r16(world):
    project, _application = _international_approved(world, with_approvals=True)
    project = services.project_start(project_id=project.pk, actor=world.researcher)
    assert project.status == "active"


def test_international_activity_starts_with_the_committees_waiver_r16(world, client, api):
    project, application = _international_approved(world)
    response = _api(api, world.researcher, application, "waive_partner_approvals", {"reason": "x"})
    assert response.status_code == 403
    response = _api(api, world.secretary, application, "waive_partner_approvals", {"reason": ""})
    assert response.status_code == 400
    response = _page(
        client,
        world.secretary,
        application,
        "waive_partner_approvals",
        {"reason": "合作方国家无此要求"},
    )
    assert response.status_code == 302
    response = api(world.researcher).post(f"/api/v1/projects/{project.pk}/start/", {}, "json")
    assert response.status_code == 200
    assert response.json()["status"] == "active"


def test_domestic_activity_starts_without_partner_approvals_r16(world):
    project = approved_project(world)
    assert services.partner_approvals_problem(project) is None
    with pytest.raises(Conflict) as info:
        services.partner_approvals_waive(
            application_id=project.applications.first().pk, actor=world.secretary, reason="x"
        )
    assert info.value.rule == "R16"


# --- the data migration (reviews 0005): declarations kept, determinations only where acted on ---


def test_migration_keeps_declarations_and_determines_only_past_acceptance_r37(world):
    import importlib

    from django.apps import apps
    from django.utils import timezone

    from tests.factories import ApplicationFactory

    migration = importlib.import_module("reviews.migrations.0005_determ_committee_determinations")
    past = new_project(world, listed_item=6)
    ApplicationFactory(project=past, accepted_at=timezone.now(), status="under_review")
    amendment = ApplicationFactory(
        project=past, kind="amendment", major_change=True, accepted_at=timezone.now()
    )
    waiting = new_project(world, listed_item=3)
    ApplicationFactory(project=waiting, status="submitted")
    never = new_project(world)
    ApplicationFactory(project=never, accepted_at=timezone.now(), status="decided")
    migration.carry_over(apps, None)
    past.refresh_from_db()
    waiting.refresh_from_db()
    never.refresh_from_db()
    amendment.refresh_from_db()
    assert (past.listing, past.listing_item, past.listed_item) == ("listed", 6, 6)
    assert past.listing_reasons == migration.CARRIED_OVER
    assert past.listing_determined_by is None
    assert (waiting.listing, waiting.listing_item, waiting.listed_item) == ("undetermined", None, 3)
    assert (never.listing, never.listing_item) == ("not_listed", None)
    assert (amendment.major_change, amendment.major_classification) == (True, "major")


def test_application_page_offers_the_determinations_to_the_committee_only_r37(world, client):
    application = submitted(world, determined=False)
    url = reverse("reviews:application-detail", args=[application.pk])
    client.force_login(world.secretary)
    html = client.get(url).content.decode()
    assert 'id="action-propose_listing"' in html
    assert 'id="action-confirm_listing"' not in html
    assert 'data-listing="undetermined"' in html
    services.listing_propose(application_id=application.pk, actor=world.secretary, listed=False)
    client.force_login(world.chair)
    html = client.get(url).content.decode()
    assert 'id="action-confirm_listing"' in html
    assert 'id="listing-proposal"' in html
    client.force_login(world.researcher)
    html = client.get(url).content.decode()
    assert 'id="action-propose_listing"' not in html
    assert 'id="action-confirm_listing"' not in html


def test_who_proposed_does_not_confirm_r37(world, api):
    """The chair may propose (a managing role) but then another chair-role person confirms."""
    application = submitted(world, determined=False)
    _api(api, world.chair, application, "propose_listing", {"listing": "not_listed"})
    response = _api(api, world.chair, application, "confirm_listing", {"reasons": "不属于清单"})
    _refused(response, "R37", "listing_same_person")
    assert Project.objects.get(pk=application.project_id).listing == "undetermined"


def test_the_accept_form_offers_only_the_grounds_that_fit_the_kind_r32(world):
    """R32 on the page: the ground select lists only grounds fitting the application's kind."""
    from reviews.forms import AcceptForm

    initial = submitted(world)
    offered = dict(AcceptForm(application=initial).fields["grounds"].widget.choices)
    assert "minimal_risk" in offered
    assert "tracking_no_major_change" not in offered
    assert "minor_modification" not in offered
    # Without an application (the API schema) every ground is listed.
    assert "tracking_no_major_change" in dict(AcceptForm().fields["grounds"].widget.choices)
