"""The rows of the meetings list, written in Python (issue 18).

The page wrote its calendar and its table in the template: a ``{% url %}``, two ``|date``
formats, ``get_*_display`` and ``|default`` per meeting, twice (the calendar lists the same
page). The view passes these writers' output instead; the text is the loops', character for
character, in both languages (``tests/meetings/test_list_rows.py`` renders the old loops).
The page's meetings are read as the columns a line shows (``MEETING_VALUES``), not as meeting
instances with their committee, presiding membership and user joined in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from ethics.cells import local_minute, or_dash, pk_url
from ethics.choice_labels import labeller
from ethics.listing import text_html
from ethics.models import display_name, name_columns
from meetings.models import Meeting


@dataclass(frozen=True, slots=True)
class MeetingRow:
    """What a line of the meetings list shows, read as values (issue 18: no meeting, committee,
    membership and user instances per line): the labels in the active language, the presiding
    member's name ("" when nobody presides)."""

    pk: int
    starts_at: datetime
    title: str
    place: str
    committee_name: str
    mode: str
    status: str
    presiding: str


# The columns ``meeting_rows_of_values`` takes, in its order (``filtered_page(values=...)``).
MEETING_VALUES = (
    "pk",
    "starts_at",
    "title",
    "place",
    "committee__name",
    "mode",
    "status",
    "presiding_id",
    *name_columns("presiding__user"),
)


def meeting_rows_of_values(values: Iterable[tuple[Any, ...]]) -> list[MeetingRow]:
    """The rows of ``MEETING_VALUES`` tuples."""
    mode, status = labeller(Meeting, "mode"), labeller(Meeting, "status")
    return [
        MeetingRow(
            pk,
            starts_at,
            title,
            place,
            committee,
            mode(mode_value),
            status(status_value),
            "" if presiding is None else display_name(*names),
        )
        for pk, starts_at, title, place, committee, mode_value, status_value, presiding, *names in (
            values
        )
    ]


def _local(value: datetime) -> datetime:
    """What ``|date`` formats: the moment in the active time zone."""
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _short(value: datetime) -> str:
    """``{{ value|date:"m-d H:i" }}``."""
    v = _local(value)
    return f"{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}"


def meeting_calendar_html(calendar: Mapping[date, Sequence[MeetingRow]]) -> SafeString:
    """The calendar card's months: ``meetings/meeting_list.html``'s loop over ``calendar``."""
    if not calendar:
        none_yet = text_html(gettext("No meetings yet."))  # outside the f-string
        return SafeString(f'<p class="muted">{none_yet}</p>')
    url = pk_url("meetings:meeting-detail")
    parts = []
    for month, meetings in calendar.items():
        items = "".join(
            f'<li><a href="{text_html(url(m.pk))}">{_short(m.starts_at)}</a> '
            f"{text_html(m.committee_name)} · {text_html(m.mode)} · "
            f'<span class="pill">{text_html(m.status)}</span></li>'
            for m in meetings
        )
        parts.append(f"\n    <h3>{month.year:04d}-{month.month:02d}</h3>\n    <ul>{items}</ul>\n  ")
    return SafeString("".join(parts))


def meeting_rows_html(meetings: Sequence[MeetingRow], *, filtered: bool) -> SafeString:
    """The meetings table's body: the template's loop over the page. ``filtered``: the filter
    form is bound (the empty line says "no meetings match" rather than "none yet")."""
    if not meetings:
        text = gettext("No meetings match.") if filtered else gettext("No meetings yet.")
        return SafeString(f'<tr><td colspan="7" class="muted">{text_html(text)}</td></tr>')
    url = pk_url("meetings:meeting-detail")
    parts = []
    for m in meetings:
        parts.append(
            f'\n    <tr data-meeting="{text_html(m.pk)}"><td><a href="{text_html(url(m.pk))}">'
            f"{local_minute(m.starts_at)}</a></td>\n"
            f"      <td>{or_dash(m.title)}</td>\n"
            f"      <td>{text_html(m.committee_name)}</td><td>{text_html(m.mode)}"
            f"</td><td>{or_dash(m.place)}</td>\n"
            f'      <td><span class="pill">{text_html(m.status)}</span></td>'
            f"<td>{or_dash(m.presiding)}</td></tr>\n  "
        )
    return SafeString("".join(parts))
