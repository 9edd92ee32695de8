"""Dashboards (issue 17): one definition per figure, tested at its boundaries; the pages, their
exports, the monthly PDF, who may open them (outsiders 404) and how many queries they take."""

import datetime as dt
import io
import itertools

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from ethics import services as kernel
from ethics.deadlines import SHANGHAI, Calendar, day_period_due_at, is_overdue
from ethics.models import AuditEvent, Deadline
from meetings.models import AgendaItem, Attendance
from reports import dashboards, figures, policies, selectors, services
from reports.exports import Column, Table, csv_lines, tables_xlsx
from reports.models import AuthorityScope
from reviews.models import Application, Decision, Opinion, Review, ReviewerAssignment
from tests.factories import (
    CommitteeFactory,
    InstitutionFactory,
    MeetingFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)
from tests.world import build_world

_seq = itertools.count(1)
CLOCK = Calendar.weekends_only()


def at(y, m, d, h=10, minute=0):
    return dt.datetime(y, m, d, h, minute, tzinfo=SHANGHAI)


def _case(committee, *, kind="initial", submitted, accepted=None, procedure="meeting",
          decided=None, outcome="approve", status="submitted", title="某项目"):  # fmt: skip
    project = ProjectFactory(committee=committee, institution=committee.institution, title=title)
    application = Application.objects.create(
        project=project, committee=committee, kind=kind, status=status, submitted_at=submitted
    )
    if accepted is None:
        return application, None
    # R25: the legal clock as the services open it: 30 days counted from the acceptance day.
    due = day_period_due_at(accepted, 30, calendar=CLOCK, roll_forward=False)
    review = Review.objects.create(
        application=application, procedure=procedure, accepted_at=accepted, due_at=due
    )
    if decided is not None:
        n = next(_seq)
        Decision.objects.create(
            application=application, review=review, committee=committee, outcome=outcome,
            decided_at=decided, year=decided.year, sequence=n, number=f"No.{n}",
            signature_name="主任", signature_meaning="签发", signed_at=decided,
        )  # fmt: skip
    return application, review


YEAR = selectors.year_bounds(2026)


# --- pure arithmetic -------------------------------------------------------------------------


def test_percentile_is_nearest_rank():
    assert selectors.percentile(list(range(1, 11)), 90) == 9
    assert selectors.percentile(list(range(1, 12)), 90) == 10
    assert selectors.percentile([7], 90) == 7
    assert selectors.percentile([], 90) is None
    assert selectors.percentile([30, 31], 50) == 30


def test_months_between_covers_every_month_touched():
    start, end = selectors.period_bounds(dt.date(2025, 11, 15), dt.date(2026, 2, 1))
    assert selectors.months_between(start, end) == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_legal_limit_words_cite_the_rule():
    assert selectors.legal_limit("meeting") == "30日（R25）"
    assert selectors.legal_limit("emergency").endswith("小时（R48）")


# --- R25: decision on day 30 vs day 31; a deferral restarts nothing ---------------------------


@pytest.mark.django_db
def test_decision_on_day_30_is_on_time_and_on_day_31_late():
    c = CommitteeFactory()
    accepted = at(2026, 3, 2)
    _case(c, submitted=at(2026, 3, 1), accepted=accepted, decided=at(2026, 4, 1, 23, 59))  # day 30
    _case(c, submitted=at(2026, 3, 1), accepted=accepted, decided=at(2026, 4, 2, 0, 1))  # day 31
    # At the exclusive deadline itself: late, as ethics.deadlines.is_overdue says.
    _app, review = _case(c, submitted=at(2026, 3, 1), accepted=accepted)
    assert is_overdue(review.due_at, review.due_at)
    n = next(_seq)
    Decision.objects.create(
        application=review.application, review=review, committee=c, outcome="approve",
        decided_at=review.due_at, year=2026, sequence=n, number=f"No.{n}",
        signature_name="主任", signature_meaning="签发", signed_at=review.due_at,
    )  # fmt: skip
    decided = selectors.decisions([c.pk], *YEAR)
    assert sorted((t.days, t.late) for t in decided.timings) == [
        (30, False),
        (31, True),
        (31, True),
    ]
    Decision.objects.filter(decided_at=review.due_at).delete()
    decided = selectors.decisions([c.pk], *YEAR)
    assert sorted(decided.days) == [30, 31]
    assert sorted((t.days, t.late) for t in decided.timings) == [(30, False), (31, True)]
    row = next(r for r in selectors.turnaround(selectors.reviews_accepted([c.pk], *YEAR), decided)
               if r.procedure == "meeting")  # fmt: skip
    assert (row.decided, row.late, row.to_decision_median, row.to_decision_p90) == (2, 1, 30.5, 31)
    assert (row.accepted, row.to_acceptance_median) == (3, 1.0)  # three rounds accepted


@pytest.mark.django_db
def test_a_deferral_at_a_meeting_restarts_nothing():
    """R25/R19: an item deferred for want of a quorum keeps its round's acceptance and clock:
    decided at the next meeting on day 31, it is 31 days and late; the deferral is a quorum
    failure of the first meeting."""
    c = CommitteeFactory()
    application, review = _case(c, submitted=at(2026, 3, 1), accepted=at(2026, 3, 2))
    first = MeetingFactory(committee=c, starts_at=at(2026, 3, 20), status="closed")
    AgendaItem.objects.create(meeting=first, position=1, kind="review", application=application,
                              review=review, title="审查", status="deferred")  # fmt: skip
    n = next(_seq)
    Decision.objects.create(
        application=application, review=review, committee=c, outcome="approve",
        decided_at=at(2026, 4, 2), year=2026, sequence=n, number=f"No.{n}",
        signature_name="主任", signature_meaning="签发", signed_at=at(2026, 4, 2),
    )  # fmt: skip
    decided = selectors.decisions([c.pk], *YEAR)
    assert [(t.days, t.late) for t in decided.timings] == [(31, True)]
    assert selectors.meetings([c.pk], *YEAR).deferred_items == 1


# --- R14: a withdrawn application ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_withdrawn_application_is_received_but_never_decided():
    c = CommitteeFactory()
    _case(c, submitted=at(2026, 5, 1), status="withdrawn")  # submitted, then withdrawn
    _case(c, submitted=None, status="withdrawn")  # withdrawn as a draft: never received
    _case(c, submitted=at(2026, 5, 3), accepted=at(2026, 5, 4), decided=at(2026, 5, 20))
    volume = selectors.applications_received([c.pk], *YEAR)
    assert (volume.total, volume.withdrawn, volume.by_month["2026-05"]) == (2, 1, 2)
    assert selectors.decisions([c.pk], *YEAR).total == 1
    assert figures.applications_received(c.pk, 2026) == {"initial": 2}


# --- R28: tracking reviews met on the due moment are late (is_overdue) -------------------------


@pytest.mark.django_db
def test_tracking_review_met_at_the_due_moment_is_late(django_assert_max_num_queries):
    c = CommitteeFactory()
    due = at(2026, 6, 1, 0)
    cases = [
        (due - dt.timedelta(microseconds=1), "met"),  # on time
        (due, "met"),  # late: the exclusive deadline has passed
        (None, "overdue"),
        (None, "waived"),
    ]
    for met, state in cases:
        deadline = kernel.deadline_open(kind="tracking_review", subject=ProjectFactory(committee=c),
                                        due_at=due, title="跟踪审查", committee_id=c.pk)  # fmt: skip
        Deadline.objects.filter(pk=deadline.pk).update(state=state, met_at=met)
    kernel.deadline_open(kind="tracking_review", subject=ProjectFactory(committee=c),
                         due_at=at(2026, 12, 1), title="跟踪审查", committee_id=c.pk)  # fmt: skip
    with django_assert_max_num_queries(1):
        result = selectors.clocks([c.pk], *YEAR, now=at(2026, 7, 1))
    assert result.tracking == {"on_time": 1, "late": 1, "overdue": 1, "pending": 1, "waived": 1}
    assert result.running["tracking_review"] == (2, 1)
    # The annual report reads the same definition: late or overdue.
    assert figures._tracking_overdue(result) == 2


# --- workload, meetings, listed --------------------------------------------------------------


@pytest.mark.django_db
def test_member_workload_counts_late_and_missing_opinions():
    c = CommitteeFactory()
    member = MembershipFactory(committee=c, user=UserFactory(name="李审查"))
    _app, review = _case(c, submitted=at(2026, 3, 1), accepted=at(2026, 3, 2))
    late = ReviewerAssignment.objects.create(review=review, membership=member,
                                             assigned_at=at(2026, 3, 3))  # fmt: skip
    Opinion.objects.create(assignment=late, verdict="approve", created_at=review.due_at)
    _app2, review2 = _case(c, submitted=at(2026, 3, 1), accepted=at(2026, 3, 2))
    ReviewerAssignment.objects.create(review=review2, membership=member, assigned_at=at(2026, 3, 3))
    rows = selectors.member_workload([c.pk], *YEAR, names=True, now=at(2026, 3, 10))
    assert [(r.key, r.assignments, r.opinions, r.late_opinions) for r in rows] == [
        ("李审查", 2, 1, 1)
    ]
    # The regional authority: per committee, no names.
    rows = selectors.member_workload([c.pk], *YEAR, names=False, now=at(2026, 5, 1))
    assert [(r.key, r.members, r.late_opinions) for r in rows] == [(c.name, 1, 2)]


@pytest.mark.django_db
def test_meetings_attendance_counts_each_member_once():
    c = CommitteeFactory()
    meeting = MeetingFactory(committee=c, starts_at=at(2026, 3, 20), status="closed",
                             members_total=4)  # fmt: skip
    MeetingFactory(committee=c, starts_at=at(2026, 4, 20), status="cancelled")
    a, b = MembershipFactory(committee=c), MembershipFactory(committee=c)
    common = {"meeting": meeting, "role": "member", "expertise": "science", "gender": "male"}
    Attendance.objects.create(membership=a, left_at=at(2026, 3, 20, 11), **common)
    Attendance.objects.create(membership=a, **common)  # came back: still one member
    Attendance.objects.create(membership=b, **common)
    result = selectors.meetings([c.pk], *YEAR)
    assert (result.held, result.cancelled, result.present, result.attendance_rate) == (
        1, 1, 2, 50.0,
    )  # fmt: skip
    assert figures.meetings_held(c.pk, 2026) == {"total": 1, "in_person": 1}


# --- one definition: the annual report and the dashboard agree ------------------------------


@pytest.mark.django_db
def test_annual_report_and_dashboard_read_the_same_figures():
    c = CommitteeFactory()
    _case(c, submitted=at(2026, 1, 10), accepted=at(2026, 1, 12), decided=at(2026, 1, 22))
    _case(c, submitted=at(2026, 2, 10), accepted=at(2026, 2, 12), procedure="simplified",
          decided=at(2026, 2, 14), outcome="disapprove")  # fmt: skip
    annual = figures.annual_figures(c, 2026)
    scope = policies.Scope(policies.COMMITTEE, c.pk, c.name, (c,))
    board = dashboards.build(scope, dashboards.Filters(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    outcomes = {r["outcome"]: r["n"] for r in board.panel("by_outcome").table.rows}
    assert sum(outcomes.values()) == annual.get("decisions_total") == 2
    procedures = {r["procedure"]: r["n"] for r in board.panel("by_procedure").table.rows}
    assert sorted(procedures.values()) == sorted(annual.get("reviews_by_procedure").values())
    assert annual.get("median_days_to_decision") == 6.0


# --- exports --------------------------------------------------------------------------------


def test_csv_has_a_bom_and_defuses_formulas():
    lines = list(csv_lines(["名称"], [["=HYPERLINK(1)"], [["王建国", "李四"]]]))
    assert lines[0].startswith("\ufeff名称")
    assert lines[1].startswith("'=HYPERLINK")
    assert lines[2].strip() == "王建国、李四"


def test_xlsx_has_the_filters_and_one_sheet_per_table():
    table = Table(
        "t", "按月/受理", [Column("m", "月份"), Column("n", "数量")], [{"m": "2026-01", "n": 3}]
    )
    book = load_workbook(io.BytesIO(tables_xlsx([table], [("起", "2026-01-01")])))
    assert book.sheetnames == ["筛选条件", "按月受理"]
    assert [c.value for c in book["按月受理"][3]] == ["2026-01", 3]


# --- the pages ------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    w = build_world()
    c = w.committee
    _case(c, submitted=at(2026, 1, 10), accepted=at(2026, 1, 12), decided=at(2026, 1, 22),
          title="绝密项目标题")  # fmt: skip
    _case(c, submitted=at(2026, 3, 10), accepted=at(2026, 3, 11), procedure="simplified")
    _app, review = _case(c, submitted=at(2026, 2, 1), accepted=at(2026, 2, 2))
    ReviewerAssignment.objects.create(review=review, membership=w.member_membership,
                                      assigned_at=at(2026, 2, 3))  # fmt: skip
    MeetingFactory(committee=c, starts_at=at(2026, 3, 20), status="closed")
    w.member.name = "王审查员"
    w.member.save()
    return w


PERIOD = {"start": "2026-01-01", "end": "2026-12-31"}


@pytest.fixture
def authority(world):
    user = UserFactory(username="authority")
    root = UserFactory(username="root-authority", is_superuser=True, is_staff=True)
    world.institution.region = "北京市海淀区"
    world.institution.save()
    services.authority_grant(actor=root, user_id=user.pk, name="区科委", region="北京市海淀区")
    return user


def test_committee_dashboard_for_its_chair(client, world, django_assert_max_num_queries):
    client.force_login(world.chair)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("reports:committee", args=[world.committee.pk]), PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body
    assert "style=" not in body
    assert 'data-panel="turnaround"' in body
    assert 'data-panel="filings"' in body
    assert "王审查员" in body  # the committee sees its members' workload by name


def test_institution_dashboard_for_its_admin(client, world, django_assert_max_num_queries):
    CommitteeFactory(institution=world.institution, name="第二伦理委员会")
    client.force_login(world.admin)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("reports:institution", args=[world.institution.pk]), PERIOD)
    assert response.status_code == 200
    assert "第二伦理委员会" in response.content.decode()  # the committee filter's choices


def test_authority_sees_aggregates_only(client, world, authority, django_assert_max_num_queries):
    client.force_login(authority)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("reports:authority"), PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    assert world.committee.name in body
    assert "王审查员" not in body
    assert "绝密项目标题" not in body
    csv = b"".join(
        client.get(reverse("reports:authority-export", args=["workload", "csv"]), PERIOD)
    ).decode()
    assert "王审查员" not in csv
    assert world.committee.name in csv


def test_authority_scope_outside_its_region_sees_nothing(client, world, authority):
    other = InstitutionFactory(region="上海市")
    CommitteeFactory(institution=other, name="上海某伦理委员会")
    client.force_login(authority)
    assert "上海某伦理委员会" not in client.get(reverse("reports:authority")).content.decode()


def test_index_lists_what_the_reader_may_open(client, world, django_assert_max_num_queries):
    client.force_login(world.chair)
    with django_assert_max_num_queries(10):
        body = client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:committee", args=[world.committee.pk]) in body
    assert reverse("reports:authority") not in body
    client.force_login(world.outsider)
    body = client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:committee", args=[world.committee.pk]) not in body


@pytest.mark.parametrize("name", ["outsider", "member", "researcher", "stranger"])
def test_outsiders_get_404(client, world, name):
    client.force_login(getattr(world, name))
    c, i = world.committee.pk, world.institution.pk
    for url in [
        reverse("reports:committee", args=[c]),
        reverse("reports:committee-export", args=[c, "by_kind", "csv"]),
        reverse("reports:committee-monthly", args=[c]),
        reverse("reports:institution", args=[i]),
        reverse("reports:institution-export", args=[i, "all", "xlsx"]),
        reverse("reports:authority"),
        reverse("reports:authority-export", args=["all", "xlsx"]),
    ]:
        assert client.get(url).status_code == 404, url


def test_another_institutions_admin_gets_404(client, world):
    client.force_login(UserFactory(institution=InstitutionFactory(), institution_admin=True))
    assert (
        client.get(reverse("reports:institution", args=[world.institution.pk])).status_code == 404
    )
    assert client.get(reverse("reports:committee", args=[world.committee.pk])).status_code == 404


def test_exports_apply_the_filters(client, world):
    client.force_login(world.chair)
    url = reverse("reports:committee-export", args=[world.committee.pk, "by_month", "csv"])
    march = b"".join(client.get(url, {"start": "2026-03-01", "end": "2026-03-31"})).decode()
    assert "2026-03,1" in march
    assert "2026-01" not in march
    xlsx = client.get(
        reverse("reports:committee-export", args=[world.committee.pk, "all", "xlsx"]), PERIOD
    )
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[0] == "筛选条件"
    assert len(book.sheetnames) >= 10
    assert client.get(reverse("reports:committee-export",
                              args=[world.committee.pk, "nope", "csv"])).status_code == 404  # fmt: skip
    assert client.get(reverse("reports:committee-export",
                              args=[world.committee.pk, "by_kind", "pdf"])).status_code == 404  # fmt: skip


def test_bad_filters_are_form_errors_not_500(client, world):
    client.force_login(world.chair)
    url = reverse("reports:committee", args=[world.committee.pk])
    for query in [{"start": "2026-13-01"}, {"start": "2026-05-01", "end": "2026-01-01"},
                  {"committee": "x"}, {"field": "nope"}, {"committee": str(10**30)}]:  # fmt: skip
        assert client.get(url, query).status_code == 200


def test_monthly_summary_pdf(client, world):
    client.force_login(world.chair)
    response = client.get(
        reverse("reports:committee-monthly", args=[world.committee.pk]), {"month": "2026-01"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_monthly_summary_that_cannot_be_written_says_so(client, world, monkeypatch):
    """The PDF is written by a child process (ethics.pdf.render_in_child); when it fails the
    chair gets a page that says so and offers to try again (503), and no download is audited."""
    from ethics import pdf

    def failed(*args, **kwargs):
        raise pdf.RenderFailed("killed")

    monkeypatch.setattr(pdf, "render_in_child", failed)
    client.force_login(world.chair)
    before = _last_event()
    url = reverse("reports:committee-monthly", args=[world.committee.pk])
    response = client.get(url, {"month": "2026-01"})
    assert response.status_code == 503
    body = response.content.decode()
    assert "月度汇总" in body
    assert f'href="{url}?month=2026-01"' in body
    assert _exports_audited(before) == []


# --- the authority role ---------------------------------------------------------------------


@pytest.mark.django_db
def test_only_a_superuser_grants_the_authority_role_and_it_is_audited():
    user, institution = UserFactory(), InstitutionFactory()
    with pytest.raises(PermissionDenied):
        services.authority_grant(actor=UserFactory(institution_admin=True), user_id=user.pk,
                                 name="区科委", institution_ids=[institution.pk])  # fmt: skip
    root = UserFactory(is_superuser=True)
    scope = services.authority_grant(actor=root, user_id=user.pk, name="区科委",
                                     institution_ids=[institution.pk])  # fmt: skip
    assert AuditEvent.objects.filter(action="authority.grant").count() == 1
    assert policies.has_authority(user)
    services.authority_end(actor=root, scope_id=scope.pk)
    assert not policies.has_authority(user)
    assert AuthorityScope.objects.get().ended_at is not None


@pytest.mark.parametrize(
    "days",
    [[], [5], [1, 2], [3, 1, 2], [1, 1, 1, 30], list(range(1, 11)), list(range(1, 12)),
     [0, 0, 31, 31, 30, 30, 29], [7] * 9 + [40]],
)  # fmt: skip
def test_counted_median_and_percentile_equal_the_expanded_ones(days):
    from collections import Counter

    counts = Counter(days)
    assert selectors.counted_median(counts) == selectors.median_days(days)
    for p in (50, 89, 90, 91, 100):
        assert selectors.counted_percentile(counts, p) == selectors.percentile(days, p)


def test_table_body_is_what_the_template_loop_rendered():
    """Table.body_html replaces `{% for row %}<tr>{% for cell %}<td>{{ cell }}</td>…`: the
    same escaping and localisation, cell for cell."""
    from django.template import Context, Template
    from django.utils.translation import gettext_lazy, override

    table = Table(
        "t",
        "T",
        [Column("a", "A"), Column("b", "B"), Column("c", "C")],
        [
            {"a": 1234567, "b": "<script>alert(1)</script>", "c": gettext_lazy("Number")},
            {"a": 12.5, "b": ["甲", "乙&丙"], "c": None},
            {"a": "—", "b": dt.date(2026, 3, 1), "c": "=cmd"},
        ],
    )
    loop = Template(
        "{% for row in t.cells %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}"
        "</tr>{% endfor %}"
    )
    for language in ("zh-hans", "en"):
        with override(language):
            assert table.body_html() == loop.render(Context({"t": table}))
    assert "&lt;script&gt;" in table.body_html()


@pytest.mark.django_db
@pytest.mark.parametrize("value", [{}, {"committee": "2", "field": "ai", "start": "2026-01-02"}])
def test_dashboard_filter_form_writes_the_templates_markup(value, monkeypatch):
    """The filter form's selects and inputs are written in Python (ethics.form_renderer, as
    every form's): character for character what Django's widget templates write."""
    from django.forms.renderers import DjangoTemplates

    from ethics import form_renderer
    from reports.forms import DashboardFilterForm

    monkeypatch.setattr(form_renderer.FormRenderer, "check", False)
    written = []
    for name, writer in list(form_renderer.WRITERS.items()):
        monkeypatch.setitem(
            form_renderer.WRITERS, name, lambda c, w=writer: written.append(1) or w(c)
        )
    committees = [CommitteeFactory(name=f"委员会<{i}>") for i in range(3)]
    value = dict(value)
    if "committee" in value:
        value["committee"] = str(committees[1].pk)
    form = DashboardFilterForm(value or None, committees=committees)
    for bound in form:
        widget = bound.field.widget
        attrs = {"id": bound.auto_id}
        ours = widget.render(bound.html_name, bound.value(), attrs, renderer=form.renderer)
        templates = DjangoTemplates()
        assert ours == widget.render(bound.html_name, bound.value(), attrs, renderer=templates)
    assert len(written) == len(form.fields)  # each one by the Python writer


# --- every export and summary is audited (design: downloads audited) -------------------------


def _exports_audited(before):
    return list(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))


def _last_event():
    last = AuditEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


def test_every_dashboard_export_and_the_monthly_summary_are_audited(client, world, authority):
    c, i = world.committee.pk, world.institution.pk
    cases = [
        (world.chair, reverse("reports:committee-export", args=[c, "by_kind", "csv"]),
         "report.export", world.committee.pk, {"scope": "committee", "table": "by_kind",
                                                "format": "csv"}),
        (world.chair, reverse("reports:committee-monthly", args=[c]), "report.monthly_download",
         world.committee.pk, {"scope": "committee", "month": "2026-01"}),
        (world.admin, reverse("reports:institution-export", args=[i, "all", "xlsx"]),
         "report.export", None, {"scope": "institution", "scope_id": i, "format": "xlsx"}),
        (authority, reverse("reports:authority-export", args=["workload", "csv"]),
         "report.export", None, {"scope": "authority", "table": "workload"}),
    ]  # fmt: skip
    for user, url, action, target, details in cases:
        client.force_login(user)
        before = _last_event()
        response = client.get(url, {**PERIOD, "month": "2026-01", "field": ""})
        assert response.status_code == 200, url
        if response.streaming:
            b"".join(response.streaming_content)
        events = _exports_audited(before)
        assert [e.action for e in events] == [action], url
        event = events[0]
        assert event.actor == user
        assert event.target_id == (str(target) if target else "")
        assert details.items() <= event.after.items(), event.after
        # The filters as given, blank ones left out.
        assert event.after["filters"]["start"] == "2026-01-01"
        assert "field" not in event.after["filters"]


@pytest.mark.parametrize("name", ["outsider", "researcher"])
def test_a_refused_export_leaves_no_event(client, world, name):
    client.force_login(getattr(world, name))
    before = _last_event()
    url = reverse("reports:committee-export", args=[world.committee.pk, "by_kind", "csv"])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("reports:committee-monthly", args=[world.committee.pk])).status_code
        == 404
    )
    assert _exports_audited(before) == []


def test_an_export_audits_a_bounded_copy_of_its_query(client, world):
    client.force_login(world.chair)
    before = _last_event()
    query = {f"k{n}": "x" * 500 for n in range(40)}
    url = reverse("reports:committee-export", args=[world.committee.pk, "by_kind", "csv"])
    assert client.get(url, query).status_code == 200
    (event,) = _exports_audited(before)
    assert len(event.after["filters"]) == 20
    assert {len(v) for v in event.after["filters"].values()} == {200}
