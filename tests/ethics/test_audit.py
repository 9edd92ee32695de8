import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from ethics import audit
from ethics.models import AuditEvent
from tests.audit_tamper import guard_off
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _write(n: int, actor=None):
    for i in range(n):
        with transaction.atomic():
            audit.record(actor=actor, action="test.change", after={"i": i}, reason=f"step {i}")


def test_each_event_links_to_the_previous_one():
    actor = UserFactory()
    _write(3, actor)
    events = list(AuditEvent.objects.order_by("id"))
    assert events[0].prev_hash == audit.GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert events[0].actor_label == actor.username
    assert audit.verify_chain() == (3, None)


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        audit.record(actor=None, action="test.change")


def test_editing_a_past_row_is_detected_by_verify_audit(capsys):
    _write(4)
    second = AuditEvent.objects.order_by("id")[1]
    # A direct UPDATE bypasses the application (and the trigger, as the table's owner can).
    with guard_off():
        AuditEvent.objects.filter(pk=second.pk).update(reason="rewritten history")
    checked, broken = audit.verify_chain()
    assert checked == 1
    assert broken is not None
    assert broken.event_id == second.pk
    with pytest.raises(CommandError, match=f"event {second.pk}"):
        call_command("verify_audit")


def test_deleting_a_row_breaks_the_link_of_the_next():
    _write(3)
    middle = AuditEvent.objects.order_by("id")[1]
    with guard_off():
        AuditEvent.objects.filter(pk=middle.pk).delete()
    _, broken = audit.verify_chain()
    assert broken is not None
    assert broken.event_id > middle.pk


def test_deleting_the_newest_row_is_detected():
    _write(2)
    with guard_off():
        AuditEvent.objects.order_by("-id").first().delete()
    _, broken = audit.verify_chain()
    assert broken is not None


def test_verify_audit_reports_an_intact_chain(capsys):
    _write(2)
    call_command("verify_audit")
    assert "2 events" in capsys.readouterr().out


def test_audit_row_rolls_back_with_the_change():
    def change_then_fail():
        with transaction.atomic():
            audit.record(actor=None, action="test.change")
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        change_then_fail()
    assert AuditEvent.objects.count() == 0
