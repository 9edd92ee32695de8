"""Incidents (R30; BJ 五（一）、五（二）), the risk register (R36, R45) and funded programmes (R59):
the services, their rules at the boundaries, clocks, escalation and the annual figures."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ethics.errors import Conflict
from ethics.models import AuditEvent, Deadline, Notification
from ethics.regulations import MEAS, NHC, combined
from oversight import incidents_clocks as clocks
from oversight.incidents_hooks import annual_figures, warning_panel
from oversight.models_incidents import IncidentStatus
from oversight.services import incidents as services
from tests.oversight import incidents_world as data

pytestmark = pytest.mark.django_db


def _now():
    """A fixed moment after the world was built (its roster's terms run from 30 days ago)."""
    return timezone.now().replace(microsecond=0)


def _report(world, project, *, actor=None, severity="moderate", aware_at=None, **extra):
    return services.incident_report(
        project_id=project.pk,
        kind=extra.pop("kind", "data_leak"),
        severity=severity,
        title="样本数据外泄",
        description="共享盘权限设置错误",
        aware_at=aware_at or timezone.now() - dt.timedelta(hours=1),
        actor=actor or world.researcher,
        **extra,
    )


# --- the rule set ---------------------------------------------------------------------------------


def test_incident_and_risk_parameters_are_unverified_and_cite_r30_r45():
    for rules in (MEAS, NHC, combined(["meas", "nhc"])):
        assert rules.incident_report_hours.value == 24
        assert rules.incident_report_hours.rule == "R30"
        assert rules.incident_report_hours.unverified
        assert rules.incident_followup_days.rule == "R30"
        assert rules.risk_review_months.value == 6
        assert rules.risk_review_months.rule == "R45"
        assert rules.risk_review_months.unverified


def test_r30_report_is_late_from_the_24th_hour_on():
    aware = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
    due = services.report_due(aware, MEAS)
    assert due == aware + dt.timedelta(hours=24)
    assert not services.is_late(due - dt.timedelta(seconds=1), due)
    assert services.is_late(due, due)


# --- incidents ------------------------------------------------------------------------------------


def test_r30_report_within_24_hours_opens_the_follow_up_clock_and_tells_the_secretary(world):
    project = data.project(world)
    now = _now()
    with time_machine.travel(now, tick=False):
        incident = _report(world, project, aware_at=now - dt.timedelta(hours=23, minutes=59))
    assert incident.status == IncidentStatus.OPEN
    assert not incident.reported_late
    assert incident.committee == world.committee
    clock = Deadline.objects.get(kind=clocks.INCIDENT_FOLLOWUP, subject_id=incident.pk)
    assert clock.rule == "R30"
    assert clock.committee_id == world.committee.pk
    assert Notification.objects.filter(recipient=world.secretary, cause="incident.report").exists()
    assert not Notification.objects.filter(
        recipient=world.chair, cause="incident.escalate"
    ).exists()
    assert AuditEvent.objects.filter(action="incident.report", target_id=str(incident.pk)).exists()


def test_r30_report_after_24_hours_is_late_and_escalates_to_chair_and_institution(world):
    project = data.project(world)
    now = _now()
    with time_machine.travel(now, tick=False):
        incident = _report(world, project, aware_at=now - dt.timedelta(hours=24))
    assert incident.reported_late
    assert incident.status == IncidentStatus.ESCALATED
    for person in (world.chair, world.admin):
        assert Notification.objects.filter(recipient=person, cause="incident.escalate").exists()


def test_b4_serious_incident_escalates_at_once(world):
    incident = _report(world, data.project(world), severity="serious")
    assert incident.status == IncidentStatus.ESCALATED
    assert Notification.objects.filter(recipient=world.chair, cause="incident.escalate").exists()


def test_aware_in_the_future_is_a_field_error(world):
    with pytest.raises(ValidationError) as error:
        _report(world, data.project(world), aware_at=timezone.now() + dt.timedelta(minutes=5))
    assert "aware_at" in error.value.message_dict


def test_only_the_project_people_and_its_officers_report(world):
    project = data.project(world)
    for person in (world.colleague, world.outsider, world.member):
        with pytest.raises(PermissionDenied):
            _report(world, project, actor=person)
    assert _report(world, project, actor=world.secretary).reported_by == world.secretary


def test_follow_up_meets_the_clock_and_escalation_is_once(world):
    incident = _report(world, data.project(world))
    services.incident_follow_up(incident_id=incident.pk, note="已更改权限", actor=world.researcher)
    clock = Deadline.objects.get(kind=clocks.INCIDENT_FOLLOWUP, subject_id=incident.pk)
    assert clock.state == "met"
    services.incident_escalate(
        incident_id=incident.pk, reason="涉及敏感信息", actor=world.secretary
    )
    with pytest.raises(Conflict) as refused:
        services.incident_escalate(incident_id=incident.pk, reason="再次", actor=world.secretary)
    assert refused.value.rule == "R30"


def test_researchers_do_not_escalate_or_close(world):
    incident = _report(world, data.project(world))
    with pytest.raises(PermissionDenied):
        services.incident_escalate(incident_id=incident.pk, reason="x", actor=world.researcher)
    with pytest.raises(PermissionDenied):
        services.incident_close(incident_id=incident.pk, summary="x", actor=world.researcher)


def test_r30_serious_incident_needs_a_follow_up_before_closing(world):
    incident = _report(world, data.project(world), severity="serious")
    with pytest.raises(Conflict) as refused:
        services.incident_close(incident_id=incident.pk, summary="处置完毕", actor=world.secretary)
    assert refused.value.rule == "R30"
    assert [p["code"] for p in refused.value.problems] == ["incident_needs_follow_up"]
    services.incident_follow_up(incident_id=incident.pk, note="已处置", actor=world.secretary)
    closed = services.incident_close(incident_id=incident.pk, summary="处置完毕", actor=world.chair)
    assert closed.status == IncidentStatus.CLOSED
    with pytest.raises(Conflict):
        services.incident_follow_up(incident_id=incident.pk, note="再补充", actor=world.researcher)


def test_a_moderate_incident_closes_without_follow_up_and_its_clock_is_waived(world):
    incident = _report(world, data.project(world))
    services.incident_close(incident_id=incident.pk, summary="误报", actor=world.secretary)
    clock = Deadline.objects.get(kind=clocks.INCIDENT_FOLLOWUP, subject_id=incident.pk)
    assert clock.state == "waived"


# --- the risk register ------------------------------------------------------------------------------


def _register(world, project, **extra):
    defaults = {
        "title": "算法歧视风险",
        "level": "medium",
        "owner": world.researcher,
        "next_review_on": timezone.localdate() + dt.timedelta(days=30),
        "actor": world.secretary,
    }
    return services.risk_register(project_id=project.pk, **{**defaults, **extra})


def test_r36_register_holds_listed_or_high_risk_activities_only(world):
    with pytest.raises(Conflict) as refused:
        _register(world, data.project(world))
    assert refused.value.rule == "R36"
    assert _register(world, data.project(world), level="high").level == "high"
    assert _register(world, data.project(world, listed=True)).level == "medium"


def test_r45_next_review_at_most_six_months_away(world):
    assert services.latest_review_on(dt.date(2026, 6, 10), MEAS) == dt.date(2026, 12, 10)
    today = timezone.localdate()
    latest = services.latest_review_on(today, MEAS)
    entry = _register(world, data.project(world, listed=True), next_review_on=latest)
    clock = Deadline.objects.get(kind=clocks.RISK_REVIEW, subject_id=entry.pk)
    assert timezone.localtime(clock.due_at).date() == latest + dt.timedelta(days=1)
    with pytest.raises(Conflict) as refused:
        _register(
            world,
            data.project(world, listed=True),
            next_review_on=latest + dt.timedelta(days=1),
        )
    assert refused.value.rule == "R45"


def test_risk_review_moves_the_clock_and_overdue_reviews_show(world):
    entry = _register(world, data.project(world, listed=True))
    with time_machine.travel(timezone.now() + dt.timedelta(days=40)):
        assert list(services_overdue(world)) == [entry.pk]
        panel = warning_panel(type("R", (), {"user": world.secretary})())
        assert panel.overdue_count == 1
        review = services.risk_review(
            entry_id=entry.pk,
            level="low",
            next_review_on=timezone.localdate() + dt.timedelta(days=90),
            actor=world.researcher,  # the owner
        )
        assert review.entry.level == "low"
        assert list(services_overdue(world)) == []
    clocks_ = Deadline.objects.filter(kind=clocks.RISK_REVIEW, subject_id=entry.pk)
    assert sorted(clocks_.values_list("state", flat=True)) == ["met", "open"]


def services_overdue(world):
    from oversight.incidents_selectors import overdue_risks

    return overdue_risks(world.secretary).values_list("pk", flat=True)


def test_risk_review_in_the_past_is_a_field_error_and_closed_risks_refuse(world):
    entry = _register(world, data.project(world, listed=True))
    with pytest.raises(ValidationError):
        services.risk_review(
            entry_id=entry.pk,
            level="low",
            next_review_on=timezone.localdate() - dt.timedelta(days=1),
            actor=world.secretary,
        )
    services.risk_close(entry_id=entry.pk, reason="活动结束", actor=world.secretary)
    with pytest.raises(Conflict):
        services.risk_review(
            entry_id=entry.pk,
            level="low",
            next_review_on=timezone.localdate(),
            actor=world.secretary,
        )


def test_only_officers_register_risks(world):
    with pytest.raises(PermissionDenied):
        _register(world, data.project(world, listed=True), actor=world.researcher)


# --- funded programmes (R59) --------------------------------------------------------------------


def test_r59_the_team_records_funding_once_per_grant(world):
    project = data.project(world)
    funding = services.funding_add(
        project_id=project.pk,
        funder="国家自然科学基金委员会",
        grant_number="82171234",
        actor=world.researcher,
    )
    with pytest.raises(Conflict) as refused:
        services.funding_add(
            project_id=project.pk,
            funder="国家自然科学基金委员会",
            grant_number="82171234",
            actor=world.researcher,
        )
    assert refused.value.rule == "R59"
    with pytest.raises(PermissionDenied):
        services.funding_add(
            project_id=project.pk, funder="科技部", grant_number="1", actor=world.secretary
        )
    services.funding_update(funding_id=funding.pk, programme="面上项目", actor=world.researcher)
    funding.refresh_from_db()
    assert funding.programme == "面上项目"
    services.funding_remove(funding_id=funding.pk, actor=world.researcher)
    with pytest.raises(Conflict):
        services.funding_update(funding_id=funding.pk, programme="x", actor=world.researcher)


def test_r59_standing_valid_lapsing_lapsed_at_the_boundary():
    class D:
        next_tracking_due = dt.date(2026, 7, 10)

    today = dt.date(2026, 6, 10)
    assert services.standing(None, today, 30) == services.Standing.NONE
    assert services.standing(D(), today, 29) == services.Standing.VALID  # 30 days away
    assert services.standing(D(), today, 30) == services.Standing.LAPSING
    assert services.standing(D(), dt.date(2026, 7, 10), 0) == services.Standing.LAPSING
    assert services.standing(D(), dt.date(2026, 7, 11), 0) == services.Standing.LAPSED


def test_r59_statement_needs_an_approval_in_force(world, django_capture_on_commit_callbacks):
    project = data.project(world)
    funding = services.funding_add(
        project_id=project.pk, funder="北京市科委", grant_number="Z231100", actor=world.researcher
    )
    with pytest.raises(Conflict) as refused:
        services.statement_issue(funding_id=funding.pk, actor=world.researcher)
    assert refused.value.rule == "R59"
    approval = data.decide(
        world, project, next_tracking_due=timezone.localdate() + dt.timedelta(days=200)
    )
    statement = services.statement_issue(funding_id=funding.pk, actor=world.researcher)
    assert statement.decision == approval
    assert statement.valid_until == approval.next_tracking_due
    assert len(statement.code) == 64
    # A later suspension takes the approval away: no new statement, the old one says so.
    data.decide(world, project, outcome="suspend", at=timezone.now() + dt.timedelta(seconds=5))
    with pytest.raises(Conflict):
        services.statement_issue(funding_id=funding.pk, actor=world.researcher)
    check = services.statement_check(statement.code)
    assert check is not None
    assert check.decision_number == approval.number
    assert str(check.status_label) == str(services.STANDING_LABELS[services.Standing.NONE])
    assert services.statement_check("0" * 64) is None


# --- the annual report ---------------------------------------------------------------------------


def test_annual_figures_count_the_years_incidents_risks_and_statements(world):
    project = data.project(world)
    year = timezone.localdate().year
    new_year = dt.datetime(year, 12, 31, 16, 0, tzinfo=dt.UTC)  # 1 Jan 00:00 in Shanghai
    with time_machine.travel(new_year, tick=False):
        serious = _report(world, project, severity="serious", kind="biosafety")
        services.incident_follow_up(incident_id=serious.pk, note="已处置", actor=world.secretary)
        _register(world, project, level="high")
    with time_machine.travel(new_year - dt.timedelta(seconds=1), tick=False):  # 31 Dec
        _report(world, project)
    figures = annual_figures(world.committee, year + 1)
    assert figures["incidents_reported"] == 1
    assert figures["incidents_by_kind"]["biosafety"] == 1
    assert figures["incidents_serious"] == 1
    assert figures["incidents_escalated"] == 1
    assert figures["incidents_closed"] == 0
    assert figures["incidents_open_at_year_end"] == 2
    assert figures["risks_registered"] == 1
    assert annual_figures(world.committee, year)["incidents_reported"] == 1
    assert annual_figures(world.committee, year)["incidents_open_at_year_end"] == 1
    assert annual_figures(world.other_committee, year + 1)["incidents_reported"] == 0


# --- reminders ------------------------------------------------------------------------------------


def test_reminders_go_to_the_lead_and_handlers_then_chair_and_institution(world):
    from ethics import hooks

    incident = _report(world, data.project(world))
    clock = Deadline.objects.get(kind=clocks.INCIDENT_FOLLOWUP, subject_id=incident.pk)
    people = hooks.deadline_recipients(clock)
    assert set(people.responsible) == {world.researcher, world.secretary}
    assert {world.chair, world.admin} <= set(people.escalation)
    assert hooks.deadline_url(clock).endswith(f"/oversight/incidents/{incident.pk}/")
    assert incident.title not in clock.title  # members see the committee's clocks
    entry = _register(world, data.project(world, listed=True), owner=world.colleague)
    review = Deadline.objects.get(kind=clocks.RISK_REVIEW, subject_id=entry.pk)
    assert hooks.deadline_recipients(review).responsible == [world.colleague]
    assert world.secretary in hooks.deadline_recipients(review).escalation


def test_r59_statement_pdf_renders_once_with_its_code(world):
    project = data.project(world)
    data.decide(world, project, next_tracking_due=timezone.localdate() + dt.timedelta(days=100))
    funding = services.funding_add(
        project_id=project.pk, funder="北京市科委", grant_number="Z2311", actor=world.researcher
    )
    statement = services.statement_issue(funding_id=funding.pk, actor=world.secretary)
    rendered = services.statement_render(statement_id=statement.pk)
    assert rendered.pdf.read(5) == b"%PDF-"
    assert services.statement_render(statement_id=statement.pk).pdf.name == rendered.pdf.name
    assert AuditEvent.objects.filter(action="statement.render").count() == 1
