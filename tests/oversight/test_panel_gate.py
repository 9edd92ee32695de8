"""R40 is a gate: no expert re-review opinion is recorded (service, page, API) unless a panel seated
from the pool passes the check at that moment; R57: a banned expert is not seated."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ethics.errors import Conflict
from oversight.models_quality import RereviewPanel
from oversight.models_sanctions import Measure, SubjectKind
from oversight.services import quality, sanctions
from reviews.models import ConflictDeclaration, ReReview, ReReviewState
from reviews.services import rereview_record
from tests.factories import MembershipFactory
from tests.oversight.quality_helpers import outside_experts
from tests.reviews.conftest import listed_preliminary, seat_rereview_panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def rereview(world):
    application = listed_preliminary(world, listed_item=6)
    return ReReview.objects.select_related("application").get(application=application)


def _body(panel_size=5):
    return {
        "opinion": "agree",
        "received_on": f"{timezone.localdate():%Y-%m-%d}",
        "panel_size": panel_size,
        "authority": "北京市科学技术委员会",
    }


def _post(channel, world, client, api_client, rereview, panel_size=5):
    """Record the opinion on the page or over the API; (status, text of the answer)."""
    if channel == "page":
        client.force_login(world.secretary)
        response = client.post(
            reverse(
                "reviews:application-action", args=[rereview.application_id, "record_rereview"]
            ),
            {**_body(panel_size), "confirm": "1"},
        )
        return response.status_code, response.content.decode()
    api_client.force_authenticate(world.secretary)
    response = api_client.post(
        f"/api/v1/applications/{rereview.application_id}/record_rereview/",
        _body(panel_size),
        format="json",
    )
    return response.status_code, response.content.decode()


def _received(rereview):
    rereview.refresh_from_db()
    return rereview.state == ReReviewState.RECEIVED


def test_the_service_refuses_an_opinion_without_a_seated_panel_r40(world, rereview):
    with pytest.raises(Conflict) as refused:
        rereview_record(
            application_id=rereview.application_id,
            actor=world.secretary,
            opinion="agree",
            received_on=timezone.localdate(),
            panel_size=4,
            authority="北京市科学技术委员会",
        )
    assert refused.value.rule == "R40"
    codes = [p["code"] for p in refused.value.problems]
    assert codes == ["rereview_panel_too_small", "rereview_panel_not_seated"]  # all at once
    assert not _received(rereview)


@pytest.mark.parametrize("channel", ["page", "api"])
def test_no_seated_panel_no_opinion_r40(world, client, api_client, rereview, channel):
    status, text = _post(channel, world, client, api_client, rereview)
    assert status == 409
    assert "R40" in text
    assert not _received(rereview)
    seat_rereview_panel(rereview.application, world.secretary)
    status, _text = _post(channel, world, client, api_client, rereview)
    assert status in (200, 302), _text
    assert _received(rereview)


@pytest.mark.parametrize("channel", ["page", "api"])
def test_four_experts_cannot_be_seated_five_can_r40(world, client, api_client, rereview, channel):
    experts = outside_experts(world, 5)
    with pytest.raises(Conflict) as refused:
        quality.panel_seat(rereview_id=rereview.pk, experts=experts[:4], actor=world.secretary)
    assert [p["code"] for p in refused.value.problems] == ["rereview_panel_too_small"]
    status, _text = _post(channel, world, client, api_client, rereview, panel_size=4)
    assert status == 409
    assert not _received(rereview)
    quality.panel_seat(rereview_id=rereview.pk, experts=experts, actor=world.secretary)
    status, _text = _post(channel, world, client, api_client, rereview, panel_size=5)
    assert status in (200, 302), _text
    assert _received(rereview)


def _roster(world, rereview, experts):
    MembershipFactory(committee=world.committee, user=experts[0].user)
    return "rereview_panel_overlap"


def _same_institution(world, rereview, experts):
    user = experts[1].user
    user.institution = world.institution
    user.save(update_fields=["institution"])
    return "rereview_panel_same_institution"


def _declared(world, rereview, experts):
    ConflictDeclaration.objects.create(
        user=experts[2].user, application=rereview.application, source="standing", reason="同事"
    )
    return "rereview_panel_declared_conflict"


@pytest.mark.parametrize("channel", ["page", "api"])
@pytest.mark.parametrize(
    "spoil", [_roster, _same_institution, _declared], ids=["roster", "institution", "conflict"]
)
def test_a_panel_spoilt_since_seating_stops_the_opinion_r40(
    world, client, api_client, rereview, channel, spoil
):
    experts = seat_rereview_panel(rereview.application, world.secretary)
    code = spoil(world, rereview, experts)
    status, text = _post(channel, world, client, api_client, rereview)
    assert status == 409
    assert "R40" in text
    if channel == "api":
        import json

        assert [p["code"] for p in json.loads(text)["problems"]] == [code]
    assert not _received(rereview)


@pytest.mark.parametrize(
    "spoil", [_roster, _same_institution, _declared], ids=["roster", "institution", "conflict"]
)
def test_a_spoilt_panel_is_not_seated_r40(world, rereview, spoil):
    experts = outside_experts(world, 5)
    code = spoil(world, rereview, experts)
    with pytest.raises(Conflict) as refused:
        quality.panel_seat(rereview_id=rereview.pk, experts=experts, actor=world.secretary)
    assert refused.value.rule == "R40"
    assert [p["code"] for p in refused.value.problems] == [code]
    assert not RereviewPanel.objects.exists()


# --- R57: a banned expert is not seated ------------------------------------------------------


def _ban(world, person, ends_in):
    today = timezone.localdate()
    return sanctions.sanction_record(
        actor=world.admin,
        subject_kind=SubjectKind.PERSON,
        person=person,
        measure=Measure.BAN,
        grounds="伪造研究数据",
        decided_on=today - dt.timedelta(days=30),
        ban_starts_on=today - dt.timedelta(days=30),
        ban_ends_on=today + dt.timedelta(days=ends_in),
    )


@pytest.mark.parametrize(
    ("ends_in", "refused"), [(-1, False), (0, True)], ids=["ended-yesterday", "ends-today"]
)
def test_a_banned_expert_is_not_seated_r57(world, rereview, ends_in, refused):
    experts = outside_experts(world, 5)
    _ban(world, experts[3].user, ends_in)
    if not refused:
        panel = quality.panel_seat(rereview_id=rereview.pk, experts=experts, actor=world.secretary)
        assert panel.seats.count() == 5
        return
    with pytest.raises(Conflict) as refusal:
        quality.panel_seat(rereview_id=rereview.pk, experts=experts, actor=world.secretary)
    assert refusal.value.rule == "R57"
    assert [p["code"] for p in refusal.value.problems] == ["sanctioned"]
    assert not RereviewPanel.objects.exists()


def test_a_ban_and_an_r40_problem_come_in_one_refusal_r40_r57(world, rereview):
    experts = outside_experts(world, 4)
    _ban(world, experts[0].user, 0)
    with pytest.raises(Conflict) as refusal:
        quality.panel_seat(rereview_id=rereview.pk, experts=experts, actor=world.secretary)
    assert [p["code"] for p in refusal.value.problems] == ["rereview_panel_too_small", "sanctioned"]


@pytest.mark.parametrize("channel", ["page", "api"])
def test_a_banned_expert_is_not_seated_on_the_page_or_api_r57(
    world, client, api_client, rereview, channel
):
    experts = outside_experts(world, 5)
    _ban(world, experts[0].user, 0)
    data = {"experts": [e.pk for e in experts]}
    if channel == "page":
        client.force_login(world.secretary)
        response = client.post(
            reverse("oversight:rereview-panel-action", args=[rereview.pk, "seat"]), data
        )
    else:
        api_client.force_authenticate(world.secretary)
        response = api_client.post(
            f"/api/v1/rereview-panels/{rereview.pk}/seat/", data, format="json"
        )
    assert response.status_code == 409
    assert "R57" in response.content.decode()
    assert not RereviewPanel.objects.exists()


def test_a_ban_since_seating_stops_the_opinion_r57(world, client, api_client, rereview):
    experts = seat_rereview_panel(rereview.application, world.secretary)
    _ban(world, experts[4].user, 0)
    status, text = _post("api", world, client, api_client, rereview)
    assert status == 409
    assert "sanctioned" in text
    assert not _received(rereview)
