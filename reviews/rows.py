"""The rows of the reviews list pages, their cells computed once in Python (issue 18).

The intake page and the researcher's project list used to work out every cell in the template:
a ``{% url %}`` per row, ``get_*_display``, ``|date``, ``|last_day``, ``|default`` and an
``{% if %}`` per cell. Each page now builds its rows here (labels from ``ethics.choice_labels``'
tables, looked up once per column; links from one ``reverse`` per page; the deadline texts of
``ethics.deadlines``), and writes them with the ``*_html`` writers below (the template's loop
in Python: no template lookup per cell); the HTML is the same. Intake and "my reviews" read
their rows' columns as ``values_list`` tuples (``INTAKE_VALUES``, ``REVIEW_VALUES``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext

from ethics.cells import NO_VALUE, local_date, local_minute, pk_url
from ethics.choice_labels import labeller
from ethics.listing import text_html
from ethics.models import display_name, name_columns
from ethics.templatetags.ethics_tags import countdown, last_day
from reviews import workflow
from reviews.models import (
    Application,
    Opinion,
    Project,
    Review,
    ReviewerAssignment,
    ReviewState,
)

if TYPE_CHECKING:
    from reviews.selectors import ChecklistRow

_LABELLED = ("kind", "status", "procedure")  # Application's choice fields a row shows


@dataclass(frozen=True, slots=True)
class IntakeRow:
    """One application in the intake queue, as its row shows it."""

    pk: int
    url: str
    ref: str
    title: str
    applicant: str
    kind: str
    status: str
    procedure: str
    submitted: str
    due: str
    countdown: str  # " " and the countdown chip (safe HTML) while the decision clock runs
    problem: bool  # the decision is overdue: the row is marked


# The columns an intake row shows, in the order ``intake_rows_of_values`` reads them: the intake
# view reads them with ``values_list`` (no model instances for a page of rows; issue 18).
INTAKE_VALUES = (
    "pk",
    "ref",
    "kind",
    "status",
    "procedure",
    "submitted_at",
    "due_at",
    "project__title",
    *name_columns("project__lead"),
)


def intake_rows(applications: Iterable[Any], now: datetime) -> list[IntakeRow]:
    """The intake rows of ``applications`` (with ``project__lead`` selected)."""
    return intake_rows_of_values(
        (
            (
                a.pk,
                a.ref,
                a.kind,
                a.status,
                a.procedure,
                a.submitted_at,
                a.due_at,
                a.project.title,
                a.project.lead.name,
                a.project.lead.first_name,
                a.project.lead.last_name,
                a.project.lead.username,
            )
            for a in applications
        ),
        now,
    )


def intake_rows_of_values(values: Iterable[Sequence[Any]], now: datetime) -> list[IntakeRow]:
    """The intake rows of ``values``: tuples of the ``INTAKE_VALUES`` columns."""
    url = pk_url("reviews:application-detail")
    kind, status, procedure = (labeller(Application, name) for name in _LABELLED)
    tz = timezone.get_current_timezone()
    under_review = workflow.Status.UNDER_REVIEW
    rows = []
    for (
        pk,
        ref,
        kind_code,
        status_code,
        procedure_code,
        submitted_at,
        due_at,
        title,
        name,
        first_name,
        last_name,
        username,
    ) in values:
        running = status_code == under_review and due_at is not None
        rows.append(
            IntakeRow(
                pk=pk,
                url=url(pk),
                ref=ref,
                title=title,
                applicant=display_name(name, first_name, last_name, username),
                kind=kind(kind_code),
                status=status(status_code),
                procedure=procedure(procedure_code) or NO_VALUE,
                submitted=local_date(submitted_at, tz),
                due=last_day(due_at) or NO_VALUE,
                countdown=SafeString(" " + countdown(due_at, now)) if running else "",
                problem=running and due_at <= now,
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class ProjectApplicationRow:
    """One application under its project on the researcher's project list."""

    pk: int
    url: str
    ref: str  # "Draft" before it has a reference
    kind: str
    status_code: str
    status: str
    due: str


@dataclass(frozen=True, slots=True)
class ProjectRow:
    """One project card on the researcher's project list, with its applications."""

    pk: int
    url: str
    title: str
    status: str
    committee: str
    listed_item: Any
    applications: Sequence[ProjectApplicationRow]


# The columns of a project card's applications, in the order ``project_rows`` reads them
# (``reviews.selectors.own_project_application_rows``).
PROJECT_APPLICATION_VALUES = ("pk", "project_id", "ref", "kind", "status", "due_at")


def project_rows(
    projects: Iterable[Any], applications: Iterable[Sequence[Any]]
) -> list[ProjectRow]:
    """The project cards of ``projects`` (with ``committee`` selected), each with its own
    ``applications`` (``PROJECT_APPLICATION_VALUES`` tuples) in the order given."""
    application_url = pk_url("reviews:application-detail")
    project_url = pk_url("reviews:project-detail")
    draft = gettext("Draft")
    kind, status = (labeller(Application, name) for name in _LABELLED[:2])
    project_status = labeller(Project, "status")
    by_project: dict[int, list[ProjectApplicationRow]] = {}
    for pk, project_id, ref, kind_code, status_code, due_at in applications:
        by_project.setdefault(project_id, []).append(
            ProjectApplicationRow(
                pk=pk,
                url=application_url(pk),
                ref=ref or draft,
                kind=kind(kind_code),
                status_code=status_code,
                status=status(status_code),
                due=last_day(due_at) or NO_VALUE,
            )
        )
    return [
        ProjectRow(
            pk=p.pk,
            url=project_url(p.pk),
            title=p.title,
            status=project_status(p.status),
            committee=p.committee.name,
            listed_item=p.listed_item,
            applications=by_project.get(p.pk, []),
        )
        for p in projects
    ]


def intake_rows_html(rows: Sequence[IntakeRow]) -> SafeString:
    """The intake table's body (between ``<tbody>`` and ``</tbody>``): what the template's loop
    over ``rows`` wrote, written in Python (issue 18: some 400 template lookups and renders per
    page). The same text, character for character, in both languages
    (``tests/reviews/test_list_rows.py``)."""
    if not rows:
        nothing = text_html(gettext("Nothing here."))  # outside the f-string, for makemessages
        return SafeString(f'<tr><td colspan="8" class="muted">{nothing}</td></tr>')
    parts = []
    for r in rows:
        parts.append(
            f'\n  <tr data-application="{r.pk}"{_PROBLEM if r.problem else ""}>\n'
            f'    <td><a href="{text_html(r.url)}">{text_html(r.ref)}</a></td>'
            f"<td>{text_html(r.title)}</td>\n"
            f"    <td data-applicant>{text_html(r.applicant)}</td><td>{text_html(r.kind)}</td>\n"
            f'    <td><span class="pill nowrap">{text_html(r.status)}</span></td>'
            f"<td>{text_html(r.procedure)}</td>\n"
            f'    <td class="nowrap">{text_html(r.submitted)}</td>\n'
            f'    <td class="nowrap">{text_html(r.due)}{r.countdown}</td></tr>\n  '
        )
    return SafeString("".join(parts))


_PROBLEM = ' class="problem"'


def project_cards_html(rows: Sequence[ProjectRow]) -> SafeString:
    """The researcher's project cards with their applications (or the "no projects" line):
    what ``reviews/my_projects.html``'s loop over ``rows`` wrote, written in Python (issue 18),
    the same text in both languages (``tests/reviews/test_list_rows.py``)."""
    if not rows:
        none_yet = text_html(gettext("You have no projects yet."))  # for makemessages
        return SafeString(f'\n<p class="muted">{none_yet}</p>\n')
    head = (
        "\n    <thead><tr>"
        + "".join(
            f"<th>{text_html(text)}</th>"
            for text in (
                gettext("Reference"),
                gettext("Kind"),
                gettext("Status"),
                gettext("Decision due"),
            )
        )
        + "</tr></thead>\n    <tbody>"
    )
    listed = gettext("Annex list item %(n)s")
    parts = []
    for p in rows:
        parts.append(
            f'\n<section class="card" data-project="{p.pk}">\n'
            f'  <h2><a href="{text_html(p.url)}">{text_html(p.title)}</a> '
            f'<span class="pill">{text_html(p.status)}</span></h2>\n'
            f'  <p class="muted">{text_html(p.committee)}'
        )
        if p.listed_item:
            parts.append(" · " + listed % {"n": text_html(p.listed_item)})
        parts.append("</p>\n  ")
        if p.applications:
            parts.append('<div class="table-wrap"><table>')
            parts.append(head)
            for a in p.applications:
                parts.append(
                    f'<tr data-application="{a.pk}">\n'
                    f'      <td><a href="{text_html(a.url)}">{text_html(a.ref)}</a></td>\n'
                    f'      <td>{text_html(a.kind)}</td><td><span class="pill" '
                    f'data-status="{text_html(a.status_code)}">{text_html(a.status)}</span></td>\n'
                    f"      <td>{text_html(a.due)}</td></tr>"
                )
            parts.append("</tbody>\n  </table></div>")
        parts.append("\n</section>\n")
    return SafeString("".join(parts))


# The columns a row of "my reviews" shows, in the order ``review_rows_html`` reads them.
REVIEW_VALUES = (
    "pk",
    "review__application__ref",
    "review__application__project__title",
    "review__procedure",
    "coi_state",
    "opinion__pk",
    "opinion__verdict",
    "review__due_at",
    "review__state",
)


def review_rows_html(values: Sequence[Sequence[Any]], now: datetime) -> SafeString:
    """The body of a member's "my reviews" table from tuples of the ``REVIEW_VALUES`` columns:
    what ``reviews/my_reviews.html``'s loop over model instances wrote (a ``{% url %}``, three
    ``get_*_display``, ``|last_day`` and ``{% countdown %}`` per row), written in Python with no
    model instances (issue 18); the same text in both languages
    (``tests/reviews/test_list_rows.py``)."""
    if not values:
        none_yet = text_html(gettext("No reviews assigned to you."))  # for makemessages
        return SafeString(f'<tr><td colspan="6" class="muted">{none_yet}</td></tr>')
    url = pk_url("reviews:assignment-detail")
    procedure = labeller(Review, "procedure")
    coi = labeller(ReviewerAssignment, "coi_state")
    verdict = labeller(Opinion, "verdict")
    parts = []
    for pk, ref, title, procedure_code, coi_code, opinion, verdict_code, due_at, state in values:
        due = last_day(due_at)
        if state == ReviewState.OPEN:
            due = f"{text_html(due)} {countdown(due_at, now)}"
        else:
            due = text_html(due)
        parts.append(
            f'\n  <tr data-assignment="{pk}"><td><a href="{text_html(url(pk))}">'
            f"{text_html(ref)}</a></td>\n"
            f"    <td>{text_html(title)}</td><td>{text_html(procedure(procedure_code))}</td>"
            f"<td>{text_html(coi(coi_code))}</td>\n"
            f"    <td>{NO_VALUE if opinion is None else text_html(verdict(verdict_code))}</td>"
            f'<td class="nowrap">{due}</td></tr>\n  '
        )
    return SafeString("".join(parts))


def checklist_rows_html(rows: Sequence[ChecklistRow]) -> SafeString:
    """The application page's documents table body (after the closed-materials line) for a
    reader who may open the materials: what ``reviews/application_detail.html``'s loop over
    ``selectors.checklist_rows`` wrote, written in Python (issue 18: a ``{% url %}``, a ``|date``
    and a dozen lookups per document). The same text in both languages
    (``tests/reviews/test_checklist_rows_html.py``). A reader who may not open them gets no row
    (the template writes nothing then)."""
    download, preview = pk_url("reviews:document-download"), pk_url("reviews:document-preview")
    zone = timezone.get_current_timezone()
    # gettext outside the f-strings (makemessages); translated text is written as
    # {% translate %} writes it, unescaped.
    correction, preview_word, missing = (
        gettext("Correction requested"),
        gettext("Preview"),
        gettext("Missing"),
    )
    parts = []
    for row in rows:
        current = row.current
        slot = text_html(row.slot)
        parts.append(
            f'\n  <tr data-slot="{slot}" data-present="{"yes" if current else "no"}">\n'
            f"    <td>{text_html(row.label)}{' *' if row.required else ''}\n      "
        )
        document = row.document
        if document is not None and document.correction_requested:
            parts.append(
                f'<div class="problem" data-correction="{slot}">{correction}: '
                f"{text_html(document.correction_note)}</div>"
            )
        parts.append(f'</td>\n    <td class="muted">{text_html(row.rule)}</td>\n    <td>')
        if current is not None:
            parts.append(
                f'<a href="{download(current.pk)}">v{text_html(current.version)} '
                f"{text_html(current.original_name)}</a>"
            )
            if current.content_type == "application/pdf" and not current.quarantine:
                parts.append(
                    f' <a class="preview-link" data-preview="{current.pk}" '
                    f'href="{preview(current.pk)}">{preview_word}</a>'
                )
            parts.append(
                f'\n        <div class="muted">{local_minute(current.uploaded_at, zone)} · SHA-256 '
                f"{text_html(Truncator(current.sha256).chars(14))}</div>"
            )
            if current.quarantine:
                found = text_html(current.quarantine)
                quarantined = gettext(
                    "Quarantined: this file contains active content (%(found)s); only the "
                    "committee's secretaries can download it."
                ) % {"found": found}
                parts.append(
                    f'<div class="pill bad" data-quarantine="{current.pk}">{quarantined}</div>'
                )
        else:
            parts.append(f'<span class="muted">{missing}</span>')
        parts.append("</td>\n    <td>")
        for version in row.versions[1:]:
            parts.append(f'<a href="{download(version.pk)}">v{text_html(version.version)}</a> ')
        parts.append("</td>\n  </tr>")
    return SafeString("".join(parts))
