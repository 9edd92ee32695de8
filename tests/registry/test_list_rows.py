"""Issue 18: the deadlines and filings lists write their rows in Python (registry/rows.py). The
HTML must be what the templates' loops wrote, in both languages, for every state a row can be in:
open, due today, overdue (scanned or not), met, waived; with and without a committee, a rule, a
receipt, a project or a period; a year without a holiday calendar; and an empty page."""

import datetime as dt

import pytest
from django.template import engines
from django.utils import timezone, translation

from ethics.models import Deadline
from registry import rows, selectors, services
from registry.models import Filing
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

OLD_DEADLINES = """{% load i18n ethics_tags %}
  {% for d in page %}
    <tr data-deadline="{{ d.pk }}">
      <td class="nowrap">{{ d.due_at|last_day }} {% countdown d now %}</td>
      <td>{{ d.get_kind_display }}</td>
      <td>{{ d.title }}{% with gap=d.due_at|calendar_gap:calendar_years %}{% if gap %}<div class="muted" data-calendar-gap>{{ gap }}</div>{% endif %}{% endwith %}</td>
      <td>{{ d.committee_name|default:"—" }}</td>
      <td>{{ d.rule|default:"—" }}</td>
      <td><span class="pill nowrap {% if d.is_overdue %}bad{% elif d.state == 'met' %}ok{% endif %}">{% if d.is_overdue %}{% translate "Overdue" %}{% else %}{{ d.get_state_display }}{% endif %}</span></td>
    </tr>
  {% empty %}
    <tr><td colspan="6" class="muted">{% translate "No deadlines match." %}</td></tr>
  {% endfor %}"""

OLD_FILINGS = """{% load i18n %}
  {% for f in page %}
    <tr data-filing="{{ f.pk }}" data-kind="{{ f.kind }}" data-status="{{ f.status }}">
      <td>{{ f.due_on|date:"Y-m-d" }}</td>
      <td><a href="{% url 'registry:filing-detail' f.pk %}">{{ f.get_kind_display }}</a></td>
      <td>{% if f.period %}{{ f.period }}{% elif f.project %}{{ f.project.title }}{% else %}{{ f.committee.name }}{% endif %}</td>
      <td>{{ f.committee.name }}</td>
      <td>{{ f.rule|default:"—" }}</td>
      <td><span class="pill {% if f.is_overdue %}bad{% elif f.status == 'submitted' or f.status == 'acknowledged' %}ok{% endif %}">{{ f.get_status_display }}</span>
        {% if f.is_overdue %}<span class="bad">{% translate "Overdue" %}</span>{% endif %}</td>
      <td>{{ f.receipt|default:"—" }}{% if f.submitted_on %}<div class="muted">{{ f.submitted_on|date:"Y-m-d" }}</div>{% endif %}</td>
    </tr>
  {% empty %}
    <tr><td colspan="7" class="muted">{% translate "No filings match." %}</td></tr>
  {% endfor %}"""


def _old(template: str, **context) -> str:
    return engines["django"].from_string(template).render(context)


def _deadlines(world) -> list[Deadline]:
    now = timezone.now()
    some = list(Deadline.objects.filter(committee_id=world.committee.pk).order_by("pk"))
    assert some, "the registry world opens the committee's clocks"
    base = some[0]
    rule = base.rule  # the world's own clock's rule, and none
    assert rule
    states = [
        ("open", dt.timedelta(days=10), rule, "<b>标题 & 名</b>"),
        ("open", dt.timedelta(hours=2), "", "今天到期"),
        ("open", -dt.timedelta(days=3), rule, "未扫描的逾期"),
        ("overdue", -dt.timedelta(days=1), rule, "已逾期"),
        ("met", -dt.timedelta(days=5), rule, "已完成"),
        ("waived", dt.timedelta(days=400), "", "豁免"),
        ("open", dt.timedelta(days=900), rule, "远期（无日历）"),
    ]
    for i, (state, delta, rule, title) in enumerate(states):
        Deadline.objects.create(
            kind=base.kind,
            subject_type=base.subject_type,
            subject_id=10_000 + i,
            committee_id=world.committee.pk if i % 3 else None,
            title=title,
            rule=rule,
            due_at=now + delta,
            state=state,
            met_at=now if state == "met" else None,
        )
    # A superuser sees the clocks of no committee too (no committee name: "—").
    return list(selectors.deadlines_for_user(UserFactory(is_superuser=True)))


def _deadline_rows(deadlines: list[Deadline]) -> list[rows.DeadlineRow]:
    """The same deadlines as the page reads them: ``rows.DEADLINE_VALUES`` tuples."""
    superuser = UserFactory(is_superuser=True)
    values = selectors.deadlines_for_user(superuser).select_related(None)
    by_pk = {v[0]: v for v in values.values_list(*rows.DEADLINE_VALUES)}
    return rows.deadline_rows_of_values([by_pk[d.pk] for d in deadlines])


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_deadline_rows_are_the_templates(world, language):
    deadlines = _deadlines(world)
    assert len(deadlines) >= 8
    assert {d.state for d in deadlines} >= {"open", "overdue", "met", "waived"}
    now = timezone.now()
    this_year = timezone.localdate().year
    with translation.override(language):
        # the labels are read in the active language, as the page reads them
        values = _deadline_rows(deadlines)
        for years in (frozenset({this_year, this_year + 1}), frozenset(), None):
            for page, lines in ((deadlines, values), ([], [])):
                old = _old(OLD_DEADLINES, page=page, now=now, calendar_years=years)
                new = "\n  " + rows.deadline_rows_html(lines, now, years)
                assert new == old, (years, len(page))
    # the page shows what the writer wrote
    with translation.override(language):
        assert "data-calendar-gap" in rows.deadline_rows_html(values, now, frozenset())
        assert "&lt;b&gt;" in rows.deadline_rows_html(values, now, None)


def test_overdue_is_counted_at_the_pages_moment(world):
    """A running clock is overdue from its deadline on, at the moment the page counts its
    chips from: one second before it is not, at it (and after) it is (``Deadline.is_overdue``)."""
    deadline = _deadlines(world)[0]
    (row,) = _deadline_rows([deadline])
    assert row.is_active
    html = str(rows.deadline_rows_html([row], row.due_at - dt.timedelta(seconds=1), None))
    assert 'class="pill nowrap "' in html
    for moment in (row.due_at, row.due_at + dt.timedelta(days=1)):
        html = str(rows.deadline_rows_html([row], moment, None))
        assert 'class="pill nowrap bad"' in html
    assert deadline.is_overdue is (timezone.now() >= row.due_at)


def _filings(world) -> list[Filing]:
    registration = Filing.objects.get(committee=world.committee, kind="committee_registration")
    annual = services.annual_report_open_for(committee_id=world.committee.pk, year=2025)
    project = ProjectFactory(committee=world.committee, title="<i>基因编辑</i> & 研究")
    today = timezone.localdate()
    Filing.objects.filter(pk=registration.pk).update(
        project=project, receipt="DJ-2026-0042", due_on=today + dt.timedelta(days=20)
    )
    Filing.objects.filter(pk=annual.pk).update(due_on=today - dt.timedelta(days=3))
    Deadline.objects.filter(pk=annual.deadline_id).update(
        due_at=timezone.now() - dt.timedelta(days=2), state="open"
    )
    submitted = services.annual_report_open_for(committee_id=world.committee.pk, year=2024)
    Filing.objects.filter(pk=submitted.pk).update(
        status="submitted", submitted_on=today, receipt="R&1", rule=""
    )
    return list(selectors.filings_for_user(world.secretary))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_filing_rows_are_the_templates(world, language):
    filings = _filings(world)
    assert len(filings) >= 3
    assert any(f.is_overdue for f in filings)
    assert any(f.project_id for f in filings)
    assert any(f.period for f in filings)
    with translation.override(language):
        for page in (filings, []):
            old = _old(OLD_FILINGS, page=page)
            assert "\n  " + rows.filing_rows_html(page) == old, len(page)
