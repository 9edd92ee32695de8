"""The rows of the deadlines and filings lists, written in Python (issue 18).

Both pages wrote every cell in the template: ``|last_day``, ``{% countdown %}``,
``|calendar_gap``, ``get_*_display``, ``|default``, ``|date``, a ``{% url %}`` and an
``{% if %}`` or two per row, 50 rows a page: some 3,000 template lookups and renders per
deadlines page, most of its time. The views now pass these writers' output to the templates,
which print it where the loop was. The text is the loop's, character for character, in both
languages and for every state a row can be in (``tests/registry/test_list_rows.py`` renders the
old loops and compares).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext

from ethics.cells import or_dash, pk_url
from ethics.choice_labels import labeller
from ethics.deadlines import is_overdue
from ethics.listing import text_html
from ethics.models import ACTIVE_DEADLINE_STATES, Deadline
from ethics.services import calendar_note
from ethics.templatetags.ethics_tags import countdown, last_day
from registry.models import Filing


def _ymd(value: date | None) -> str:
    """``{{ value|date:"Y-m-d" }}`` of a date column (no time zone to apply)."""
    if not value:
        return ""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


@dataclass(frozen=True, slots=True)
class DeadlineRow:
    """What a line of the deadlines list shows, read as values (issue 18: no deadline instance
    per line): the kind's and the state's labels in the active language."""

    pk: int
    due_at: datetime | None
    state: str
    title: str
    committee_name: str | None
    rule: str
    kind_label: str
    state_label: str

    @property
    def is_active(self) -> bool:  # ``Deadline.is_active``; ``countdown`` reads it
        return self.state in ACTIVE_DEADLINE_STATES


# The columns ``deadline_rows_of_values`` takes, in its order (``filtered_page(values=...)``);
# ``committee_name`` is ``registry.selectors.deadlines_for_user``'s annotation.
DEADLINE_VALUES = ("pk", "due_at", "state", "kind", "title", "committee_name", "rule")


def deadline_rows_of_values(values: Iterable[tuple[Any, ...]]) -> list[DeadlineRow]:
    """The rows of ``DEADLINE_VALUES`` tuples."""
    kind_label, state_label = labeller(Deadline, "kind"), labeller(Deadline, "state")
    return [
        DeadlineRow(pk, due_at, state, title, committee, rule, kind_label(kind), state_label(state))
        for pk, due_at, state, kind, title, committee, rule in values
    ]


def deadline_rows_html(
    deadlines: Sequence[DeadlineRow], now: datetime, years: frozenset[int] | None
) -> SafeString:
    """The deadlines table's body: ``registry/deadline_list.html``'s loop over the page. A row
    is overdue as ``Deadline.is_overdue`` says (running and past its deadline, scanned or
    not), at ``now``, the moment its countdown chip is counted from."""
    if not deadlines:
        nothing = text_html(gettext("No deadlines match."))  # outside the f-string
        return SafeString(f'\n    <tr><td colspan="6" class="muted">{nothing}</td></tr>\n  ')
    overdue_label = text_html(gettext("Overdue"))
    parts = []
    for d in deadlines:
        gap = calendar_note(d.due_at, years) if d.due_at is not None and years is not None else ""
        gap_html = f'<div class="muted" data-calendar-gap>{text_html(gap)}</div>' if gap else ""
        overdue = d.is_active and d.due_at is not None and is_overdue(d.due_at, now)
        pill = "bad" if overdue else ("ok" if d.state == "met" else "")
        state = overdue_label if overdue else text_html(d.state_label)
        parts.append(
            f'\n    <tr data-deadline="{text_html(d.pk)}">\n'
            f'      <td class="nowrap">{text_html(last_day(d.due_at))} {countdown(d, now)}</td>\n'
            f"      <td>{text_html(d.kind_label)}</td>\n"
            f"      <td>{text_html(d.title)}{gap_html}</td>\n"
            f"      <td>{or_dash(d.committee_name)}</td>\n"
            f"      <td>{or_dash(d.rule)}</td>\n"
            f'      <td><span class="pill nowrap {pill}">{state}</span></td>\n'
            f"    </tr>\n  "
        )
    return SafeString("".join(parts))


def filing_rows_html(filings: Sequence[Filing]) -> SafeString:
    """The filings table's body: ``registry/filing_list.html``'s loop over the page."""
    if not filings:
        nothing = text_html(gettext("No filings match."))  # outside the f-string
        return SafeString(f'\n    <tr><td colspan="7" class="muted">{nothing}</td></tr>\n  ')
    url = pk_url("registry:filing-detail")
    overdue_note = f'<span class="bad">{text_html(gettext("Overdue"))}</span>'
    parts = []
    for f in filings:
        if f.period:
            subject = text_html(f.period)
        elif f.project is not None:
            subject = text_html(f.project.title)
        else:
            subject = text_html(f.committee.name)
        overdue = f.is_overdue
        pill = "bad" if overdue else ("ok" if f.status in ("submitted", "acknowledged") else "")
        submitted = f'<div class="muted">{_ymd(f.submitted_on)}</div>' if f.submitted_on else ""
        parts.append(
            f'\n    <tr data-filing="{text_html(f.pk)}" data-kind="{text_html(f.kind)}"'
            f' data-status="{text_html(f.status)}">\n'
            f"      <td>{_ymd(f.due_on)}</td>\n"
            f'      <td><a href="{text_html(url(f.pk))}">{text_html(f.get_kind_display())}</a></td>\n'
            f"      <td>{subject}</td>\n"
            f"      <td>{text_html(f.committee.name)}</td>\n"
            f"      <td>{or_dash(f.rule)}</td>\n"
            f'      <td><span class="pill {pill}">{text_html(f.get_status_display())}</span>\n'
            f"        {overdue_note if overdue else ''}</td>\n"
            f"      <td>{or_dash(f.receipt)}{submitted}</td>\n"
            f"    </tr>\n  "
        )
    return SafeString("".join(parts))
