"""The decision clock: R25 (30 days, Civil Code counting, holidays), R48 (72 hours), extensions."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from committees.models import Membership
from ethics import regulations
from ethics.deadlines import SHANGHAI
from ethics.models import AuditEvent, Deadline
from ethics.services import deadlines_scan
from reviews import services
from tests.reviews.conftest import accepted, assigned, declare_and_opine, submitted

pytestmark = pytest.mark.django_db

MEAS = regulations.MEAS


@pytest.fixture(autouse=True)
def _terms_cover_2026(world):
    # The clocks are checked on fixed 2026 dates; the roster must be in office then.
    Membership.objects.update(term_start=dt.date(2026, 1, 1))


def _at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def _state(application):
    return Deadline.objects.get(kind="decision", subject_id=application.reviews.get().pk).state


def test_decision_due_after_thirty_days_counting_from_the_next_day(world):
    """R25: accepted Mon 1 June 2026 → last day Wed 1 July, due at 24:00 that day."""
    application = submitted(world)
    with time_machine.travel(_at(2026, 6, 1, 10, 0), tick=False):
        application = services.application_accept(
            application_id=application.pk, procedure="meeting", actor=world.secretary
        )
    days = MEAS.decision_days.value
    assert application.due_at == _at(2026, 6, 1) + dt.timedelta(days=days + 1)
    deadline = Deadline.objects.get(kind="decision")
    assert deadline.due_at == application.due_at
    assert deadline.rule == "R25"


def test_day_thirty_is_in_time_day_thirty_one_is_late(world):
    application = submitted(world)
    with time_machine.travel(_at(2026, 6, 1, 10, 0), tick=False):
        services.application_accept(
            application_id=application.pk, procedure="meeting", actor=world.secretary
        )
    deadlines_scan(now=_at(2026, 7, 1, 23, 59, 59))
    assert _state(application) == "open"
    deadlines_scan(now=_at(2026, 7, 2, 0, 0))
    assert _state(application) == "overdue"


def test_due_date_on_a_holiday_rolls_to_the_next_working_day(world):
    """R25 + api.md Periods: day 30 is National Day (1 Oct 2026) → Thu 8 Oct, the next workday."""
    application = submitted(world)
    with time_machine.travel(_at(2026, 9, 1, 9, 0), tick=False):
        application = services.application_accept(
            application_id=application.pk,
            procedure="simplified",
            grounds="minimal_risk",
            actor=world.secretary,
        )
    assert application.due_at == _at(2026, 10, 9)


def test_emergency_clock_runs_seventy_two_clock_hours(world):
    """R48/N5: 72 hours from the exact moment of acceptance; no rest-day roll."""
    application = submitted(world)
    start = _at(2026, 9, 30, 15, 30)
    with time_machine.travel(start, tick=False):
        application = services.application_accept(
            application_id=application.pk,
            procedure="emergency",
            grounds="疫情应急",
            actor=world.secretary,
        )
    hours = MEAS.emergency_hours.value
    assert application.due_at == start + dt.timedelta(hours=hours)
    assert Deadline.objects.get(kind="decision").rule == MEAS.emergency_hours.rule
    deadlines_scan(now=start + dt.timedelta(hours=hours) - dt.timedelta(seconds=1))
    assert _state(application) == "open"
    deadlines_scan(now=start + dt.timedelta(hours=hours))
    assert _state(application) == "overdue"


def test_decision_closes_the_clock(world):
    application, (a1, a2) = assigned(world)
    declare_and_opine(a1, "approve")
    declare_and_opine(a2, "approve")
    services.application_decide(application_id=application.pk, outcome="approve", actor=world.chair)
    deadline = Deadline.objects.get(kind="decision")
    assert deadline.state == "met"
    assert deadline.met_at is not None


def test_withdrawal_waives_the_clock(world):
    application = accepted(world)
    services.application_withdraw(
        application_id=application.pk, actor=world.researcher, reason="项目取消"
    )
    assert Deadline.objects.get(kind="decision").state == "waived"
    assert application.reviews.get().state == "closed"


def test_extension_needs_a_reason_and_a_later_date_and_is_audited(world):
    """R25: extended only with a reason and an explicit new due date."""
    application = accepted(world)
    later = application.due_at + dt.timedelta(days=15)
    with pytest.raises(ValidationError) as info:
        services.application_extend(
            application_id=application.pk, due_at=later, reason="", actor=world.secretary
        )
    assert "reason" in info.value.error_dict
    with pytest.raises(ValidationError) as info:
        services.application_extend(
            application_id=application.pk,
            due_at=application.due_at,
            reason="需补充专家意见",
            actor=world.secretary,
        )
    assert "due_at" in info.value.error_dict
    application = services.application_extend(
        application_id=application.pk, due_at=later, reason="需补充专家意见", actor=world.secretary
    )
    assert application.due_at == later
    assert application.reviews.get().due_at == later
    assert Deadline.objects.get(kind="decision").due_at == later
    event = AuditEvent.objects.get(action="application.extend")
    assert event.reason == "需补充专家意见"
    assert AuditEvent.objects.filter(action="deadline.extend", reason="需补充专家意见").exists()
