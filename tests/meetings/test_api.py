"""The meetings API as api.md specifies it: shapes, errors, 404 for outsiders, no leaks."""

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Meeting
from reviews.models import Decision
from tests.meetings.conftest import application, opened, schedule, today_later, vote_all
from tests.world import build_world

pytestmark = pytest.mark.django_db

BASE = "/api/v1/meetings/"


def client_for(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_schedule_add_open_vote_conclude_close(world, api_client, monkeypatch):
    from ethics import pdf

    monkeypatch.setattr(pdf, "render", lambda template, context, **kw: b"%PDF-1.4 minutes")
    api = client_for(api_client, world.secretary)
    starts = today_later().isoformat()
    created = api.post(BASE, {"committee": world.committee.pk, "starts_at": starts}, format="json")
    assert created.status_code == 201, created.data
    meeting = created.data
    assert {"id", "committee", "starts_at", "mode", "status", "presiding", "items"} <= set(meeting)
    assert meeting["status"] == "scheduled"
    assert meeting["mode"] == "in_person"
    app = application(world)
    url = f"{BASE}{meeting['id']}/"
    item = api.post(f"{url}items/", {"application": app.pk}, format="json")
    assert item.status_code == 201
    item_url = f"{url}items/{item.data['id']}/"
    no_quorum = api.post(
        f"{url}open/",
        {"present": [m.pk for m in world.members[:4]], "presiding": world.chair_membership.pk},
        format="json",
    )
    assert no_quorum.status_code == 409
    assert no_quorum.data["code"] == "no_quorum"
    assert no_quorum.data["rule"] == "R19"
    assert no_quorum.data["problems"][0]["code"] == "too_few_present"
    opened_ = api.post(
        f"{url}open/",
        {"present": [m.pk for m in world.members], "presiding": world.chair_membership.pk},
        format="json",
    )
    assert opened_.status_code == 200
    assert opened_.data["status"] == "open"
    assert opened_.data["presiding"] == world.chair_membership.pk
    recusal = api.post(
        f"{item_url}recusals/", {"member": world.members[6].pk, "reason": "合作者"}, format="json"
    )
    assert recusal.status_code == 201
    for membership in world.members[:6]:
        vote = api.post(
            f"{item_url}votes/",
            {"member": membership.pk, "choice": "approve_with_modifications"},
            format="json",
        )
        assert vote.status_code == 201, vote.data
    missing = api.post(f"{item_url}conclude/", {"confirm": True}, format="json")
    assert missing.status_code == 400
    assert missing.data["conditions"][0]["code"] == "conditions_required"
    assert not Decision.objects.exists()
    concluded = api.post(
        f"{item_url}conclude/", {"conditions": "补充风险预案", "confirm": True}, format="json"
    )
    assert concluded.status_code == 200
    assert concluded.data["outcome"] == "approve_with_modifications"
    assert concluded.data["deferred"] is False
    tally = concluded.data["tally"]
    assert tally["counts"]["approve_with_modifications"] == 6
    assert (tally["present"], tally["recused"], tally["threshold"]) == (6, 1, 4)
    again = api.post(f"{item_url}conclude/", {"conditions": "x", "confirm": True}, format="json")
    assert again.data == concluded.data
    assert Decision.objects.count() == 1
    assert api.get(f"{url}minutes.pdf").status_code == 409  # not closed yet
    closed = api.post(f"{url}close/")
    assert closed.status_code == 200
    assert closed.data["status"] == "closed"
    not_ready = api.get(f"{BASE}{meeting['id']}/minutes.pdf")
    assert not_ready.status_code == 409
    services.minutes_render(minutes_id=Meeting.objects.get().minutes.get().pk)
    download = api.get(f"{BASE}{meeting['id']}/minutes.pdf")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"


def test_a_member_votes_for_themself_omitting_member(world, api_client):
    _meeting, [item] = opened(world)
    member = world.members[3]
    api = client_for(api_client, member.user)
    url = f"{BASE}{item.meeting_id}/items/{item.pk}/"
    refused = api.post(f"{url}votes/", {"choice": "approve"}, format="json")
    assert refused.status_code == 409
    assert refused.data["code"] == "declaration_required"
    assert api.post(f"{url}declaration/", {"conflicted": False}, format="json").status_code == 200
    vote = api.post(f"{url}votes/", {"choice": "approve"}, format="json")
    assert vote.status_code == 201
    assert vote.data == {"item": item.pk, "member": member.pk, "choice": "approve"}
    other = api.post(
        f"{url}votes/", {"choice": "approve", "member": world.members[4].pk}, format="json"
    )
    assert other.status_code == 403


def test_invalid_choice_is_400_with_a_code(world, api_client):
    _meeting, [item] = opened(world)
    api = client_for(api_client, world.secretary)
    response = api.post(
        f"{BASE}{item.meeting_id}/items/{item.pk}/votes/",
        {"member": world.chair_membership.pk, "choice": "continue"},
        format="json",
    )
    assert response.status_code == 400
    assert response.data["choice"][0]["code"] == "invalid_choice"


def test_video_without_rules_is_409_r21(world, api_client):
    api = client_for(api_client, world.secretary)
    response = api.post(
        BASE,
        {
            "committee": world.committee.pk,
            "starts_at": timezone.now().isoformat(),
            "mode": "video",
            "video_link": "https://meet.example.test/a",
        },
        format="json",
    )
    assert response.status_code == 409
    assert response.data["rule"] == "R21"


def _endpoints(meeting, item):
    url = f"{BASE}{meeting.pk}/"
    item_url = f"{url}items/{item.pk}/"
    return [
        ("get", url, None),
        ("post", f"{url}items/", {"application": item.application_id}),
        ("post", f"{url}open/", {"present": [1], "presiding": 1}),
        ("post", f"{item_url}recusals/", {"member": 1, "reason": "x"}),
        ("post", f"{item_url}votes/", {"choice": "approve"}),
        ("post", f"{item_url}conclude/", {}),
        ("post", f"{url}close/", None),
        ("get", f"{url}minutes.pdf", None),
    ]


@pytest.mark.parametrize("who", ["outsider", "researcher", "stranger"])
def test_outsiders_and_researchers_get_404_everywhere(world, api_client, who):
    meeting, [item] = opened(world)
    api = client_for(api_client, world.user(who))
    assert api.get(BASE).data["count"] == 0
    for method, url, data in _endpoints(meeting, item):
        response = getattr(api, method)(url, data, format="json")
        assert response.status_code == 404, (method, url, response.status_code)


def test_a_member_cannot_run_the_meeting_403(world, api_client):
    meeting = schedule(world)
    api = client_for(api_client, world.members[3].user)
    response = api.post(
        f"{BASE}{meeting.pk}/items/", {"application": application(world).pk}, format="json"
    )
    assert response.status_code == 403


def test_who_sees_tallies_and_votes(world, api_client):
    meeting, [item] = opened(world)
    conflicted = world.members[5]
    services.member_declare(item_id=item.pk, actor=conflicted.user, conflicted=True, note="x")
    vote_all(world, item, ["approve"] * 5)
    url = f"{BASE}{meeting.pk}/"

    officer = client_for(api_client, world.secretary).get(url).data["items"][0]
    assert officer["tally"]["counts"]["approve"] == 5
    assert len(officer["votes"]) == 5

    member = client_for(api_client, world.members[3].user).get(url).data["items"][0]
    assert member["tally"]["counts"]["approve"] == 5
    assert member["votes"] is None  # individual positions are for officers only

    hidden = client_for(api_client, conflicted.user).get(url).data["items"][0]
    assert hidden["tally"] is None
    assert hidden["votes"] is None


def test_an_applicant_member_never_sees_the_tally_r20a(api_client):
    world = build_world()
    meeting, _items = opened(world)
    member = world.members[4]
    from tests.factories import under_meeting_review

    own = under_meeting_review(world.committee, lead=member.user)
    services.agenda_add(meeting_id=meeting.pk, application_id=own.pk, actor=world.secretary)
    items = client_for(api_client, member.user).get(f"{BASE}{meeting.pk}/").data["items"]
    mine = next(i for i in items if i["application"] == own.pk)
    assert mine["tally"] is None


def test_schema_describes_the_meeting_operations(api_client, world):
    api = client_for(api_client, world.secretary)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/meetings/{id}/items/{item_id}/votes/" in text
    assert "/api/v1/meetings/{id}/minutes.pdf" in text
