"""Gates, not advice: a committee whose composition breaks R4-R6 / N1 cannot schedule or open a
meeting or accept an application for meeting review; the emergency procedure needs the emergency
SOP on file (R47) and a video meeting the video-meeting rules (R21). Each refusal is a 409 with
every problem and its rule ID, on the pages and the API alike."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from committees import gates
from committees.models import CommitteeDocument
from ethics.errors import Conflict
from meetings import services as meeting_services
from meetings.models import Meeting
from reviews.models import Application
from tests.factories import MembershipFactory
from tests.meetings.conftest import schedule
from tests.reviews.conftest import submitted
from tests.world import build_world

pytestmark = pytest.mark.django_db

MEETINGS_API = "/api/v1/meetings/"


def _end(membership):
    """The member's last day in office was yesterday: no longer counted today."""
    membership.ended_on = timezone.localdate() - dt.timedelta(days=1)
    membership.save(update_fields=["ended_on"])


def _rules(problems):
    return [(p["code"], p["rule"]) for p in problems]


def _starts():
    return timezone.localtime(timezone.now() + dt.timedelta(hours=2))


# --- the composition gate at its boundaries (R4, R5, R6, N1) ------------------------------------


def test_seven_members_pass_six_are_refused_r4(world):
    gates.require_composition(world.committee)  # exactly 7: allowed
    _end(world.member_membership)
    with pytest.raises(Conflict) as caught:
        gates.require_composition(world.committee)
    assert caught.value.code == "composition_invalid"
    assert caught.value.rule == "R4"
    assert _rules(caught.value.as_dict()["problems"]) == [("too_few_members", "R4")]


def test_a_seventh_member_lifts_the_r4_gate(world):
    _end(world.member_membership)
    MembershipFactory(committee=world.committee, **world.term)
    gates.require_composition(world.committee)


def test_no_chair_and_two_chairs_are_refused_r5(world):
    chair = world.chair_membership
    chair.role = "member"
    chair.save(update_fields=["role"])
    with pytest.raises(Conflict) as caught:
        gates.require_composition(world.committee)
    assert _rules(caught.value.as_dict()["problems"]) == [("no_chair", "R5")]
    chair.role = "chair"
    chair.save(update_fields=["role"])
    gates.require_composition(world.committee)  # exactly one chair
    world.member_membership.role = "chair"
    world.member_membership.save(update_fields=["role"])
    with pytest.raises(Conflict) as caught:
        gates.require_composition(world.committee)
    assert _rules(caught.value.as_dict()["problems"]) == [("several_chairs", "R5")]


def test_every_r6_problem_is_listed_at_once(world):
    """No ethics/law expert, one gender, nobody from outside the unit: three problems, one 409."""
    for membership in world.members:
        membership.expertise, membership.gender, membership.external = "science", "male", False
        membership.save(update_fields=["expertise", "gender", "external"])
    with pytest.raises(Conflict) as caught:
        gates.require_composition(world.committee)
    assert _rules(caught.value.as_dict()["problems"]) == [
        ("missing_expertise", "R6"),
        ("single_gender", "R6"),
        ("no_external_member", "R6"),
    ]


def test_one_external_member_and_one_woman_are_enough_r6(world):
    """The boundary: exactly one member from outside the unit and one of the other gender."""
    for membership in world.members[1:]:
        membership.gender, membership.external = "male", False
        membership.save(update_fields=["gender", "external"])
    last = world.member_membership
    last.gender, last.external = "female", True
    last.save(update_fields=["gender", "external"])
    gates.require_composition(world.committee)


def test_an_nhc_committee_needs_its_lay_member_n1():
    world = build_world(regimes=("meas", "nhc"))
    gates.require_composition(world.committee)  # the lay member from outside is there
    lay = world.members[3]
    lay.expertise = "science"
    lay.save(update_fields=["expertise"])
    with pytest.raises(Conflict) as caught:
        gates.require_composition(world.committee)
    assert _rules(caught.value.as_dict()["problems"]) == [("missing_expertise", "N1")]


def test_an_nhc_committee_of_six_is_refused_n1_r4():
    world = build_world(regimes=("nhc",))
    gates.require_composition(world.committee)
    _end(world.member_membership)
    with pytest.raises(Conflict) as caught:
        gates.require_composition(world.committee)
    assert _rules(caught.value.as_dict()["problems"]) == [("too_few_members", "N1")]


# --- scheduling and opening a meeting (R4-R6 through page and API) ------------------------------


def test_scheduling_with_six_members_is_refused_on_the_page_r4(client, world):
    _end(world.member_membership)
    client.force_login(world.secretary)
    response = client.post(
        reverse("meetings:meeting-schedule"),
        {"committee": world.committee.pk, "starts_at": f"{_starts():%Y-%m-%dT%H:%M}"},
    )
    assert response.status_code == 409
    assert "R4" in response.content.decode()
    assert not Meeting.objects.exists()


def test_scheduling_with_six_members_is_refused_by_the_api_r4(api_client, world):
    api_client.force_authenticate(world.secretary)
    body = {"committee": world.committee.pk, "starts_at": _starts().isoformat()}
    _end(world.member_membership)
    response = api_client.post(MEETINGS_API, body, format="json")
    assert response.status_code == 409
    assert response.data["code"] == "composition_invalid"
    assert _rules(response.data["problems"]) == [("too_few_members", "R4")]
    MembershipFactory(committee=world.committee, **world.term)  # seven again
    assert api_client.post(MEETINGS_API, body, format="json").status_code == 201


def _open_body(world):
    return {"present": [m.pk for m in world.members], "presiding": world.chair_membership.pk}


def test_opening_with_an_invalid_roster_is_refused_by_the_api_r4_r5(api_client, world):
    """Scheduled while valid; the chair leaves and a member too before the day: no opening."""
    meeting = schedule(world)
    _end(world.member_membership)
    world.chair_membership.role = "member"
    world.chair_membership.save(update_fields=["role"])
    api_client.force_authenticate(world.secretary)
    response = api_client.post(
        f"{MEETINGS_API}{meeting.pk}/open/", _open_body(world), format="json"
    )
    assert response.status_code == 409
    assert response.data["code"] == "composition_invalid"
    assert _rules(response.data["problems"]) == [("too_few_members", "R4"), ("no_chair", "R5")]
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"


def test_opening_with_six_members_is_refused_on_the_page_r4(client, world):
    meeting = schedule(world)
    _end(world.member_membership)
    client.force_login(world.secretary)
    response = client.post(
        reverse("meetings:meeting-action", args=[meeting.pk, "open"]), _open_body(world)
    )
    assert response.status_code == 409
    assert "R4" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"


def test_a_valid_roster_opens(world):
    meeting = schedule(world)
    meeting_services.meeting_open(
        meeting_id=meeting.pk,
        present=[m.pk for m in world.members],
        presiding=world.chair_membership.pk,
        actor=world.secretary,
    )
    meeting.refresh_from_db()
    assert meeting.status == "open"


# --- video meetings (R21) ------------------------------------------------------------------------


def test_a_video_meeting_needs_the_video_rules_page_and_api_r21(client, api_client, world):
    body = {
        "committee": world.committee.pk,
        "starts_at": f"{_starts():%Y-%m-%dT%H:%M}",
        "mode": "video",
        "video_link": "https://meet.example.cn/abc",
    }
    client.force_login(world.secretary)
    response = client.post(reverse("meetings:meeting-schedule"), body)
    assert response.status_code == 409
    assert "R21" in response.content.decode()
    api_client.force_authenticate(world.secretary)
    response = api_client.post(MEETINGS_API, {**body, "starts_at": _starts().isoformat()})
    assert (response.status_code, response.data["rule"]) == (409, "R21")
    CommitteeDocument.objects.create(
        committee=world.committee, kind="video_meeting_rules", version=1
    )
    response = api_client.post(MEETINGS_API, {**body, "starts_at": _starts().isoformat()})
    assert response.status_code == 201


# --- acceptance: meeting review (R4-R6) and the emergency procedure (R47) -----------------------


def _accept_url(application):
    return f"/api/v1/applications/{application.pk}/accept/"


def test_accepting_for_meeting_review_with_six_members_is_refused_api_r4(api_client, world):
    application = submitted(world)
    _end(world.member_membership)
    api_client.force_authenticate(world.secretary)
    response = api_client.post(_accept_url(application), {"procedure": "meeting"}, format="json")
    assert response.status_code == 409
    assert response.data["code"] == "composition_invalid"
    assert _rules(response.data["problems"]) == [("too_few_members", "R4")]
    application.refresh_from_db()
    assert application.status == "submitted"
    # The simplified procedure is not a meeting: it stays possible (R32).
    response = api_client.post(
        _accept_url(application),
        {"procedure": "simplified", "grounds": "minimal_risk"},
        format="json",
    )
    assert response.status_code == 200


def test_accepting_for_meeting_review_with_six_members_is_refused_page_r4(client, world):
    application = submitted(world)
    _end(world.member_membership)
    client.force_login(world.secretary)
    response = client.post(
        reverse("reviews:application-action", args=[application.pk, "accept"]),
        {"procedure": "meeting"},
    )
    assert response.status_code == 409
    assert "R4" in response.content.decode()
    assert Application.objects.get(pk=application.pk).status == "submitted"


def test_emergency_acceptance_needs_the_emergency_sop_api_r47(api_client, world):
    """R47: no emergency acceptance without the emergency-review SOP on file. The committee's
    SOP here lets designated members decide, so the accepted round stays an emergency review
    (without that setting it becomes an emergency meeting at once, R49: tests/reviews/
    test_emergency.py)."""
    world.committee.emergency_member_review = True
    world.committee.save(update_fields=["emergency_member_review"])
    application = submitted(world)
    CommitteeDocument.objects.filter(committee=world.committee, kind="emergency_sop").delete()
    api_client.force_authenticate(world.secretary)
    body = {"procedure": "emergency", "grounds": "突发公共卫生事件"}
    response = api_client.post(_accept_url(application), body, format="json")
    assert response.status_code == 409
    assert response.data["code"] == "documents_missing"
    assert response.data["rule"] == "R47"
    assert response.data["problems"][0]["document"] == "emergency_sop"
    CommitteeDocument.objects.create(committee=world.committee, kind="emergency_sop", version=1)
    response = api_client.post(_accept_url(application), body, format="json")
    assert response.status_code == 200
    assert response.data["procedure"] == "emergency"
    assert application.reviews.get().procedure == "emergency"


def test_emergency_acceptance_needs_the_emergency_sop_page_r47(client, world):
    application = submitted(world)
    CommitteeDocument.objects.filter(committee=world.committee, kind="emergency_sop").delete()
    client.force_login(world.secretary)
    response = client.post(
        reverse("reviews:application-action", args=[application.pk, "accept"]),
        {"procedure": "emergency", "grounds": "突发公共卫生事件"},
    )
    assert response.status_code == 409
    assert "R47" in response.content.decode()
    assert Application.objects.get(pk=application.pk).status == "submitted"


def test_opening_a_video_meeting_needs_the_video_rules_api_and_page_r21(api_client, client, world):
    """The rules were withdrawn after scheduling: the meeting cannot open by video."""
    rules = CommitteeDocument.objects.create(
        committee=world.committee, kind="video_meeting_rules", version=1
    )
    meeting = schedule(world, mode="video", video_link="https://meet.example.cn/abc")
    rules.delete()
    api_client.force_authenticate(world.secretary)
    response = api_client.post(
        f"{MEETINGS_API}{meeting.pk}/open/", _open_body(world), format="json"
    )
    assert (response.status_code, response.data["rule"]) == (409, "R21")
    client.force_login(world.secretary)
    response = client.post(
        reverse("meetings:meeting-action", args=[meeting.pk, "open"]), _open_body(world)
    )
    assert response.status_code == 409
    assert "R21" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"
