"""Issue 18: the intake and my-projects rows are built in Python (reviews/rows.py) and written by
a plain template loop. The HTML must be what the per-cell template (``{% url %}``,
``get_*_display``, ``|date``, ``|last_day``, ``{% countdown %}``, ``{% if %}``) wrote, in both
languages, for every state a row can be in."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.utils import timezone, translation

from ethics import cells
from ethics.models import User
from reviews.models import Application, Project
from reviews.rows import (
    PROJECT_APPLICATION_VALUES,
    intake_rows,
    intake_rows_html,
    project_cards_html,
    project_rows,
    review_rows_html,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=SHANGHAI)

OLD_INTAKE = """{% load ethics_tags %}{% for a in page %}
  <tr data-application="{{ a.pk }}"{% if a.status == "under_review" and a.due_at and a.due_at <= now %} class="problem"{% endif %}>
    <td><a href="{% url 'reviews:application-detail' a.pk %}">{{ a.ref }}</a></td><td>{{ a.project.title }}</td>
    <td data-applicant>{{ a.project.lead.display_name }}</td><td>{{ a.get_kind_display }}</td>
    <td><span class="pill nowrap">{{ a.get_status_display }}</span></td><td>{{ a.get_procedure_display|default:"—" }}</td>
    <td class="nowrap">{{ a.submitted_at|date:"Y-m-d" }}</td>
    <td class="nowrap">{{ a.due_at|last_day|default:"—" }}{% if a.status == "under_review" and a.due_at %} {% countdown a.due_at now %}{% endif %}</td></tr>
{% endfor %}"""

NEW_INTAKE = """{% for r in rows %}
  <tr data-application="{{ r.pk }}"{% if r.problem %} class="problem"{% endif %}>
    <td><a href="{{ r.url }}">{{ r.ref }}</a></td><td>{{ r.title }}</td>
    <td data-applicant>{{ r.applicant }}</td><td>{{ r.kind }}</td>
    <td><span class="pill nowrap">{{ r.status }}</span></td><td>{{ r.procedure }}</td>
    <td class="nowrap">{{ r.submitted }}</td>
    <td class="nowrap">{{ r.due }}{{ r.countdown }}</td></tr>
{% endfor %}"""

OLD_PROJECTS = """{% for project, applications in rows %}
<h2><a href="{% url 'reviews:project-detail' project.pk %}">{{ project.title }}</a> <span class="pill">{{ project.get_status_display }}</span></h2>
<p class="muted">{{ project.committee.name }}{% if project.listed_item %} · {{ project.listed_item }}{% endif %}</p>
{% for a in applications %}<tr data-application="{{ a.pk }}">
<td><a href="{% url 'reviews:application-detail' a.pk %}">{{ a.ref|default:_("Draft") }}</a></td>
<td>{{ a.get_kind_display }}</td><td><span class="pill" data-status="{{ a.status }}">{{ a.get_status_display }}</span></td>
<td>{{ a.due_at|last_day|default:"—" }}</td></tr>{% endfor %}
{% endfor %}"""

NEW_PROJECTS = """{% for project in rows %}
<h2><a href="{{ project.url }}">{{ project.title }}</a> <span class="pill">{{ project.status }}</span></h2>
<p class="muted">{{ project.committee }}{% if project.listed_item %} · {{ project.listed_item }}{% endif %}</p>
{% for a in project.applications %}<tr data-application="{{ a.pk }}">
<td><a href="{{ a.url }}">{{ a.ref }}</a></td>
<td>{{ a.kind }}</td><td><span class="pill" data-status="{{ a.status_code }}">{{ a.status }}</span></td>
<td>{{ a.due }}</td></tr>{% endfor %}
{% endfor %}"""


# The loops of reviews/intake.html and reviews/my_projects.html before their rows were written in
# Python (intake_rows_html, project_cards_html).
PAGE_INTAKE = """{% load i18n %}{% for r in rows %}
  <tr data-application="{{ r.pk }}"{% if r.problem %} class="problem"{% endif %}>
    <td><a href="{{ r.url }}">{{ r.ref }}</a></td><td>{{ r.title }}</td>
    <td data-applicant>{{ r.applicant }}</td><td>{{ r.kind }}</td>
    <td><span class="pill nowrap">{{ r.status }}</span></td><td>{{ r.procedure }}</td>
    <td class="nowrap">{{ r.submitted }}</td>
    <td class="nowrap">{{ r.due }}{{ r.countdown }}</td></tr>
  {% empty %}<tr><td colspan="8" class="muted">{% translate "Nothing here." %}</td></tr>{% endfor %}"""

PAGE_PROJECTS = """{% load i18n %}{% translate "Reference" as reference_header %}{% translate "Kind" as kind_header %}{% translate "Status" as status_header %}{% translate "Decision due" as due_header %}{% for project in rows %}
<section class="card" data-project="{{ project.pk }}">
  <h2><a href="{{ project.url }}">{{ project.title }}</a> <span class="pill">{{ project.status }}</span></h2>
  <p class="muted">{{ project.committee }}{% if project.listed_item %} · {% blocktranslate with n=project.listed_item %}Annex list item {{ n }}{% endblocktranslate %}{% endif %}</p>
  {% if project.applications %}<div class="table-wrap"><table>
    <thead><tr><th>{{ reference_header }}</th><th>{{ kind_header }}</th><th>{{ status_header }}</th><th>{{ due_header }}</th></tr></thead>
    <tbody>{% for a in project.applications %}<tr data-application="{{ a.pk }}">
      <td><a href="{{ a.url }}">{{ a.ref }}</a></td>
      <td>{{ a.kind }}</td><td><span class="pill" data-status="{{ a.status_code }}">{{ a.status }}</span></td>
      <td>{{ a.due }}</td></tr>{% endfor %}</tbody>
  </table></div>{% endif %}
</section>
{% empty %}
<p class="muted">{% translate "You have no projects yet." %}</p>
{% endfor %}"""


def _render(source: str, **context: object) -> str:
    return engines["django"].from_string(source).render(context)


def _card_values(applications):
    """``reviews.rows.PROJECT_APPLICATION_VALUES`` of ``applications``, as the page reads them."""
    return [tuple(getattr(a, name) for name in PROJECT_APPLICATION_VALUES) for a in applications]


def _applications() -> list[Application]:
    """Unsaved applications in every state a row shows differently."""
    lead = User(username="oyang", name="欧阳 <明>")
    nameless = User(username="li", first_name="Li", last_name="Wei")
    project = Project(pk=7, title='Falls & "care"', lead=lead, status="active")
    other = Project(pk=8, title="睡眠", lead=nameless, status="planned")
    day_end = dt.datetime(2026, 12, 3, 0, 0, tzinfo=SHANGHAI)  # a day-counted clock
    hour = dt.datetime(2026, 12, 1, 15, 0, tzinfo=SHANGHAI)  # an hour-counted one
    states = [
        ("under_review", "simplified", dt.datetime(2026, 11, 20, 0, 0, tzinfo=SHANGHAI)),  # late
        ("under_review", "meeting", day_end),  # running
        ("under_review", "meeting", hour),  # due today
        ("under_review", "", NOW),  # due now: overdue
        ("under_review", None, None),  # no clock
        ("submitted", None, None),
        ("returned", "simplified", day_end),  # a clock, but not a running decision clock
        ("awaiting_rereview", "meeting", day_end),
    ]
    applications = []
    for pk, (status, procedure, due_at) in enumerate(states, start=100):
        applications.append(
            Application(
                pk=pk,
                project=project if pk % 2 else other,
                ref=f"R-{pk}" if pk != 105 else "",
                kind="initial" if pk % 3 else "amendment",
                status=status,
                procedure=procedure,
                submitted_at=dt.datetime(2026, 11, 1, 23, 30, tzinfo=dt.UTC),  # 2 Nov in Shanghai
                due_at=due_at,
            )
        )
    return applications


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_intake_rows_write_what_the_cell_template_wrote(language):
    applications = _applications()
    with translation.override(language), timezone.override(SHANGHAI):
        old = _render(OLD_INTAKE, page=applications, now=NOW)
        new = _render(NEW_INTAKE, rows=intake_rows(applications, NOW))
    assert new == old
    assert old.count('class="problem"') == 2
    assert old.count("data-countdown") == 4


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_project_rows_write_what_the_cell_template_wrote(language):
    from committees.models import Committee

    applications = _applications()
    committee = Committee(name="伦理委员会 <A>")
    projects = [applications[0].project, applications[1].project]
    for project in projects:
        project.committee = committee
    projects[0].listed_item = 3
    with translation.override(language), timezone.override(SHANGHAI):
        old = _render(
            OLD_PROJECTS,
            rows=[(p, [a for a in applications if a.project is p]) for p in projects],
        )
        new = _render(NEW_PROJECTS, rows=project_rows(projects, _card_values(applications)))
    assert new == old
    assert ("Draft" if language == "en" else "草稿") in old


def test_pk_url_is_reverse():
    from django.urls import reverse

    url = cells.pk_url("reviews:application-detail")
    for pk in (1, 42, 10**12):
        assert url(pk) == reverse("reviews:application-detail", args=[pk])
    assert cells.fixed_url("reviews:intake") == reverse("reviews:intake")


@pytest.mark.parametrize(
    "value",
    [
        None,
        dt.datetime(2026, 1, 1, 16, 0, tzinfo=dt.UTC),  # the next day in Shanghai
        dt.datetime(999, 5, 6, 12, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 7, 8, 9, 0),  # noqa: DTZ001 - a naive moment, as the filter takes it
    ],
)
def test_local_date_is_the_date_filter(value):
    with timezone.override(SHANGHAI):
        assert cells.local_date(value) == _render('{{ v|date:"Y-m-d" }}', v=value)
        assert cells.local_date(value, SHANGHAI) == cells.local_date(value)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_intake_rows_html_writes_what_the_page_loop_wrote(language):
    applications = _applications()
    applications[0].pk = 1234567  # no thousands separator in the template either
    with translation.override(language), timezone.override(SHANGHAI):
        rows = intake_rows(applications, NOW)
        assert intake_rows_html(rows) == _render(PAGE_INTAKE, rows=rows)
        assert intake_rows_html([]) == _render(PAGE_INTAKE, rows=[])


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_project_cards_html_writes_what_the_page_loop_wrote(language):
    from committees.models import Committee

    applications = _applications()
    committee = Committee(name="伦理委员会 <A>")
    projects = [applications[0].project, applications[1].project, Project(pk=9, title="空")]
    for project in projects:
        project.committee = committee
    projects[0].listed_item = 3
    projects[1].listed_item = None
    projects[2].listed_item = 12
    with translation.override(language), timezone.override(SHANGHAI):
        rows = project_rows(projects, _card_values(applications))
        assert not rows[2].applications
        html = project_cards_html(rows)
        assert html == _render(PAGE_PROJECTS, rows=rows)
        assert project_cards_html([]) == _render(PAGE_PROJECTS, rows=[])
    assert html.count("<section") == 3


# reviews/my_reviews.html's loop before its rows were written in Python (review_rows_html).
OLD_REVIEWS = """{% load i18n ethics_tags %}{% for a in page %}
  <tr data-assignment="{{ a.pk }}"><td><a href="{% url 'reviews:assignment-detail' a.pk %}">{{ a.review.application.ref }}</a></td>
    <td>{{ a.review.application.project.title }}</td><td>{{ a.review.get_procedure_display }}</td><td>{{ a.get_coi_state_display }}</td>
    <td>{% if a.opinion %}{{ a.opinion.get_verdict_display }}{% else %}—{% endif %}</td><td class="nowrap">{{ a.review.due_at|last_day }}{% if a.review.state == "open" %} {% countdown a.review.due_at %}{% endif %}</td></tr>
  {% empty %}<tr><td colspan="6" class="muted">{% translate "No reviews assigned to you." %}</td></tr>{% endfor %}"""


def _assignments():
    """Unsaved assignments in every state a "my reviews" row shows differently."""
    from reviews.models import Opinion, Review, ReviewerAssignment

    applications = _applications()
    now = timezone.now()
    states = [
        ("open", "meeting", "pending", None, now + dt.timedelta(days=5)),
        ("open", "simplified", "none", "approve", now - dt.timedelta(days=3)),  # late
        ("open", "emergency", "conflicted", "disapprove", now + dt.timedelta(hours=2)),
        ("decided", "meeting", "none", "resubmit", now - dt.timedelta(days=30)),
        ("closed", "bogus", "bogus", "bogus", now + dt.timedelta(days=1)),  # codes, not labels
    ]
    assignments = []
    for pk, (state, procedure, coi, verdict, due_at) in enumerate(states, start=1000):
        review = Review(
            pk=pk, application=applications[pk % 8], procedure=procedure, state=state, due_at=due_at
        )
        assignment = ReviewerAssignment(pk=pk, review=review, coi_state=coi)
        if verdict is None:
            ReviewerAssignment.opinion.related.set_cached_value(assignment, None)
        else:
            assignment.opinion = Opinion(pk=pk, verdict=verdict)
        assignments.append(assignment)
    return assignments


def _review_values(assignments):
    return [
        (
            a.pk,
            a.review.application.ref,
            a.review.application.project.title,
            a.review.procedure,
            a.coi_state,
            getattr(getattr(a, "opinion", None), "pk", None),
            getattr(getattr(a, "opinion", None), "verdict", None),
            a.review.due_at,
            a.review.state,
        )
        for a in assignments
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_review_rows_html_writes_what_the_page_loop_wrote(language):
    assignments = _assignments()
    with translation.override(language), timezone.override(SHANGHAI):
        old = _render(OLD_REVIEWS, page=assignments)
        new = review_rows_html(_review_values(assignments), timezone.now())
        assert new == old
        assert review_rows_html([], timezone.now()) == _render(OLD_REVIEWS, page=[])
    assert old.count("data-countdown") == 3
    assert old.count("<td>—</td>") == 1
