"""Every calendar-counted clock moves with a newly imported holiday calendar (R25 Civil Code
counting; R43 expert re-review, R28/R45/N12 tracking review, R50 registration update, R51
listed-activity registration and its update). `manage.py import_holidays` recounts each open
clock by its app's counting (ethics.hooks.register_deadline_recompute):

- a new rest day on the period's last day moves the due date by one working day;
- a rest day inside the period (not its last day) does not: days are counted as calendar days,
  only the last day rolls past rest days;
- a rest day after the period does not either;
- a clock extended with a reason keeps its date;
- each move is audited and its people notified.

Each clock is opened in January 2027, a year without official data yet (weekends only).
"""

import datetime as dt
import json

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from ethics import services as kernel
from ethics.deadlines import SHANGHAI, Calendar, end_of_day, first_working_day_from
from ethics.models import AuditEvent, Deadline, Notification
from tests.reviews.conftest import (
    PDF_BYTES,
    approved_project,
    final_approval,
    listed_preliminary,
    new_project,
    pdf_upload,
)

pytestmark = pytest.mark.django_db

OPENED = dt.datetime(2027, 1, 4, 10, 0, tzinfo=SHANGHAI)  # Mon 4 Jan 2027


def _rereview(world):
    listed_preliminary(world)


def _tracking(world):
    approved_project(world)


def _tracking_recognised(world):
    import hashlib

    from reviews import services

    project = new_project(world)
    services.recognition_record_outside(
        committee_id=world.committee.pk,
        project_id=project.pk,
        issuing_committee="天津某医院医学伦理委员会",
        decision_number="津伦审〔2026〕12号",
        decided_on=dt.date(2026, 12, 15),
        letter=pdf_upload(),
        verification_hash=hashlib.sha256(PDF_BYTES).hexdigest(),
        actor=world.secretary,
    )


def _listed_registration(world):
    final_approval(world, listed_preliminary(world))


def _listed_update(world):
    # No service opens this clock yet; it counts from the change like the R50 update.
    from reviews.hooks import listed_update_due_under
    from reviews.models import Project

    project = new_project(world, listed_item=6)
    probe = Deadline(kind="listed_update", subject_id=project.pk, opened_at=timezone.now())
    kernel.deadline_open(
        kind="listed_update",
        subject=Project.objects.get(pk=project.pk),
        due_at=listed_update_due_under(probe, Calendar.weekends_only()),
        title="更新登记",
        rule="R51",
        committee_id=world.committee.pk,
    )


def _committee_update(world):
    from committees import services
    from committees.models import Committee, RegistrationStatus

    Committee.objects.filter(pk=world.committee.pk).update(
        registration_status=RegistrationStatus.REGISTERED
    )
    world.committee.refresh_from_db()
    services._registered_content_changed(world.committee, world.secretary, "roster")


KINDS = {
    "rereview_opinion": _rereview,  # R43
    "tracking_review": _tracking,  # R28
    "tracking_review-N12": _tracking_recognised,  # N12: the participating site's own clock
    "listed_registration": _listed_registration,  # R51
    "listed_update": _listed_update,  # R51
    "committee_update": _committee_update,  # R50
}


def _open(world, case):
    with time_machine.travel(OPENED, tick=False):
        KINDS[case](world)
    kind = case.split("-")[0]
    clocks = Deadline.objects.active().filter(kind=kind)
    if case.endswith("N12"):
        clocks = clocks.filter(rule="N12")
    return clocks.get()


def _last_day(deadline):
    return timezone.localtime(deadline.due_at).date() - dt.timedelta(days=1)


def _import(tmp_path, rest_day):
    body = {
        "year": rest_day.year,
        "source": "测试",
        "rest_days": [{"from": rest_day.isoformat(), "name": "测试"}],
        "makeup_days": [],
    }
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    call_command("import_holidays", str(path))


@pytest.mark.parametrize("case", list(KINDS))
def test_a_rest_day_on_the_last_day_moves_it_one_working_day(tmp_path, world, case):
    deadline = _open(world, case)
    last = _last_day(deadline)
    assert last.weekday() < 5  # rolled past the weekend already
    _import(tmp_path, last)
    deadline.refresh_from_db()
    expected = first_working_day_from(last + dt.timedelta(days=1), calendar=Calendar())
    assert deadline.due_at == end_of_day(expected)
    event = AuditEvent.objects.get(action="deadline.recompute", target_id=str(deadline.pk))
    parse = dt.datetime.fromisoformat
    assert parse(event.before["due_at"].replace("Z", "+00:00")) == end_of_day(last)
    assert parse(event.after["due_at"].replace("Z", "+00:00")) == end_of_day(expected)
    notes = Notification.objects.filter(cause__startswith="holiday.import")
    assert notes.exists()
    assert all(expected.isoformat() in n.title for n in notes)
    # The filing the clock asks for (R50, R51) is due on the moved date too.
    from registry.models import Filing

    filings = Filing.objects.filter(deadline=deadline)
    if case in ("listed_registration", "committee_update"):
        assert [f.due_on for f in filings] == [expected]
        assert AuditEvent.objects.filter(action="filing.due_moved").count() == 1


@pytest.mark.parametrize("case", list(KINDS))
def test_a_rest_day_inside_or_after_the_period_does_not_move_it(tmp_path, world, case):
    deadline = _open(world, case)
    before = deadline.due_at
    last = _last_day(deadline)
    for rest_day in (last - dt.timedelta(days=3), last + dt.timedelta(days=14)):
        _import(tmp_path, rest_day)
        deadline.refresh_from_db()
        assert deadline.due_at == before
    assert not AuditEvent.objects.filter(action="deadline.recompute").exists()
    assert not Notification.objects.filter(cause__startswith="holiday.import").exists()


@pytest.mark.parametrize("case", ["rereview_opinion", "tracking_review", "committee_update"])
def test_an_extended_clock_keeps_its_date_r25(tmp_path, world, case):
    deadline = _open(world, case)
    extended = deadline.due_at + dt.timedelta(days=10)
    kernel.deadline_extend(
        deadline_id=deadline.pk, due_at=extended, reason="主管部门同意", actor=None
    )
    _import(tmp_path, _last_day(deadline))
    deadline.refresh_from_db()
    assert deadline.due_at == extended
