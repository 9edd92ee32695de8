"""Calendars (issue 19): the private ICS feed of a person's meetings and deadlines, and the `.ics`
attached to meeting notices (same UID, higher SEQUENCE on a change, METHOD:CANCEL on a
cancellation)."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes

import icalendar
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ethics import channels
from ethics import services as kernel
from ethics.models import AuditEvent, CalendarFeed, Delivery, GroupWebhook, Vendor
from meetings import services
from tests.factories import MeetingFactory
from tests.meetings.conftest import schedule, today_later

pytestmark = pytest.mark.django_db


def _ics_of(message) -> icalendar.Calendar:
    parsed = message_from_bytes(message.message().as_bytes())
    parts = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, "one calendar attachment"
    return icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))


def _event(cal: icalendar.Calendar) -> icalendar.Event:
    (event,) = cal.walk("VEVENT")
    return event


def _to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def _feed(client, token):
    return client.get(reverse("ethics:calendar-feed", args=[token]))


# --- meeting notices ---------------------------------------------------------------------------


def test_notice_reschedule_and_cancel_update_one_calendar_entry(
    world, django_capture_on_commit_callbacks
):
    meeting = schedule(world, place="第二会议室")
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_send(meeting_id=meeting.pk, actor=world.secretary)
    notice = _ics_of(_to(world.member)[-1])
    assert notice["METHOD"] == "REQUEST"
    first = _event(notice)
    assert first["SEQUENCE"] == 0
    assert first["LOCATION"] == "第二会议室"
    assert first.decoded("DTSTART") == meeting.starts_at.replace(microsecond=0)
    assert first["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert [tz["TZID"] for tz in notice.walk("VTIMEZONE")] == ["Asia/Shanghai"]

    later = today_later() + dt.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_reschedule(
            meeting_id=meeting.pk, starts_at=later, reason="会议室冲突", actor=world.secretary
        )
    moved = _ics_of(_to(world.member)[-1])
    assert moved["METHOD"] == "REQUEST"
    assert _event(moved)["UID"] == first["UID"]
    assert _event(moved)["SEQUENCE"] == 1
    assert _event(moved).decoded("DTSTART") == later.replace(microsecond=0)

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting_id=meeting.pk, reason="主任委员出差", actor=world.secretary)
    cancelled = _ics_of(_to(world.member)[-1])
    assert cancelled["METHOD"] == "CANCEL"
    assert _event(cancelled)["UID"] == first["UID"]
    assert _event(cancelled)["SEQUENCE"] == 2
    assert _event(cancelled)["STATUS"] == "CANCELLED"
    meeting.refresh_from_db()
    assert meeting.sequence == 2


def test_the_committees_chat_group_gets_short_notices_without_the_reason(
    world, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_LOOPBACK_HTTP = True
    GroupWebhook.objects.create(
        committee_id=world.committee.pk, vendor=Vendor.WECOM, url="http://127.0.0.1:9/x"
    )
    meeting = schedule(world)
    services.notice_send(meeting_id=meeting.pk, actor=world.secretary)
    services.meeting_reschedule(
        meeting_id=meeting.pk,
        starts_at=today_later() + dt.timedelta(days=1),
        reason="申请人张三的利益冲突",
        actor=world.secretary,
    )
    services.meeting_cancel(meeting_id=meeting.pk, reason="涉密原因", actor=world.secretary)
    rows = list(Delivery.objects.filter(channel__startswith="webhook:").order_by("id"))
    assert [r.key.split(":")[2:] for r in rows] == [
        ["notice", "0"],
        ["reschedule", "1"],
        ["cancel", "2"],
    ]
    for row in rows:
        assert world.committee.name in row.text
        assert "张三" not in row.text
        assert "涉密" not in row.text
        assert row.url.endswith(reverse("meetings:meeting-detail", args=[meeting.pk]))


# --- the private feed ------------------------------------------------------------------------


@pytest.fixture
def deadlines(world):
    due = timezone.now() + dt.timedelta(days=20)
    own = kernel.deadline_open(
        kind="committee_update",
        subject=world.committee,
        due_at=due,
        title="本委员会的备案更新",
        committee_id=world.committee.pk,
    )
    other = kernel.deadline_open(
        kind="committee_update",
        subject=world.other_committee,
        due_at=due,
        title="别的委员会的备案更新",
        committee_id=world.other_committee.pk,
    )
    return own, other


def test_the_feed_has_the_persons_meetings_and_deadlines_only(client, world, deadlines):
    own_meeting = MeetingFactory(committee=world.committee, title="第三次审查会议")
    MeetingFactory(committee=world.other_committee, title="别人的会议")
    token = channels.feed_issue(user=world.secretary)
    response = _feed(client, token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert "第三次审查会议" in summaries
    assert "别人的会议" not in summaries
    assert any("本委员会的备案更新" in s for s in summaries)
    assert not any("别的委员会" in s for s in summaries)
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert f"meeting-{own_meeting.pk}@127.0.0.1" in uids
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]


def test_a_member_sees_the_meetings_not_the_offices_deadlines(client, world, deadlines):
    MeetingFactory(committee=world.committee, title="第三次审查会议")
    token = channels.feed_issue(user=world.member)
    summaries = [
        str(e["SUMMARY"])
        for e in icalendar.Calendar.from_ical(_feed(client, token).content).walk("VEVENT")
    ]
    assert summaries == ["第三次审查会议"]


def test_an_outsider_feed_has_none_of_the_committees_entries(client, world, deadlines):
    MeetingFactory(committee=world.committee, title="第三次审查会议")
    token = channels.feed_issue(user=world.stranger)
    cal = icalendar.Calendar.from_ical(_feed(client, token).content)
    assert cal.walk("VEVENT") == []


def test_wrong_revoked_and_replaced_tokens_are_404(client, world):
    assert _feed(client, "not-a-token").status_code == 404
    old = channels.feed_issue(user=world.member)
    new = channels.feed_issue(user=world.member)
    assert _feed(client, old).status_code == 404
    assert _feed(client, new).status_code == 200
    channels.feed_revoke(user=world.member)
    assert _feed(client, new).status_code == 404
    assert not CalendarFeed.objects.exists()
    assert AuditEvent.objects.filter(action="user.calendar_feed_revoke").count() == 1


def test_a_deactivated_persons_feed_is_404(client, world):
    token = channels.feed_issue(user=world.member)
    world.member.is_active = False
    world.member.save(update_fields=["is_active"])
    assert _feed(client, token).status_code == 404


def test_the_feed_query_count_is_constant(client, world, deadlines, django_assert_max_num_queries):
    for i in range(8):
        MeetingFactory(committee=world.committee, title=f"会议{i}")
    token = channels.feed_issue(user=world.secretary)
    with django_assert_max_num_queries(10):
        response = _feed(client, token)
    assert len(icalendar.Calendar.from_ical(response.content).walk("VEVENT")) == 9


# --- the profile page and the API ----------------------------------------------------------------


def test_the_profile_page_sets_channels_and_makes_a_calendar_address(client, world):
    client.force_login(world.member)
    page = client.get(reverse("ethics:profile"))
    assert page.status_code == 200
    response = client.post(reverse("ethics:profile"), {"digest": "on"})
    assert response.status_code == 302
    prefs = channels.preferences(type(world.member).objects.get(pk=world.member.pk))
    assert (prefs.email, prefs.digest) == (False, True)
    issued = client.post(reverse("ethics:calendar-issue"))
    assert issued.status_code == 200
    url = issued.context["feed_url"]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert url in issued.content.decode()
    assert _feed(client, token).status_code == 200
    # Shown once: the page afterwards says an address is in use, not what it is.
    assert token not in client.get(reverse("ethics:profile")).content.decode()
    assert client.post(reverse("ethics:calendar-revoke")).status_code == 302
    assert _feed(client, token).status_code == 404


def test_the_profile_page_needs_a_login_and_few_queries(
    client, world, django_assert_max_num_queries
):
    assert client.get(reverse("ethics:profile")).status_code == 302
    assert client.post(reverse("ethics:calendar-issue")).status_code == 302
    assert not CalendarFeed.objects.exists()
    client.force_login(world.member)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("ethics:profile")).status_code == 200


def test_the_users_me_api_shows_and_sets_channels(api_client, world):
    api_client.force_authenticate(world.member)
    me = api_client.get("/api/v1/users/me/").json()
    assert me["channels"] == {"in_app": True, "email": True, "digest": False}
    assert me["calendar_feed"] is False
    changed = api_client.patch("/api/v1/users/me/", {"digest": True}, format="json")
    assert changed.status_code == 200
    assert changed.json()["channels"] == {"in_app": True, "email": True, "digest": True}
    bad = api_client.patch("/api/v1/users/me/", {"email": "perhaps"}, format="json")
    assert bad.status_code == 400
    assert "email" in bad.json()
    issued = api_client.post("/api/v1/users/me/calendar/")
    assert issued.status_code == 201
    token = issued.json()["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert api_client.get("/api/v1/users/me/").json()["calendar_feed"] is True
    assert api_client.delete("/api/v1/users/me/calendar/").status_code == 204
    assert _feed(api_client, token).status_code == 404


def test_digest_takers_get_no_immediate_reminder_email(world, django_capture_on_commit_callbacks):
    channels.preferences_set(user=world.member, email=True, digest=True)
    meeting = schedule(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_send(meeting_id=meeting.pk, actor=world.secretary)
    assert _to(world.member) == []
    assert _to(world.chair)
    assert world.member.notifications.count() == 1


def test_a_bad_channel_value_on_the_page_is_a_400_with_the_form(client, world):
    client.force_login(world.member)
    response = client.post(reverse("ethics:profile"), {"email": "perhaps"})
    assert response.status_code == 400
    assert response.context["form"].errors["email"]
    assert channels.preferences(world.member).email is True
