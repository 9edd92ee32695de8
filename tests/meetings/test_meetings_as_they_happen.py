"""Meetings as they happen (issue 12): no scheduling in the past, opening only on the day,
cancelling and rescheduling with notice, arrivals and departures with per-item quorum at the
moment of decision (R19), excused and absent members in the minutes, bounded and paginated R35
reports, confirmed conclusions, the dashboard's next meeting. Each boundary through the page
and the API."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ethics.errors import Conflict
from ethics.models import AuditEvent, Notification
from meetings import selectors, services
from meetings.models import AgendaItem, Attendance, Meeting, Minutes
from reviews import services as review_services
from reviews.models import Opinion, Review, ReviewerAssignment
from tests.meetings.conftest import application, opened, schedule, vote_all
from tests.world import build_world

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
BASE = "/api/v1/meetings/"


def at(day, hour=10, minute=0):
    return dt.datetime(2027, 3, day, hour, minute, tzinfo=SH)


def _do(meeting, action):
    return reverse("meetings:meeting-action", args=[meeting.pk, action])


def _do_item(item, action):
    return reverse("meetings:item-action", args=[item.meeting_id, item.pk, action])


def _open_body(world, members=None):
    members = world.members if members is None else members
    return {"present": [m.pk for m in members], "presiding": world.chair_membership.pk}


# --- scheduling: yesterday vs today --------------------------------------------------------------


def test_scheduling_yesterday_is_refused_today_is_fine_on_the_api(world, api_client):
    api_client.force_authenticate(world.secretary)
    with time_machine.travel(at(10, 15), tick=False):
        yesterday = at(9, 18).isoformat()
        refused = api_client.post(
            BASE, {"committee": world.committee.pk, "starts_at": yesterday}, format="json"
        )
        assert refused.status_code == 400
        assert refused.data["starts_at"][0]["code"] == "past"
        assert not Meeting.objects.exists()
        now = api_client.post(
            BASE, {"committee": world.committee.pk, "starts_at": at(10, 15).isoformat()},
            format="json",
        )  # fmt: skip
        assert now.status_code == 201, now.data
        earlier_today = api_client.post(
            BASE, {"committee": world.committee.pk, "starts_at": at(10, 0, 5).isoformat()},
            format="json",
        )  # fmt: skip
        assert earlier_today.status_code == 201


def test_scheduling_yesterday_is_a_form_error_on_the_page(world, client):
    with time_machine.travel(at(10, 15), tick=False):
        client.force_login(world.secretary)
        response = client.post(
            reverse("meetings:meeting-schedule"),
            {"committee": world.committee.pk, "starts_at": "2027-03-09T18:00"},
        )
        assert response.status_code == 400
        assert "starts_at" in response.context["form"].errors
        assert not Meeting.objects.exists()
        response = client.post(
            reverse("meetings:meeting-schedule"),
            {"committee": world.committee.pk, "starts_at": "2027-03-10T15:00"},
        )
        assert response.status_code == 302
        assert Meeting.objects.count() == 1


# --- opening: the day before vs the day vs the tolerance -----------------------------------------


def _scheduled_for_the_10th(world):
    with time_machine.travel(at(1), tick=False):
        meeting = schedule(world, starts_at=at(10, 9))
        services.agenda_add(
            meeting_id=meeting.pk, application_id=application(world).pk, actor=world.secretary
        )
    return meeting


def test_opening_the_day_before_is_409_on_the_api_and_fine_on_the_day(world, api_client):
    meeting = _scheduled_for_the_10th(world)
    api_client.force_authenticate(world.secretary)
    url = f"{BASE}{meeting.pk}/open/"
    with time_machine.travel(at(9, 23, 59), tick=False):
        early = api_client.post(url, _open_body(world), format="json")
    assert early.status_code == 409
    assert early.data["code"] == "too_early"
    assert not Attendance.objects.exists()
    with time_machine.travel(at(11, 0, 0), tick=False):
        late = api_client.post(url, _open_body(world), format="json")
    assert late.status_code == 409
    assert late.data["code"] == "too_late"
    with time_machine.travel(at(10, 0, 1), tick=False):
        ok = api_client.post(url, _open_body(world), format="json")
    assert ok.status_code == 200, ok.data
    assert ok.data["status"] == "open"
    assert Meeting.objects.get(pk=meeting.pk).opened_at == at(10, 0, 1)


def test_opening_the_day_before_is_409_on_the_page(world, client):
    meeting = _scheduled_for_the_10th(world)
    with time_machine.travel(at(9, 12), tick=False):
        client.force_login(world.secretary)
        response = client.post(_do(meeting, "open"), _open_body(world))
    assert response.status_code == 409
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"
    with time_machine.travel(at(10, 9, 5), tick=False):
        client.force_login(world.secretary)
        response = client.post(_do(meeting, "open"), _open_body(world))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "open"
    assert meeting.opened_at == at(10, 9, 5)


def test_a_tolerance_of_one_day_lets_it_open_the_day_before(world, api_client, settings):
    settings.MEETING_OPEN_TOLERANCE_DAYS = 1
    meeting = _scheduled_for_the_10th(world)
    api_client.force_authenticate(world.secretary)
    with time_machine.travel(at(8, 12), tick=False):
        two_days = api_client.post(f"{BASE}{meeting.pk}/open/", _open_body(world), format="json")
    assert two_days.status_code == 409
    with time_machine.travel(at(9, 12), tick=False):
        one_day = api_client.post(f"{BASE}{meeting.pk}/open/", _open_body(world), format="json")
    assert one_day.status_code == 200


# --- cancel and reschedule ------------------------------------------------------------------------


def test_cancel_notifies_members_and_returns_the_items_to_the_queue_api(world, api_client):
    meeting = schedule(world)
    app = application(world)
    services.agenda_add(meeting_id=meeting.pk, application_id=app.pk, actor=world.secretary)
    assert not selectors.waiting_for_meeting(world.committee.pk).filter(pk=app.pk).exists()
    api_client.force_authenticate(world.secretary)
    missing = api_client.post(f"{BASE}{meeting.pk}/cancel/", {}, format="json")
    assert missing.status_code == 400
    response = api_client.post(
        f"{BASE}{meeting.pk}/cancel/", {"reason": "主任委员出差"}, format="json"
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "cancelled"
    assert response.data["cancel_reason"] == "主任委员出差"
    member = world.members[3].user
    notice = Notification.objects.get(recipient=member, cause="meeting.cancel")
    assert "主任委员出差" in notice.title
    assert selectors.waiting_for_meeting(world.committee.pk).filter(pk=app.pk).exists()
    other = schedule(world)
    services.agenda_add(meeting_id=other.pk, application_id=app.pk, actor=world.secretary)
    again = api_client.post(f"{BASE}{meeting.pk}/cancel/", {"reason": "x"}, format="json")
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action="meeting.cancel").count() == 1


def test_cancel_on_the_page_and_members_may_not(world, client):
    meeting = schedule(world)
    client.force_login(world.members[3].user)
    assert client.post(_do(meeting, "cancel"), {"reason": "x", "confirm": "1"}).status_code == 403
    client.force_login(world.secretary)
    response = client.post(_do(meeting, "cancel"), {"reason": "场地不可用", "confirm": "1"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancel_reason) == ("cancelled", "场地不可用")
    assert client.post(_do(meeting, "open"), _open_body(world)).status_code == 409


def test_reported_decisions_of_a_cancelled_meeting_return_to_the_queue_r35(world):
    decision = _simplified(world)
    meeting = schedule(world)
    assert meeting.items.filter(reported_decision=decision).exists()
    services.meeting_cancel(meeting_id=meeting.pk, reason="改期", actor=world.secretary)
    other = schedule(world)
    assert other.items.filter(reported_decision=decision).exists()


def test_reschedule_moves_the_meeting_with_notice_and_refuses_the_past(world, api_client, client):
    with time_machine.travel(at(1), tick=False):
        meeting = schedule(world, starts_at=at(10, 9))
        api_client.force_authenticate(world.secretary)
        url = f"{BASE}{meeting.pk}/reschedule/"
        past = api_client.post(
            url, {"starts_at": at(1, 8).replace(day=28, month=2).isoformat(), "reason": "x"},
            format="json",
        )  # fmt: skip
        assert past.status_code == 400
        assert past.data["starts_at"][0]["code"] == "past"
        no_reason = api_client.post(url, {"starts_at": at(12, 9).isoformat()}, format="json")
        assert no_reason.status_code == 400
        moved = api_client.post(
            url, {"starts_at": at(12, 9).isoformat(), "reason": "与学术会议冲突"}, format="json"
        )
        assert moved.status_code == 200, moved.data
        meeting.refresh_from_db()
        assert meeting.starts_at == at(12, 9)
        notice = Notification.objects.filter(cause="meeting.reschedule").first()
        assert notice is not None
        assert "与学术会议冲突" in notice.title
        client.force_login(world.secretary)
        page = client.post(
            _do(meeting, "reschedule"), {"starts_at": "2027-02-27T09:00", "reason": "x"}
        )
        assert page.status_code == 400
        page = client.post(
            _do(meeting, "reschedule"), {"starts_at": "2027-03-15T09:00", "reason": "再改期"}
        )
        assert page.status_code == 302
        meeting.refresh_from_db()
        assert meeting.starts_at == at(15, 9)


# --- arrivals, departures and per-item quorum (R19) ----------------------------------------------


def _opened_with_two_items(world):
    meeting, items = opened(world, items=2)
    return meeting, items


def test_quorum_exactly_met_then_one_departure_below_r19_api(world, api_client):
    meeting, (first, second) = _opened_with_two_items(world)
    api_client.force_authenticate(world.secretary)
    for member in world.members[5:7]:
        left = api_client.post(
            f"{BASE}{meeting.pk}/departures/", {"member": member.pk}, format="json"
        )
        assert left.status_code == 200, left.data
        assert left.data["left_at"] is not None
    # Five present (chair, vice-chair, external law member, two science peers): exactly R19.
    vote_all(world, first, ["approve"] * 4)
    vote_all(world, second, ["approve"] * 4)
    url = f"{BASE}{meeting.pk}/items/"
    done = api_client.post(f"{url}{first.pk}/conclude/", {"confirm": True}, format="json")
    assert done.status_code == 200, done.data
    assert done.data["outcome"] == "approve"
    assert done.data["tally"]["present"] == 5
    api_client.post(
        f"{BASE}{meeting.pk}/departures/", {"member": world.members[4].pk}, format="json"
    )
    refused = api_client.post(f"{url}{second.pk}/conclude/", {"confirm": True}, format="json")
    assert refused.status_code == 409
    assert refused.data["code"] == "no_quorum"
    assert refused.data["rule"] == "R19"
    counts = next(p for p in refused.data["problems"] if p["code"] == "counts")
    assert (counts["present"], counts["departed"]) == ("4", "3")
    second.refresh_from_db()
    assert second.status == "pending"
    # The member comes back: quorum again.
    back = api_client.post(
        f"{BASE}{meeting.pk}/arrivals/", {"member": world.members[4].pk}, format="json"
    )
    assert back.status_code == 201
    assert Attendance.objects.filter(membership=world.members[4]).count() == 2


def test_quorum_exactly_met_then_one_departure_below_r19_page(world, client):
    meeting, (first, second) = _opened_with_two_items(world)
    client.force_login(world.secretary)
    for member in world.members[5:7]:
        assert client.post(_do(meeting, "depart"), {"member": member.pk}).status_code == 302
    vote_all(world, first, ["approve"] * 4)
    assert client.post(_do_item(first, "conclude"), {"confirm": "1"}).status_code == 302
    first.refresh_from_db()
    assert first.status == "concluded"
    assert client.post(_do(meeting, "depart"), {"member": world.members[4].pk}).status_code == 302
    assert client.post(_do(meeting, "depart"), {"member": world.members[4].pk}).status_code == 409
    response = client.post(_do_item(second, "conclude"), {"confirm": "1"})
    assert response.status_code == 409
    assert "R19" in response.content.decode()
    second.refresh_from_db()
    assert second.status == "pending"


def test_a_recusal_and_a_departure_together_break_the_quorum_r19(world):
    meeting, [item] = opened(world, present=world.members[:6])
    services.recusal_record(
        item_id=item.pk, membership_id=world.members[5].pk, reason="合作者", actor=world.secretary
    )
    services.attendance_depart(
        meeting_id=meeting.pk, membership_id=world.members[4].pk, actor=world.secretary
    )
    with pytest.raises(Conflict) as refused:
        services.item_conclude(item_id=item.pk, actor=world.secretary)
    assert refused.value.rule == "R19"


def test_a_departed_member_does_not_vote(world):
    meeting, [item] = opened(world)
    services.attendance_depart(
        meeting_id=meeting.pk, membership_id=world.members[3].pk, actor=world.secretary
    )
    with pytest.raises(Conflict) as refused:
        services.vote_cast(
            item_id=item.pk, choice="approve", membership_id=world.members[3].pk,
            actor=world.secretary,
        )  # fmt: skip
    assert refused.value.code == "not_present"


def test_arrival_times_cannot_be_in_the_future_or_before_the_opening(world, api_client):
    meeting, _items = opened(world, present=world.members[:6])
    api_client.force_authenticate(world.secretary)
    url = f"{BASE}{meeting.pk}/arrivals/"
    member = world.members[6].pk
    future = (meeting.opened_at + dt.timedelta(days=1)).isoformat()
    assert api_client.post(url, {"member": member, "at": future}, format="json").status_code == 400
    before = (meeting.opened_at - dt.timedelta(hours=1)).isoformat()
    assert api_client.post(url, {"member": member, "at": before}, format="json").status_code == 400
    ok = api_client.post(url, {"member": member}, format="json")
    assert ok.status_code == 201
    again = api_client.post(url, {"member": member}, format="json")
    assert again.status_code == 409


def test_nothing_is_pre_checked_on_the_console(world, client):
    meeting = schedule(world)
    client.force_login(world.secretary)
    page = client.get(reverse("meetings:meeting-console", args=[meeting.pk])).content.decode()
    assert 'name="present"' in page
    assert " checked>" not in page.split('id="open-form"')[1].split("</form>")[0]


# --- confirmation of conclusions and deferrals ---------------------------------------------------


def test_conclude_and_defer_need_an_explicit_confirmation(world, api_client, client):
    meeting, (first, second) = _opened_with_two_items(world)
    vote_all(world, first, ["approve"] * 6)
    api_client.force_authenticate(world.secretary)
    url = f"{BASE}{meeting.pk}/items/"
    missing = api_client.post(f"{url}{first.pk}/conclude/", {}, format="json")
    assert missing.status_code == 400
    assert missing.data["confirm"][0]["code"] == "required"
    false = api_client.post(f"{url}{first.pk}/conclude/", {"confirm": False}, format="json")
    assert false.status_code == 400
    defer = api_client.post(f"{url}{second.pk}/defer/", {"reason": "材料不全"}, format="json")
    assert defer.status_code == 400
    client.force_login(world.secretary)
    # On the page the confirmation page is the explicit yes (ethics.actions.Action.confirm).
    asked = client.post(_do_item(second, "defer"), {"reason": "材料不全"})
    assert asked.status_code == 200
    assert 'id="confirm-action"' in asked.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("pending", "pending")


def test_a_deferral_says_deferred_not_concluded(world, client):
    meeting, [item] = opened(world)
    vote_all(world, item, ["approve", "disapprove", "approve", "disapprove"])
    client.force_login(world.secretary)
    console = reverse("meetings:meeting-console", args=[meeting.pk])
    response = client.post(
        _do_item(item, "conclude"), {"confirm": "1", "next": console}, follow=True
    )
    item.refresh_from_db()
    assert item.status == "deferred"
    page = response.content.decode()
    assert "已暂缓" in page
    assert "已作出结论" not in page


# --- the minutes: present, absent, excused, actual times ----------------------------------------


def test_minutes_list_present_absent_and_excused_with_times(world):
    with time_machine.travel(at(1), tick=False):
        meeting = schedule(world, starts_at=at(10, 9))
        item = services.agenda_add_other(meeting_id=meeting.pk, title="通报", actor=world.secretary)
        services.member_excuse(
            meeting_id=meeting.pk, membership_id=world.members[6].pk, reason="出国访问",
            actor=world.secretary,
        )  # fmt: skip
    with time_machine.travel(at(10, 9, 7), tick=False):
        services.meeting_open(
            meeting_id=meeting.pk, present=[m.pk for m in world.members[:5]],
            presiding=world.chair_membership.pk, actor=world.secretary,
        )  # fmt: skip
    with time_machine.travel(at(10, 9, 40), tick=False):
        services.attendance_arrive(
            meeting_id=meeting.pk, membership_id=world.members[5].pk, actor=world.secretary
        )
    with time_machine.travel(at(10, 10, 15), tick=False):
        services.attendance_depart(
            meeting_id=meeting.pk, membership_id=world.members[1].pk, actor=world.secretary
        )
        services.item_conclude(item_id=item.pk, actor=world.secretary)
    with time_machine.travel(at(10, 11, 2), tick=False):
        services.meeting_close(meeting_id=meeting.pk, actor=world.secretary)
    minutes = Minutes.objects.get(meeting=meeting)
    context = services.minutes_context(minutes)
    assert [m.pk for m in context["absent"]] == []  # everyone else came or was excused
    assert [e.membership_id for e in context["excused"]] == [world.members[6].pk]
    html = render_to_string(services.MINUTES_TEMPLATE, context)
    name = world.members[6].user.display_name
    assert f'请假委员：<span class="name">{name}</span>（出国访问）' in html
    assert "缺席委员：无" in html
    assert "09:40到会" in html
    assert "09:07到会，10:15离会" in html
    assert "2027年3月10日 09:07开始" in html
    assert "2027年3月10日 11:02结束" in html
    assert "记录人（签字）" in html
    assert "主持人（签字）" in html


def test_minutes_list_a_member_who_never_came_as_absent(world):
    meeting, [item] = opened(world, present=world.members[:6])
    services.item_defer(item_id=item.pk, reason="时间不足", actor=world.secretary)
    services.meeting_close(meeting_id=meeting.pk, actor=world.secretary)
    context = services.minutes_context(Minutes.objects.get(meeting=meeting))
    assert [m.pk for m in context["absent"]] == [world.members[6].pk]
    html = render_to_string(services.MINUTES_TEMPLATE, context)
    assert f'缺席委员：<span class="name">{world.members[6].user.display_name}</span>' in html
    assert "请假委员：无" in html
    assert "已暂缓" in html


def test_excusing_is_before_the_meeting_only(world, api_client):
    meeting = schedule(world)
    api_client.force_authenticate(world.secretary)
    url = f"{BASE}{meeting.pk}/excusals/"
    body = {"member": world.members[6].pk, "reason": "病假"}
    assert api_client.post(url, body, format="json").status_code == 201
    assert api_client.post(url, body, format="json").status_code == 409
    services.meeting_open(
        meeting_id=meeting.pk, present=[m.pk for m in world.members[:6]],
        presiding=world.chair_membership.pk, actor=world.secretary,
    )  # fmt: skip
    body = {"member": world.members[5].pk, "reason": "x"}
    assert api_client.post(url, body, format="json").status_code == 409


# --- R35: bounded and paginated --------------------------------------------------------------------


def _simplified(world):
    """A simplified round as R32-R34 allow it (a ground that fits an initial application, two
    designated members without conflict, both approving), built directly for speed; the chair
    then issues the decision through the service with every gate."""
    app = application(world)
    Review.objects.filter(application=app).update(
        procedure="simplified", grounds="minimal_risk", ready_for_meeting_at=None
    )
    type(app).objects.filter(pk=app.pk).update(procedure="simplified")
    review = Review.objects.get(application=app)
    for membership in world.members[2:4]:
        assignment = ReviewerAssignment.objects.create(
            review=review, membership=membership, assigned_by=world.chair, coi_state="none"
        )
        Opinion.objects.create(assignment=assignment, verdict="approve", comments="同意")
    return review_services.decision_issue(
        application_id=app.pk, outcome="approve", actor=world.chair
    )


def test_reports_are_bounded_by_the_previous_meeting_r35(world):
    with time_machine.travel(at(1, 10), tick=False):
        old = _simplified(world)
        previous = schedule(world, starts_at=at(1, 15))
        services.meeting_open(
            meeting_id=previous.pk, present=[m.pk for m in world.members],
            presiding=world.chair_membership.pk, actor=world.secretary,
        )  # fmt: skip
        # Reported there; removed by nobody: at closing it is noted.
        services.meeting_close(meeting_id=previous.pk, actor=world.secretary)
    AgendaItem.objects.filter(reported_decision=old).delete()  # as if never reported
    with time_machine.travel(at(2, 10), tick=False):
        new = _simplified(world)
        meeting = schedule(world, starts_at=at(5, 9))
    reported = set(meeting.items.values_list("reported_decision", flat=True))
    assert new.pk in reported
    assert old.pk not in reported  # before the previous meeting


def test_the_first_meeting_reports_since_the_committee_was_established_r35(world):
    world.committee.established_on = dt.date(2026, 6, 1)
    world.committee.save(update_fields=["established_on"])
    before = _simplified(world)
    type(before).objects.filter(pk=before.pk).update(decided_at=dt.datetime(2026, 5, 1, tzinfo=SH))
    since = _simplified(world)
    meeting = schedule(world)
    reported = set(meeting.items.values_list("reported_decision", flat=True))
    assert since.pk in reported
    assert before.pk not in reported
    assert selectors.reports_since(meeting) == dt.datetime(2026, 6, 1, tzinfo=SH)


@pytest.mark.parametrize("reports", [3, 60])
def test_agenda_reports_are_paginated_with_constant_queries_r35(client, reports):
    world = build_world()
    for _ in range(reports):
        _simplified(world)
    meeting = schedule(world)
    assert meeting.items.filter(kind="report").count() == reports
    client.force_login(world.secretary)
    url = reverse("meetings:meeting-agenda", args=[meeting.pk])
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    assert page.count("data-report-item=") == min(reports, 50)
    assert len(ctx.captured_queries) <= 15
    if reports > 50:
        second = client.get(url + "?reports=2").content.decode()
        assert second.count("data-report-item=") == reports - 50
    detail = client.get(reverse("meetings:meeting-detail", args=[meeting.pk])).content.decode()
    assert detail.count("data-item=") == 0  # reports are counted there, not listed


def test_agenda_query_count_is_the_same_for_few_and_many_reports_r35(client):
    counts = []
    for reports in (2, 70):
        world = build_world()
        for _ in range(reports):
            _simplified(world)
        meeting = schedule(world)
        client.force_login(world.secretary)
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("meetings:meeting-agenda", args=[meeting.pk]))
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_closing_notes_every_report_at_once_r35(world):
    _simplified(world)
    _simplified(world)
    meeting, [item] = opened(world)
    services.item_defer(item_id=item.pk, reason="x", actor=world.secretary)
    services.meeting_close(meeting_id=meeting.pk, actor=world.secretary)
    assert set(meeting.items.filter(kind="report").values_list("status", flat=True)) == {
        "concluded"
    }


# --- the dashboard's next meeting ---------------------------------------------------------------


def test_next_meeting_is_never_in_the_past(world, client):
    with time_machine.travel(at(1), tick=False):
        old = schedule(world, starts_at=at(1, 15))
        upcoming = schedule(world, starts_at=at(20, 9))
    with time_machine.travel(at(5), tick=False):
        assert selectors.next_meeting(world.secretary).pk == upcoming.pk
        client.force_login(world.secretary)
        page = client.get(reverse("ethics:dashboard")).content.decode()
        assert reverse("meetings:meeting-detail", args=[upcoming.pk]) in page
        assert reverse("meetings:meeting-detail", args=[old.pk]) not in page
    with time_machine.travel(at(20, 23), tick=False):
        assert selectors.next_meeting(world.secretary).pk == upcoming.pk  # still today
    with time_machine.travel(at(21, 0, 1), tick=False):
        assert selectors.next_meeting(world.secretary) is None


def test_listing_the_reports_takes_the_same_queries_for_few_and_many_r35():
    counts = []
    for reports in (1, 2, 40):  # the first run warms the caches (content types)
        world = build_world()
        for _ in range(reports):
            _simplified(world)
        with CaptureQueriesContext(connection) as ctx:
            meeting = schedule(world)
        assert meeting.items.filter(kind="report").count() == reports
        counts.append(len(ctx.captured_queries))
    assert counts[1] == counts[2], counts
