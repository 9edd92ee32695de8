"""Meetings as calendar entries: the `.ics` attached to a meeting's notices and the person's
private feed (README "Notifications and calendars"). One UID per meeting for life; each change
or cancellation raises `Meeting.sequence`, so calendars replace the entry."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Membership
from ethics import calendar
from ethics.models import User
from ethics.services import site_text
from meetings.models import Meeting
from meetings.workflow import Mode, Status

# A meeting has a start only; calendars show it this long.
DURATION = timedelta(hours=2)
# How far back the feed reaches.
FEED_PAST = timedelta(days=180)


def event(meeting: Meeting) -> calendar.Event:
    summary = meeting.title or site_text(
        _("Meeting of %(committee)s"), committee=meeting.committee.name
    )
    location = meeting.video_link if meeting.mode == Mode.VIDEO else meeting.place
    return calendar.Event(
        uid=calendar.uid("meeting", meeting.pk),
        summary=summary,
        start=meeting.starts_at,
        end=meeting.starts_at + DURATION,
        sequence=meeting.sequence,
        location=location,
        url=reverse("meetings:meeting-detail", args=[meeting.pk]),
        cancelled=meeting.status == Status.CANCELLED,
    )


def notice_ics(meeting: Meeting) -> str:
    """The attachment of a notice: METHOD:REQUEST, or METHOD:CANCEL for a cancelled meeting."""
    method = "CANCEL" if meeting.status == Status.CANCELLED else "REQUEST"
    return calendar.render([event(meeting)], method=method).decode()


def meetings_for(user: User) -> list[calendar.Event]:
    """The meetings of the committees the person serves in today (member or secretary)."""
    committees = Membership.objects.in_term(on=timezone.localdate()).filter(user=user)
    rows = (
        Meeting.objects.filter(
            committee_id__in=committees.values("committee_id"),
            starts_at__gte=timezone.now() - FEED_PAST,
        )
        .select_related("committee")
        .order_by("starts_at", "id")[:500]
    )
    return [event(meeting) for meeting in rows]
