"""What the kernel asks of meetings: the nav item and the dashboard panels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ethics.hooks import memo
from ethics.live import Subject
from ethics.models import User
from meetings import selectors
from meetings.models import Minutes
from meetings.models import Status as MeetingStatus
from meetings.policies import may_open_minutes, member_committee_ids, officer_committee_ids
from reviews.hooks import is_member, is_officer


@dataclass
class Panel:
    title: Any
    template: str
    items: list[Any] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)


def sees_meetings(user: Any) -> bool:
    """Committee members, secretaries and institution admins."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.institution_admin:
        return True
    # reviews' nav items already read the user's committee roles: no extra query per page.
    return is_officer(user) or is_member(user)


def member_panel(request: Any) -> Panel | None:
    """Upcoming meetings and items still waiting for my conflict declaration (R20a)."""
    user = request.user
    if not member_committee_ids(user):
        return None
    upcoming = _upcoming(user)
    if not upcoming:
        return None
    return Panel(
        _("My meetings"),
        "meetings/_panel_member.html",
        items=upcoming,
        counts={"declarations": selectors.pending_declarations(user)},
    )


_UPCOMING = selectors.UPCOMING_SHOWN


def _upcoming(user: User) -> list[selectors.MeetingRow]:
    """The member panel's upcoming meetings, read once per request."""
    return memo(user, "meetings_upcoming", lambda: selectors.upcoming_for_member(user))


def _next_meeting(user: User) -> selectors.MeetingRow | None:
    """The officer's next scheduled meeting; when the user also sits on every committee they run
    (a chair, a vice-chair), read from the member panel's upcoming meetings (same order) instead
    of a second query (issue 18)."""
    officer_ids = officer_committee_ids(user)
    if not officer_ids <= member_committee_ids(user):
        return selectors.next_meeting(user)
    upcoming = _upcoming(user)
    start = selectors.start_of_today()
    for meeting in upcoming:
        if (
            meeting.committee_id in officer_ids
            and meeting.status == MeetingStatus.SCHEDULED
            and meeting.starts_at >= start
        ):
            return meeting
    return None if len(upcoming) < _UPCOMING else selectors.next_meeting(user)


def secretary_panel(request: Any) -> Panel | None:
    """The next meeting and the applications waiting for a meeting."""
    user = request.user
    if not officer_committee_ids(user):
        return None
    return Panel(
        _("Meetings"),
        "meetings/_panel_secretary.html",
        items=[m for m in [_next_meeting(user)] if m is not None],
        counts={"waiting": selectors.waiting_count(user)},
    )


# --- live state of the minutes, rendered in the background (ethics.live) ------------------------


def live_minutes(user: User, pk: int) -> Subject:
    """A closed meeting's latest minutes: whoever may open them (as their download), else 404."""
    meeting = selectors.meeting_get_for_user(user, pk)
    if not may_open_minutes(user, meeting):
        raise Http404
    minutes = Minutes.objects.filter(meeting=meeting).order_by("-version").first()
    if minutes is None:
        raise Http404
    return Subject(
        ready=bool(minutes.file),
        url=reverse("meetings:meeting-minutes", args=[meeting.pk]),
        label=_("Download the minutes"),
        task="meetings.render_minutes",
        kwargs={"minutes_id": minutes.pk},
        page=reverse("meetings:meeting-detail", args=[meeting.pk]),
        may_retry=user.is_superuser or meeting.committee_id in officer_committee_ids(user),
        note=f"v{minutes.version}",
    )
