"""The deadline scan: reminders exactly once, however often or concurrently it runs."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from ethics import hooks, services
from ethics.models import Deadline, DeadlineState, Notification, Reminder
from tests.conftest import requires_postgres
from tests.factories import CommitteeFactory, UserFactory


@pytest.fixture
def people(db):
    return {
        "secretary": UserFactory(username="sec", language="zh-hans"),
        "lead": UserFactory(username="lead", language="en"),
        "chair": UserFactory(username="chair"),
    }


@pytest.fixture
def recipients(people):
    with hooks.deadline_kind_overridden(
        "decision",
        recipients=lambda d: hooks.Recipients(
            responsible=[people["secretary"], people["lead"]], escalation=[people["chair"]]
        ),
    ):
        yield


def _deadline(due_in: timedelta) -> Deadline:
    committee = CommitteeFactory()
    return services.deadline_open(
        kind="decision",
        subject=committee,
        due_at=timezone.now() + due_in,
        title=f"申请 A-{committee.pk} 的审查决定",
        rule="R25",
        committee_id=committee.pk,
    )


def _scan_and_send(now=None) -> int:
    result = services.deadlines_scan(now=now)
    return sum(services.reminder_send(reminder_id=rid, now=now) for rid in result.to_send)


@pytest.mark.django_db
def test_scan_twice_sends_each_reminder_once(recipients):
    _deadline(timedelta(days=2))
    assert _scan_and_send() == 2
    assert _scan_and_send() == 0
    assert len(mail.outbox) == 2
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_reminder_is_written_in_each_recipients_language(recipients, people):
    _deadline(timedelta(days=2))
    _scan_and_send()
    by_user = {m.to[0]: m for m in mail.outbox}
    assert "提醒" in by_user[people["secretary"].email].subject
    assert "Reminder" in by_user[people["lead"].email].subject
    assert Notification.objects.filter(recipient=people["lead"]).count() == 1


@pytest.mark.django_db
def test_nothing_is_sent_before_the_first_stage(recipients):
    _deadline(timedelta(days=20))
    assert _scan_and_send() == 0


@pytest.mark.django_db
def test_overdue_escalates_to_the_chair_and_marks_the_deadline(recipients, people):
    deadline = _deadline(timedelta(days=2))
    later = timezone.now() + timedelta(days=3)
    assert _scan_and_send(now=later) == 3
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.OVERDUE
    escalated = Reminder.objects.get(escalation=True)
    assert escalated.recipient == people["chair"]


@pytest.mark.django_db
def test_met_deadline_stops_reminding(recipients):
    deadline = _deadline(timedelta(days=2))
    services.deadline_close(kind="decision", subject=deadline.subject)
    assert _scan_and_send() == 0


@pytest.mark.django_db
def test_extension_needs_a_reason_and_restarts_the_series(recipients):
    deadline = _deadline(timedelta(days=2))
    assert _scan_and_send() == 2
    with pytest.raises(ValueError, match="reason"):
        services.deadline_extend(
            deadline_id=deadline.pk, due_at=deadline.due_at, reason=" ", actor=None
        )
    services.deadline_extend(
        deadline_id=deadline.pk,
        due_at=deadline.due_at + timedelta(days=1),
        reason="补充材料",
        actor=None,
    )
    assert _scan_and_send() == 2


@pytest.mark.django_db
def test_a_worker_killed_after_claiming_does_not_lose_the_reminder(recipients, settings):
    _deadline(timedelta(days=2))
    result = services.deadlines_scan()
    # A worker claimed every reminder and died before sending: the lease is held, sent_at is empty.
    lease = timezone.now() + timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    Reminder.objects.filter(pk__in=result.to_send).update(claimed_until=lease)
    assert _scan_and_send() == 0  # still leased: nobody else sends it yet
    after_lease = lease + timedelta(seconds=1)
    assert _scan_and_send(now=after_lease) == 2
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_failed_send_is_released_and_retried(recipients, monkeypatch):
    _deadline(timedelta(days=2))
    result = services.deadlines_scan()
    original = services._send_mail

    def broken(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(services, "_send_mail", broken)
    with pytest.raises(OSError, match="SMTP down"):
        services.reminder_send(reminder_id=result.to_send[0])
    monkeypatch.setattr(services, "_send_mail", original)
    assert _scan_and_send() == 2


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_send_each_reminder_exactly_once(recipients):
    for _ in range(5):
        _deadline(timedelta(days=2))
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            for _ in range(3):
                _scan_and_send()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Reminder.objects.count() == 10
    assert len(mail.outbox) == 10
    assert len({(m.to[0], m.subject) for m in mail.outbox}) == 10


@pytest.mark.django_db
def test_a_deadline_in_a_year_without_holiday_data_says_so():
    committee = CommitteeFactory()
    loaded = services.deadline_open(
        kind="decision",
        subject=committee,
        due_at=timezone.make_aware(timezone.datetime(2026, 10, 9)),
        title="2026",
    )
    missing = services.deadline_open(
        kind="member_term",
        subject=committee,
        due_at=timezone.make_aware(timezone.datetime(2031, 10, 9)),
        title="2031",
    )
    assert loaded.note == ""
    assert "2031" in missing.note


@pytest.mark.django_db
def test_a_reminder_created_before_the_deadline_was_met_is_not_sent(recipients):
    deadline = _deadline(timedelta(days=2))
    result = services.deadlines_scan()
    assert len(result.to_send) == 2
    services.deadline_close(kind="decision", subject=deadline.subject)
    assert services.deadlines_scan().to_send == []
    assert not any(services.reminder_send(reminder_id=rid) for rid in result.to_send)
    assert mail.outbox == []


@pytest.mark.django_db
def test_every_attempt_of_a_reminder_carries_the_same_message_id(recipients, monkeypatch):
    _deadline(timedelta(days=2))
    result = services.deadlines_scan()
    rid = result.to_send[0]
    original = services.Reminder.objects.filter

    def fail_after_mail(*args, **kwargs):
        raise RuntimeError("worker died after the mail server took the message")

    # First attempt: the mail leaves, then recording fails; the claim is released.
    monkeypatch.setattr(services.transaction, "atomic", fail_after_mail)
    with pytest.raises(RuntimeError):
        services.reminder_send(reminder_id=rid)
    monkeypatch.undo()
    assert original(pk=rid, sent_at=None).exclude(sending_at=None).exists()
    assert services.reminder_send(reminder_id=rid)
    first, second = mail.outbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    assert Notification.objects.filter(title=first.subject).count() == 1
