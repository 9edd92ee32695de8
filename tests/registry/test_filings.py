"""Filings opened from deadlines, due dates at the boundaries, the workflow and its side effects."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from committees import services as committee_services
from committees.models import Committee
from ethics.errors import Conflict, IllegalTransition
from ethics.models import AuditEvent, Deadline, Notification
from registry import services, workflow
from registry.models import Filing, FilingPackage
from registry.workflow import TRANSITIONS, Action, Status
from tests.factories import InstitutionFactory, UserFactory
from tests.world import build_world

pytestmark = pytest.mark.django_db


def _registration(committee):
    return Filing.objects.get(committee=committee, kind="committee_registration")


def _file(filing, actor, receipt="DJ-2026-0001", on=None):
    package = services.filing_prepare(filing_id=filing.pk, actor=actor)
    services.package_render(package_id=package.pk)
    services.filing_sign_off(
        filing_id=filing.pk,
        actor=filing.committee.institution.users.filter(institution_admin=True).first() or actor,
    )
    return services.filing_submit(
        filing_id=filing.pk,
        actor=actor,
        submitted_on=on or timezone.localdate(),
        receipt=receipt,
    )


@pytest.mark.parametrize(
    ("established", "due"),
    [
        # 30 days, the founding day not counted (R50, Civil Code).
        (dt.date(2026, 1, 5), dt.date(2026, 2, 4)),
        # 2026-10-01 is in the National Day holiday: the period rolls to the next working day.
        (dt.date(2026, 9, 1), dt.date(2026, 10, 8)),
        # 2026-03-07 is a Saturday: rolls to Monday.
        (dt.date(2026, 2, 5), dt.date(2026, 3, 9)),
    ],
)
def test_committee_registration_filing_is_due_30_days_after_establishment(established, due):
    institution = InstitutionFactory()
    admin = UserFactory(institution=institution, institution_admin=True)
    committee = committee_services.committee_create(
        actor=admin, institution=institution, name="测试委员会", established_on=established
    )
    filing = _registration(committee)
    assert filing.due_on == due
    assert filing.status == Status.DUE
    assert filing.rule == "R50"
    assert filing.deadline.kind == "committee_registration"
    assert services.last_day(filing.deadline.due_at) == due


def test_annual_report_for_2026_is_due_31_march_2027(world):
    filing = services.annual_report_open_for(committee_id=world.committee.pk, year=2026)
    assert filing.due_on == dt.date(2027, 3, 31)
    assert filing.period == 2026
    assert filing.rule == "R52"
    assert services.last_day(filing.deadline.due_at) == dt.date(2027, 3, 31)
    assert filing.deadline.kind == "annual_report"
    assert filing.data["year"] == 2026


def test_annual_report_open_is_idempotent_and_skips_later_committees(world):
    later = build_world(via_services=True, established_on=dt.date(2027, 2, 1)).committee
    first = services.annual_report_open(year=2026)
    again = services.annual_report_open(year=2026)
    assert [f.pk for f in first] == [f.pk for f in again]
    assert len(first) == Committee.objects.count() - 1
    assert not Filing.objects.filter(committee=later, kind="annual_report").exists()
    assert Deadline.objects.filter(kind="annual_report").count() == len(first)


def test_the_yearly_task_opens_the_previous_year(world, time_machine):
    from registry.tasks import open_annual_reports_task

    time_machine.move_to(dt.datetime(2027, 1, 1, 0, 10, tzinfo=dt.UTC) + dt.timedelta(hours=-8))
    assert open_annual_reports_task() >= 1
    assert Filing.objects.filter(committee=world.committee, period=2026).exists()


def test_beat_schedule_has_the_yearly_entry():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="open-annual-reports")
    assert task.task == "registry.open_annual_reports"
    assert (task.crontab.minute, task.crontab.hour) == ("10", "0")
    assert (task.crontab.day_of_month, task.crontab.month_of_year) == ("1", "1")
    assert str(task.crontab.timezone) == "Asia/Shanghai"


def test_submitting_the_registration_meets_the_deadline_and_registers_the_committee(world):
    filing = _file(_registration(world.committee), world.secretary)
    assert filing.status == Status.SUBMITTED
    assert filing.receipt == "DJ-2026-0001"
    filing.deadline.refresh_from_db()
    assert filing.deadline.state == "met"
    assert Committee.objects.get(pk=world.committee.pk).registration_status == "registered"
    assert AuditEvent.objects.filter(action="filing.submit").count() == 1
    assert Notification.objects.filter(recipient=world.chair).exists()


def test_roster_change_after_registration_opens_an_update_filing(world):
    _file(_registration(world.committee), world.secretary)
    assert not Filing.objects.filter(kind="committee_update").exists()
    committee_services.membership_add(
        committee_id=world.committee.pk,
        actor=world.secretary,
        user=UserFactory(),
        role="member",
        expertise="law",
        gender="female",
        **world.term,
    )
    update = Filing.objects.get(kind="committee_update", committee=world.committee)
    assert update.status == Status.DUE
    assert update.deadline.kind == "committee_update"
    # A second change while the update is open does not open another one.
    committee_services.membership_add(
        committee_id=world.committee.pk,
        actor=world.secretary,
        user=UserFactory(),
        role="member",
        expertise="science",
        gender="male",
        **world.term,
    )
    assert Filing.objects.filter(kind="committee_update").count() == 1
    _file(update, world.secretary, receipt="BG-1")
    assert Committee.objects.get(pk=world.committee.pk).registration_status == "registered"


def test_roster_change_before_registration_opens_nothing(world):
    committee_services.membership_add(
        committee_id=world.committee.pk,
        actor=world.secretary,
        user=UserFactory(),
        role="member",
        expertise="law",
        gender="female",
        **world.term,
    )
    assert not Filing.objects.filter(kind="committee_update").exists()


def test_correcting_the_founding_date_waives_the_filing_and_opens_a_new_one(world):
    old = _registration(world.committee)
    committee_services.committee_update(
        committee_id=world.committee.pk,
        actor=world.admin,
        data={"established_on": dt.date(2026, 1, 5)},
    )
    old.refresh_from_db()
    assert old.status == Status.WAIVED
    new = Filing.objects.get(kind="committee_registration", status="due")
    assert new.due_on == dt.date(2026, 2, 4)


def test_submit_needs_a_rendered_package_receipt_and_a_past_date(world):
    filing = _registration(world.committee)
    with pytest.raises(IllegalTransition) as info:
        services.filing_submit(
            filing_id=filing.pk,
            actor=world.secretary,
            submitted_on=timezone.localdate(),
            receipt="x",
        )
    assert (info.value.status, info.value.action) == ("due", "submit")
    services.filing_prepare(filing_id=filing.pk, actor=world.secretary)
    with pytest.raises(Conflict) as excinfo:
        services.filing_submit(
            filing_id=filing.pk,
            actor=world.secretary,
            submitted_on=timezone.localdate(),
            receipt="x",
        )
    assert excinfo.value.rule == "R53"
    assert excinfo.value.code == "package_not_ready"
    package = FilingPackage.objects.get(filing=filing)
    services.package_render(package_id=package.pk)
    with pytest.raises(ValidationError) as invalid:
        services.filing_submit(
            filing_id=filing.pk,
            actor=world.secretary,
            submitted_on=timezone.localdate() + dt.timedelta(days=1),
            receipt=" ",
        )
    assert set(invalid.value.error_dict) == {"receipt", "submitted_on"}


def test_acknowledge_follows_submit(world):
    filing = _file(_registration(world.committee), world.secretary)
    filing = services.filing_acknowledge(
        filing_id=filing.pk, actor=world.admin, receipt="PT-REC-88"
    )
    assert filing.status == Status.ACKNOWLEDGED
    assert filing.receipt == "PT-REC-88"
    with pytest.raises(IllegalTransition) as info:
        services.filing_acknowledge(filing_id=filing.pk, actor=world.admin)
    assert (info.value.status, info.value.action) == ("acknowledged", "acknowledge")


def test_only_managers_may_act(world):
    filing = _registration(world.committee)
    for user in (world.member, world.outsider, world.stranger):
        with pytest.raises(PermissionDenied):
            services.filing_prepare(filing_id=filing.pk, actor=user)


def test_prepare_renders_in_the_task_after_commit(
    world, eager_celery, django_capture_on_commit_callbacks
):
    filing = _registration(world.committee)
    with django_capture_on_commit_callbacks(execute=True):
        package = services.filing_prepare(filing_id=filing.pk, actor=world.secretary)
    package.refresh_from_db()
    assert package.state == "ready"
    assert all((package.pdf, package.json, package.xlsx))
    assert len(package.verification_hash) == 64


@pytest.mark.parametrize(
    ("status", "action"),
    [(s, a) for s in Status for a in Action if (s, a) not in TRANSITIONS],
)
def test_illegal_transition_is_refused(status, action):
    with pytest.raises(IllegalTransition):
        workflow.next_status(status, action)


def test_user_actions_from_each_status():
    assert workflow.actions_from("due") == [Action.PREPARE]
    assert workflow.actions_from("prepared") == [Action.PREPARE, Action.SIGN_OFF, Action.SUBMIT]
    assert workflow.actions_from("submitted") == [Action.ACKNOWLEDGE]
    assert workflow.actions_from("acknowledged") == []
