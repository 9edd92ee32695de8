"""The re-review expert pool (B11) and the panel check before a re-review opinion (R40), and
which Beijing authority organises the re-review of which field (B12, BJ 二(一))."""

import pytest
from django.urls import reverse
from django.utils import timezone

from ethics import regulations
from ethics.errors import Conflict
from oversight.models_quality import ExpertInterest, RereviewPanel
from oversight.services import quality as services
from reviews.models import ConflictDeclaration, ReReview, ReReviewState
from reviews.services import rereview_record
from tests.factories import UserFactory
from tests.oversight.quality_helpers import outside_experts
from tests.reviews.conftest import listed_preliminary

pytestmark = pytest.mark.django_db


@pytest.fixture
def rereview(world):
    application = listed_preliminary(world, listed_item=6)  # item 6: algorithm models (AI)
    return ReReview.objects.select_related("application").get(application=application)


def _codes(exc):
    return [p["code"] for p in exc.problems]


# --- the rule set: authorities by field (B12) --------------------------------------------------


def test_authorities_by_field_are_rule_set_data_b12():
    rules = regulations.MEAS
    assert regulations.rereview_authorities_for("ai", rules) == ("bj_stc", "bj_economy")
    assert regulations.rereview_authorities_for("medicine", rules) == ("bj_health",)
    assert regulations.rereview_authorities_for("life_science", rules) == ("bj_health",)
    assert regulations.rereview_authorities_for("lab_animals", rules) == ("bj_stc",)
    assert regulations.rereview_authorities_for("agriculture", rules) == ("bj_agriculture",)
    assert regulations.rereview_authorities_for("other", rules) == ()
    assert rules.rereview_authorities.rule == "B12"
    assert not rules.rereview_authorities.unverified
    both = regulations.combined(["meas", "nhc"])
    assert both.rereview_authorities.value == regulations.REREVIEW_AUTHORITIES


def test_annex_items_read_as_fields_b12():
    assert regulations.ANNEX_ITEM_FIELDS[6] == "ai"  # BJ 三(一)
    assert regulations.ANNEX_ITEM_FIELDS[4] == "medicine"  # BJ 三(二)
    assert set(regulations.ANNEX_ITEM_FIELDS) == {i.number for i in regulations.ANNEX_2023.items}


def test_the_panel_page_shows_who_organises_the_re_review_b12(world, client, rereview):
    client.force_login(world.secretary)
    response = client.get(reverse("oversight:rereview-panel", args=[rereview.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-field="ai" data-applies="yes"' in body
    assert "北京市经济和信息化局" in body
    assert "北京市卫生健康委员会" in body
    assert 'data-field="medicine" data-applies' not in body


# --- the panel check (R40) ---------------------------------------------------------------------


def test_four_experts_are_too_few_r40(world, rereview):
    with pytest.raises(Conflict) as refused:
        services.panel_seat(
            rereview_id=rereview.pk, experts=outside_experts(world, 4), actor=world.secretary
        )
    assert refused.value.rule == "R40"
    assert _codes(refused.value) == ["rereview_panel_too_small"]
    assert not RereviewPanel.objects.exists()


def test_five_experts_are_enough_r40(world, rereview):
    panel = services.panel_seat(
        rereview_id=rereview.pk, experts=outside_experts(world, 5), actor=world.secretary
    )
    assert panel.seats.count() == 5


def test_every_problem_of_the_panel_at_once_r40(world, rereview):
    experts = outside_experts(world, 5)
    roster = services.expert_add(
        actor=world.secretary,
        committee=world.committee,
        name="本委员会委员",
        fields_of_work=["ai"],
        user=world.member,
        institution=world.other_committee.institution,
    )
    same_institution = services.expert_add(
        actor=world.secretary,
        committee=world.committee,
        name="本单位专家",
        fields_of_work=["ai"],
        institution=world.institution,
    )
    services.interest_add(
        expert_id=experts[0].pk,
        project=rereview.application.project,
        description="项目合作者",
        actor=world.secretary,
    )
    ConflictDeclaration.objects.create(
        user=experts[1].user, application=rereview.application, source="standing", reason="亲属"
    )
    with pytest.raises(Conflict) as refused:
        services.panel_seat(
            rereview_id=rereview.pk,
            experts=[*experts, roster, same_institution],
            actor=world.secretary,
        )
    codes = _codes(refused.value)
    assert codes.count("rereview_panel_declared_conflict") == 2
    assert "rereview_panel_overlap" in codes
    assert codes.count("rereview_panel_same_institution") == 1
    assert "rereview_panel_too_small" not in codes


def test_an_interest_in_the_institution_is_a_conflict_r40(world, rereview):
    experts = outside_experts(world, 5)
    ExpertInterest.objects.create(
        expert=experts[2], institution=world.institution, description="兼职"
    )
    with pytest.raises(Conflict) as refused:
        services.panel_seat(rereview_id=rereview.pk, experts=experts, actor=world.secretary)
    assert _codes(refused.value) == ["rereview_panel_declared_conflict"]


def test_a_conflicted_officer_does_not_organise_the_panel_r20a(world, rereview):
    from django.core.exceptions import PermissionDenied

    ConflictDeclaration.objects.create(
        user=world.secretary, application=rereview.application, source="standing", reason="x"
    )
    with pytest.raises(PermissionDenied):
        services.panel_seat(
            rereview_id=rereview.pk, experts=outside_experts(world, 5), actor=world.secretary
        )


# --- the check reviews asks before recording the opinion (R40) --------------------------------


def _record(world, rereview, panel_size):
    return rereview_record(
        application_id=rereview.application_id,
        actor=world.secretary,
        opinion="agree",
        received_on=timezone.localdate(),
        panel_size=panel_size,
        authority="北京市科学技术委员会",
    )


def test_an_interest_declared_after_seating_stops_the_opinion_r40(world, rereview):
    experts = outside_experts(world, 5)
    services.panel_seat(rereview_id=rereview.pk, experts=experts, actor=world.secretary)
    ExpertInterest.objects.create(
        expert=experts[4], project=rereview.application.project, description="x"
    )
    with pytest.raises(Conflict) as refused:
        _record(world, rereview, 5)
    assert refused.value.rule == "R40"
    assert _codes(refused.value) == ["rereview_panel_declared_conflict"]
    rereview.refresh_from_db()
    assert rereview.state != ReReviewState.RECEIVED


def test_the_stated_size_must_be_the_panel_seated_r40(world, rereview):
    services.panel_seat(
        rereview_id=rereview.pk, experts=outside_experts(world, 5), actor=world.secretary
    )
    with pytest.raises(Conflict) as refused:
        _record(world, rereview, 6)
    assert _codes(refused.value) == ["rereview_panel_size_differs"]
    assert _record(world, rereview, 5).state == ReReviewState.RECEIVED
    with pytest.raises(Conflict):  # recorded: the panel no longer changes
        services.panel_seat(
            rereview_id=rereview.pk, experts=outside_experts(world, 5), actor=world.secretary
        )


def test_the_api_refuses_the_opinion_with_every_problem_r40(world, api_client, rereview):
    experts = outside_experts(world, 5)
    services.panel_seat(rereview_id=rereview.pk, experts=experts, actor=world.secretary)
    ExpertInterest.objects.create(expert=experts[0], institution=world.institution, description="x")
    api_client.force_authenticate(world.secretary)
    response = api_client.post(
        f"/api/v1/applications/{rereview.application_id}/record_rereview/",
        {
            "opinion": "agree",
            "received_on": timezone.localdate().isoformat(),
            "panel_size": 4,
            "authority": "北京市科学技术委员会",
        },
        format="json",
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["rule"] == "R40"
    codes = [p["code"] for p in body["problems"]]
    assert codes == [
        "rereview_panel_too_small",
        "rereview_panel_declared_conflict",
        "rereview_panel_size_differs",
    ]


def test_seating_through_the_api_and_the_page_is_refused_alike_r40(
    world, api_client, client, rereview
):
    experts = outside_experts(world, 4)
    api_client.force_authenticate(world.secretary)
    response = api_client.post(
        f"/api/v1/rereview-panels/{rereview.pk}/seat/",
        {"experts": [e.pk for e in experts]},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "R40"
    client.force_login(world.secretary)
    page = client.post(
        reverse("oversight:rereview-panel-action", args=[rereview.pk, "seat"]),
        {"experts": [e.pk for e in experts]},
    )
    assert page.status_code == 409
    assert "R40" in page.content.decode()
    experts.append(outside_experts(world, 1, institution=experts[0].institution)[0])
    response = api_client.post(
        f"/api/v1/rereview-panels/{rereview.pk}/seat/",
        {"experts": [e.pk for e in experts]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert sorted(response.json()["experts"]) == sorted(e.pk for e in experts)


# --- the pool ---------------------------------------------------------------------------------


def test_an_expert_is_kept_by_a_committee_or_an_authority_b11(world):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError):
        services.expert_add(actor=world.secretary, name="甲", fields_of_work=["ai"])
    with pytest.raises(ValidationError):
        services.expert_add(
            actor=world.secretary,
            name="甲",
            fields_of_work=["ai"],
            committee=world.committee,
            authority="bj_health",
        )
    with pytest.raises(PermissionDenied):  # an authority's pool: site staff
        services.expert_add(
            actor=world.secretary, name="甲", fields_of_work=["ai"], authority="bj_health"
        )
    staff = UserFactory(is_superuser=True, is_staff=True)
    kept = services.expert_add(
        actor=staff, name="甲", fields_of_work=["medicine"], authority="bj_health"
    )
    assert kept.get_authority_display()
    assert kept.committee is None
    with pytest.raises(ValidationError):
        services.expert_add(
            actor=world.secretary,
            name="乙",
            fields_of_work=["astrology"],
            committee=world.committee,
        )


def test_the_pool_is_no_business_of_researchers(world, client, api_client):
    outside_experts(world, 1)
    client.force_login(world.researcher)
    assert client.get(reverse("oversight:pool-expert-list")).status_code == 404
    api_client.force_authenticate(world.researcher)
    assert api_client.get("/api/v1/pool-experts/").json()["count"] == 0


def test_the_application_page_names_the_fields_authorities_b12(world, client, rereview):
    client.force_login(world.secretary)
    response = client.get(reverse("reviews:application-detail", args=[rereview.application_id]))
    body = response.content.decode()
    assert 'id="rereview-authorities"' in body
    assert "北京市经济和信息化局" in body  # item 6: AI (BJ 二(一))
    client.force_login(world.researcher)
    response = client.get(reverse("reviews:application-detail", args=[rereview.application_id]))
    assert 'id="rereview-authorities"' not in response.content.decode()


def test_the_page_refuses_the_opinion_of_a_conflicted_panel_r40(world, client, rereview):
    experts = outside_experts(world, 5)
    services.panel_seat(rereview_id=rereview.pk, experts=experts, actor=world.secretary)
    ConflictDeclaration.objects.create(
        user=experts[3].user, application=rereview.application, source="standing", reason="同事"
    )
    client.force_login(world.secretary)
    response = client.post(
        reverse("reviews:application-action", args=[rereview.application_id, "record_rereview"]),
        {
            "opinion": "agree",
            "received_on": f"{timezone.localdate():%Y-%m-%d}",
            "panel_size": 5,
            "authority": "北京市科学技术委员会",
            "confirm": "1",
        },
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "R40" in body
    assert experts[3].name in body
    rereview.refresh_from_db()
    assert rereview.state != ReReviewState.RECEIVED
