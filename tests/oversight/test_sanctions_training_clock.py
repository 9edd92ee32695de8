"""R10a: a member's periodic ethics training is a clock with reminders, kept in step with the
training records by a daily sync (``member_training_clocks_sync``, beat
``oversight.sync_member_training``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from committees import services as committee_services
from ethics import hooks
from ethics import services as kernel
from ethics.deadlines import end_of_day
from ethics.models import Deadline, Reminder
from oversight.services import sanctions

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _clocks(membership):
    return Deadline.objects.of(membership).filter(kind=sanctions.MEMBER_TRAINING)


def test_sync_opens_one_clock_per_current_member_and_is_idempotent_r10a(world):
    opened = sanctions.member_training_clocks_sync()
    assert opened >= len(world.members)
    membership = world.member_membership
    clock = _clocks(membership).get()
    due_on = world.term["term_start"] + relativedelta(months=36) - relativedelta(days=1)
    assert clock.due_at == end_of_day(due_on)
    assert clock.rule == "R10a"
    assert clock.committee_id == world.committee.pk
    assert sanctions.member_training_clocks_sync() == 0
    assert _clocks(membership).count() == 1


def test_a_newer_training_meets_the_clock_and_opens_the_next_r10a(world):
    sanctions.member_training_clocks_sync()
    membership = world.member_membership
    today = timezone.localdate()
    committee_services.training_record(
        membership_id=membership.pk, actor=world.secretary, title="伦理培训", completed_on=today
    )
    sanctions.member_training_clocks_sync()
    states = dict(_clocks(membership).values_list("state", "due_at"))
    assert set(states) == {"met", "open"}
    assert states["open"] == end_of_day(today + relativedelta(months=36) - relativedelta(days=1))


def test_an_ended_appointment_has_its_clock_waived_r10a(world):
    sanctions.member_training_clocks_sync()
    membership = world.member_membership
    committee_services.membership_end(
        membership_id=membership.pk, actor=world.secretary, ended_on=timezone.localdate()
    )
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    sanctions.member_training_clocks_sync(on=tomorrow)
    assert _clocks(membership).get().state == "waived"


def test_the_member_and_the_secretary_are_reminded_30_days_before_r10a(world):
    sanctions.member_training_clocks_sync()
    membership = world.member_membership
    clock = _clocks(membership).get()
    recipients = hooks.deadline_recipients(clock)
    assert membership.user in recipients.responsible
    assert world.secretary in recipients.responsible
    assert world.chair in recipients.escalation
    assert hooks.deadline_url(clock).endswith(f"/memberships/{membership.pk}/")
    moment = clock.due_at - dt.timedelta(days=30) + dt.timedelta(hours=1)
    kernel.deadlines_scan(now=moment)
    kernel.deadlines_scan(now=moment)
    reminded = Reminder.objects.filter(deadline=clock, recipient=membership.user)
    assert reminded.count() == 1
