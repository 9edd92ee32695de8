"""Every meetings action through the page route and the API route (meetings.actions): what
succeeds redirects or answers api.md's body; what is refused answers 400/403/409 on the page too,
with the refusal page, the rule and the person's input kept."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ethics.models import AuditEvent
from meetings import services
from meetings.models import AgendaItem, Consultant, Meeting, MinutesCorrection, Recusal, Vote
from tests.factories import MembershipFactory
from tests.meetings.conftest import application, opened, schedule, today_later, vote_all
from tests.world import build_world

pytestmark = pytest.mark.django_db

BASE = "/api/v1/meetings/"


def _do(meeting, name):
    return reverse("meetings:meeting-action", args=[meeting.pk, name])


def _do_item(item, name):
    return reverse("meetings:item-action", args=[item.meeting_id, item.pk, name])


def test_a_meeting_from_schedule_to_correction_on_the_pages(client, world, monkeypatch):
    from ethics import pdf

    monkeypatch.setattr(pdf, "render", lambda template, context, **kw: b"%PDF-1.4 minutes")
    client.force_login(world.secretary)
    starts = today_later()
    response = client.post(
        reverse("meetings:meeting-schedule"),
        {"committee": world.committee.pk, "starts_at": f"{starts:%Y-%m-%dT%H:%M}"},
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:meeting-agenda", args=[meeting.pk])
    assert meeting.mode == "in_person"

    first, second = application(world), application(world)
    agenda = reverse("meetings:meeting-agenda", args=[meeting.pk])
    for app in (first, second):
        response = client.post(_do(meeting, "add"), {"application": app.pk, "next": agenda})
        assert response.status_code == 302
        assert response["Location"] == agenda
    assert client.post(_do(meeting, "add"), {"title": "通报事项"}).status_code == 302
    items = list(meeting.items.order_by("position"))
    assert [i.kind for i in items] == ["review", "review", "other"]
    order = [items[2].pk, items[0].pk, items[1].pk]
    assert client.post(_do(meeting, "order"), {"items": order}).status_code == 302
    assert list(meeting.items.order_by("position").values_list("pk", flat=True)) == order
    client.post(_do(meeting, "move"), {"item": items[2].pk, "direction": "down"})
    assert list(meeting.items.order_by("position").values_list("pk", flat=True))[1] == items[2].pk
    assert client.post(_do_item(items[1], "remove"), {"confirm": "1"}).status_code == 302
    assert not AgendaItem.objects.filter(pk=items[1].pk).exists()
    assert client.post(_do(meeting, "reports"), {}).status_code == 302
    assert client.post(_do(meeting, "notice"), {}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.notice_sent_at is not None

    response = client.post(
        _do(meeting, "open"),
        {"present": [m.pk for m in world.members], "presiding": world.chair_membership.pk},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "open"

    item, other = items[0], items[2]
    member = world.members[3]
    client.force_login(member.user)
    assert client.post(_do_item(item, "declare"), {"conflicted": "0"}).status_code == 302
    assert (
        client.post(_do_item(item, "vote"), {"choice": "approve", "confirm": "1"}).status_code
        == 302
    )
    client.force_login(world.secretary)
    recused = world.members[6]
    response = client.post(_do_item(item, "recuse"), {"member": recused.pk, "reason": "合作者"})
    assert response.status_code == 302
    assert Recusal.objects.filter(item=item, membership=recused).exists()
    response = client.post(
        _do_item(item, "consultant"),
        {"name": "王专家", "declaration": "无直接利益", "no_direct_interest": "1"},
    )
    assert response.status_code == 302
    assert Consultant.objects.filter(item=item).count() == 1
    for membership in [*world.members[:3], world.members[4], world.members[5]]:
        response = client.post(
            _do_item(item, "vote"), {"member": membership.pk, "choice": "approve", "confirm": "1"}
        )
        assert response.status_code == 302
    assert Vote.objects.filter(item=item).count() == 6
    assert client.post(_do_item(item, "notes"), {"notes": "讨论"}).status_code == 302
    assert client.post(_do_item(item, "conclude"), {"confirm": "1"}).status_code == 302
    item.refresh_from_db()
    assert (item.status, item.outcome, item.notes) == ("concluded", "approve", "讨论")
    assert (
        client.post(_do_item(other, "defer"), {"reason": "时间不足", "confirm": "1"}).status_code
        == 302
    )
    report = meeting.items.filter(kind="report").first()
    if report is not None:
        client.post(_do_item(report, "conclude"), {"confirm": "1"})
    response = client.post(_do(meeting, "close"), {"confirm": "1"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "closed"
    assert client.post(_do(meeting, "correct"), {"text": "更正：第2项"}).status_code == 302
    assert MinutesCorrection.objects.filter(meeting=meeting).count() == 1


def test_a_refused_page_action_answers_409_with_the_rule_and_keeps_the_input(client, world):
    meeting = schedule(world)
    client.force_login(world.secretary)
    present = [m.pk for m in world.members[:4]]
    response = client.post(
        _do(meeting, "open"),
        {
            "present": present,
            "presiding": world.chair_membership.pk,
            "designation": "主任委员书面指定",
        },
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="action-refused"' in page
    assert "R19" in page
    assert "主任委员书面指定" in page  # nothing typed is lost
    for pk in present:
        assert f'value="{pk}" id="id_present_' in page
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"


def test_the_api_keeps_the_rules_of_opening_r18_r19(world, api_client):
    """A member out of term or an ordinary member presiding is a rule's 409, not a bad id."""
    expired = world.members[4]
    expired.term_start, expired.term_end = dt.date(2020, 1, 1), dt.date(2024, 12, 31)
    expired.save()
    # A replacement keeps seven in term, so the roster stays valid (R4).
    MembershipFactory(committee=world.committee, **world.term)
    meeting = schedule(world)
    api_client.force_authenticate(world.secretary)
    url = f"{BASE}{meeting.pk}/open/"
    response = api_client.post(
        url, {"present": [m.pk for m in world.members[:5]], "presiding": world.chair_membership.pk}
    )
    assert response.status_code == 409
    assert (response.data["rule"], response.data["problems"][0]["present"]) == ("R19", "4")
    response = api_client.post(
        url,
        {"present": [m.pk for m in world.members], "presiding": world.members[3].pk},
        format="json",
    )
    assert response.status_code == 409
    assert response.data["code"] == "presiding_not_allowed"
    assert response.data["rule"] == "R18"
    response = api_client.post(
        url,
        {"present": [world.secretary_membership.pk], "presiding": world.chair_membership.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.data["present"][0]["code"] == "invalid_choice"


def test_the_console_offers_members_in_term_and_presiding_officers(client, world):
    expired = world.members[4]
    expired.term_start, expired.term_end = dt.date(2020, 1, 1), dt.date(2024, 12, 31)
    expired.save()
    # A replacement keeps seven in term, so the roster stays valid (R4).
    MembershipFactory(committee=world.committee, **world.term)
    meeting = schedule(world)
    client.force_login(world.secretary)
    page = client.get(reverse("meetings:meeting-console", args=[meeting.pk])).content.decode()
    assert f'data-member="{world.members[3].pk}"' in page
    assert f'data-member="{expired.pk}"' not in page
    presiding = page[page.index('name="presiding"') :].split("</select>")[0]
    assert f'value="{world.chair_membership.pk}"' in presiding
    assert f'value="{world.vice_chair_membership.pk}"' in presiding
    assert f'value="{world.members[3].pk}"' not in presiding


def test_invalid_input_on_a_page_is_400_with_the_form(client, world):
    _meeting, [item] = opened(world)
    client.force_login(world.secretary)
    response = client.post(
        _do_item(item, "vote"), {"member": world.chair_membership.pk, "choice": "maybe"}
    )
    assert response.status_code == 400
    assert 'name="choice"' in response.content.decode()
    assert not Vote.objects.exists()


def test_a_page_refusal_by_the_service_is_400_for_fields(client, world):
    _meeting, [item] = opened(world)
    vote_all(world, item, ["approve_with_modifications"] * 6)
    client.force_login(world.secretary)
    response = client.post(_do_item(item, "conclude"), {"confirm": "1"})
    assert response.status_code == 400
    assert 'name="conditions"' in response.content.decode()
    item.refresh_from_db()
    assert item.status == "pending"


def test_members_get_403_for_officers_actions_on_the_page(client, world):
    meeting, [item] = opened(world)
    client.force_login(world.members[3].user)
    response = client.post(_do_item(item, "recuse"), {"member": world.members[4].pk, "reason": "x"})
    assert response.status_code == 403
    assert client.post(_do(meeting, "close"), {"confirm": "1"}).status_code == 403
    assert not Recusal.objects.exists()


def test_the_new_api_routes(world, api_client):
    meeting = schedule(world)
    first, second = application(world), application(world)
    api_client.force_authenticate(world.secretary)
    url = f"{BASE}{meeting.pk}/"
    for app in (first, second):
        assert (
            api_client.post(f"{url}items/", {"application": app.pk}, format="json").status_code
            == 201
        )
    other = api_client.post(f"{url}items/", {"title": "通报"}, format="json")
    assert other.status_code == 201
    assert other.data["kind"] == "other"
    empty = api_client.post(f"{url}items/", {}, format="json")
    assert empty.status_code == 400
    assert empty.data["application"][0]["code"] == "required"
    items = list(meeting.items.order_by("position"))
    moved = api_client.post(
        f"{url}items/move/", {"item": items[1].pk, "direction": "up"}, format="json"
    )
    assert moved.status_code == 200
    assert [i["id"] for i in moved.data["items"]][:2] == [items[1].pk, items[0].pk]
    assert api_client.post(f"{url}items/reports/").status_code == 200
    assert api_client.delete(f"{url}items/{items[2].pk}/").status_code == 204
    assert not AgendaItem.objects.filter(pk=items[2].pk).exists()
    services.meeting_open(
        meeting_id=meeting.pk,
        present=[m.pk for m in world.members],
        presiding=world.chair_membership.pk,
        actor=world.secretary,
    )
    item = f"{url}items/{items[0].pk}/"
    consultant = api_client.post(
        f"{item}consultants/",
        {"name": "王专家", "declaration": "无直接利益", "no_direct_interest": True},
        format="json",
    )
    assert consultant.status_code == 201
    assert consultant.data["no_direct_interest"] is True
    refused = api_client.post(
        f"{item}consultants/",
        {"name": "李", "declaration": "x", "no_direct_interest": False},
        format="json",
    )
    assert refused.status_code == 409
    assert refused.data["rule"] == "R20"
    notes = api_client.post(f"{item}notes/", {"notes": "讨论"}, format="json")
    assert notes.status_code == 200
    assert notes.data["notes"] == "讨论"
    deferred = api_client.post(
        f"{item}defer/", {"reason": "材料不全", "confirm": True}, format="json"
    )
    assert deferred.status_code == 200
    assert deferred.data == {
        "status": "deferred",
        "outcome": None,
        "deferred": True,
        "tally": deferred.data["tally"],
        "decision": None,
    }
    assert api_client.post(f"{item}defer/", {}, format="json").status_code == 400
    for pending in meeting.items.filter(status="pending"):
        services.item_conclude(item_id=pending.pk, actor=world.secretary)
    assert api_client.post(f"{url}close/").data["status"] == "closed"
    correction = api_client.post(f"{url}corrections/", {"text": "更正"}, format="json")
    assert correction.status_code == 201
    assert correction.data == {"text": "更正"}


def test_a_member_declares_on_the_api(world, api_client):
    _meeting, [item] = opened(world)
    member = world.members[3]
    api_client.force_authenticate(member.user)
    url = f"{BASE}{item.meeting_id}/items/{item.pk}/declaration/"
    assert api_client.post(url, {}, format="json").status_code == 400  # an answer is required
    assert api_client.post(url, {"conflicted": "maybe"}, format="json").status_code == 400
    response = api_client.post(url, {"conflicted": True, "note": "亲属"}, format="json")
    assert response.status_code == 200
    assert response.data == {"item": item.pk, "conflicted": True}
    assert Recusal.objects.filter(item=item, membership=member).exists()
    api_client.force_authenticate(world.secretary)
    assert api_client.post(url, {"conflicted": False}, format="json").status_code == 403


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("name", ["meeting-console", "meeting-agenda", "meeting-detail"])
def test_pages_of_a_scheduled_meeting_stay_within_15_queries(client, name):
    counts = []
    for size, items in ((7, 1), (15, 6)):
        world = build_world(size=size)
        meeting = schedule(world)
        for _ in range(items):
            services.agenda_add(
                meeting_id=meeting.pk, application_id=application(world).pk, actor=world.secretary
            )
        application(world)  # one waiting
        client.force_login(world.secretary)
        counts.append(_count(client, reverse(f"meetings:{name}", args=[meeting.pk])))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 15, counts


def test_the_api_list_stays_within_10_queries(api_client):
    counts = []
    for meetings in (1, 6):
        world = build_world()
        for _ in range(meetings):
            opened(world)
        api_client.force_authenticate(world.secretary)
        counts.append(_count(api_client, BASE))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 10, counts


def test_refusals_write_no_audit_event(client, world):
    meeting, [item] = opened(world)
    client.force_login(world.secretary)
    before = AuditEvent.objects.count()
    client.post(_do_item(item, "recuse"), {"member": world.members[4].pk, "reason": ""})
    client.post(
        _do(meeting, "open"),
        {"present": [world.chair_membership.pk], "presiding": world.chair_membership.pk},
    )
    assert AuditEvent.objects.count() == before
