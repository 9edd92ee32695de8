"""Calendar entries as iCalendar (RFC 5545) text: a person's private feed and the `.ics` attached
to meeting notices (README "Notifications and calendars").

The apps say which events a person has (`ethics.hooks.register_calendar_source`); the kernel adds
the deadlines the person is reminded about and renders everything in Asia/Shanghai with its
VTIMEZONE. An event keeps its UID for life; a change or a cancellation is sent with a higher
SEQUENCE, so calendars update the entry instead of adding another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import icalendar
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ethics import hooks
from ethics.deadlines import SHANGHAI
from ethics.models import ACTIVE_DEADLINE_STATES, Deadline, Reminder, User

PRODID = "-//ethics-committee//calendar//ZH"


@dataclass(frozen=True)
class Event:
    uid: str
    summary: str
    start: datetime | date
    end: datetime | date | None = None
    sequence: int = 0
    location: str = ""
    url: str = ""
    description: str = ""
    cancelled: bool = False


def uid(kind: str, pk: int) -> str:
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    return f"{kind}-{pk}@{domain}"


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return f"{settings.SITE_URL.rstrip('/')}/{url.lstrip('/')}"


def _component(event: Event) -> icalendar.Event:
    entry = icalendar.Event()
    entry.add("uid", event.uid)
    entry.add("dtstamp", timezone.now())
    entry.add("sequence", event.sequence)
    entry.add("summary", event.summary)
    if isinstance(event.start, datetime):
        entry.add("dtstart", event.start.astimezone(SHANGHAI))
        if isinstance(event.end, datetime):
            entry.add("dtend", event.end.astimezone(SHANGHAI))
    else:
        entry.add("dtstart", event.start)
        entry.add("dtend", event.end or event.start + timedelta(days=1))
    if event.location:
        entry.add("location", event.location)
    if event.url:
        entry.add("url", _absolute(event.url))
    description = "\n".join(part for part in (event.description, _absolute(event.url)) if part)
    if description:
        entry.add("description", description)
    entry.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    return entry


def render(events: list[Event], *, method: str | None = None, name: str = "") -> bytes:
    """An iCalendar document of `events` with the VTIMEZONE of Asia/Shanghai."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for event in events:
        cal.add_component(_component(event))
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def deadline_events(user: User) -> list[Event]:
    """Active deadlines the person is reminded about as the one responsible (not escalations),
    and those of the committees the apps say the person runs; each an all-day event on its
    last day."""
    reminded = Reminder.objects.filter(deadline=OuterRef("pk"), recipient=user, escalation=False)
    scope = Q(Exists(reminded))
    committees = hooks.calendar_committee_ids(user)
    if committees is not None:
        scope |= Q(committee_id__in=committees)
    rows = (
        Deadline.objects.filter(state__in=ACTIVE_DEADLINE_STATES)
        .filter(scope)
        .only("id", "kind", "title", "due_at", "state")
        .order_by("due_at", "id")[:500]
    )
    events = []
    for deadline in rows:
        last_day = (timezone.localtime(deadline.due_at) - timedelta(microseconds=1)).date()
        events.append(
            Event(
                uid=uid("deadline", deadline.pk),
                summary=f"{deadline.get_kind_display()}: {deadline.title}",
                start=last_day,
                end=last_day + timedelta(days=1),
            )
        )
    return events


def feed(user: User) -> bytes:
    """The person's private feed: their meetings (from the apps) and their deadlines."""
    events = [*hooks.calendar_events(user), *deadline_events(user)]
    with translation.override(user.language or settings.LANGUAGE_CODE):
        name = str(_("Ethics committee: %(name)s")) % {"name": user.display_name}
    return render(events, name=name)
