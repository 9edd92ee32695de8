"""Issue 13 / R60: an audit trail nobody can rewrite.

The attack that used to pass `verify_audit`: with database access, delete one event, forge another
(a reviewer's opinion turned from approve to disapprove), recompute every hash. Here it runs on
the engine of the suite (PostgreSQL in CI with DATABASE_URL set, SQLite otherwise); the trigger
is taken away as the table's owner (PostgreSQL superuser) or by dropping it (SQLite).
"""

import hashlib
import json

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from ethics import audit
from ethics.models import AuditChainHead, AuditEvent
from reviews import services
from tests.audit_tamper import guard_off
from tests.conftest import requires_postgres
from tests.reviews.conftest import assigned, declare_and_opine

pytestmark = pytest.mark.django_db


@pytest.fixture
def anchor_file(tmp_path, settings):
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit" / "anchors.log"
    settings.AUDIT_ANCHOR_EMAIL = ""
    return settings.AUDIT_ANCHOR_FILE


def _history(world):
    """Events written by the services: assignments, two opinions, the chair's decision."""
    application, (a1, a2) = assigned(world)
    declare_and_opine(a1, "approve")
    declare_and_opine(a2, "approve")
    services.application_decide(application_id=application.pk, outcome="approve", actor=world.chair)
    return AuditEvent.objects.filter(action="review.opinion").order_by("id").first()


def _delete_and_forge(opinion_event):
    """Delete the event before the opinion and turn the opinion into a disapproval."""
    victim = AuditEvent.objects.filter(id__lt=opinion_event.id).order_by("-id").first()
    with guard_off():
        AuditEvent.objects.filter(pk=victim.pk).delete()
        after = {**opinion_event.after, "verdict": "disapprove"}
        AuditEvent.objects.filter(pk=opinion_event.pk).update(after=after)
    return victim


def _rehash(*, relabel=None, relabel_from=0, plain=False):
    """Recompute every hash in order, as the attacker would, and point the chain head at it.

    `plain`: hash with plain SHA-256 whatever the event's label says; otherwise each event is
    hashed under its own label, keyed ones with the stolen key. `relabel`: set the scheme of the
    events from id `relabel_from` on first.
    """
    previous = audit.GENESIS
    with guard_off():
        for event in AuditEvent.objects.order_by("id"):
            event.prev_hash = previous
            if relabel is not None and event.id >= relabel_from:
                event.scheme = relabel
                event.key_id = "" if relabel == audit.PLAIN else event.key_id
            if plain or event.scheme == audit.PLAIN:
                event.hash = hashlib.sha256(audit._canonical(event)).hexdigest()
            else:
                event.hash = audit.compute_hash(event)  # settings.AUDIT_HMAC_KEYS: stolen
            AuditEvent.objects.filter(pk=event.pk).update(
                prev_hash=event.prev_hash, hash=event.hash, scheme=event.scheme, key_id=event.key_id
            )
            previous = event.hash
    AuditChainHead.objects.filter(pk=1).update(last_hash=previous)


def _verify_audit():
    """Run the command like an inspector; (ok, the line it printed)."""
    try:
        call_command("verify_audit", stdout=(out := _Buffer()), stderr=_Buffer())
    except CommandError as exc:
        return False, str(exc)
    return True, out.text.strip()


class _Buffer:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_new_events_are_keyed_and_the_chain_verifies(world, anchor_file, settings):
    _history(world)
    events = list(AuditEvent.objects.order_by("id"))
    assert events
    assert {e.scheme for e in events} == {audit.KEYED}
    assert {e.key_id for e in events} == {settings.AUDIT_HMAC_KEY_ID}
    # Without the key the hash cannot be reproduced.
    assert events[0].hash != hashlib.sha256(audit._canonical(events[0])).hexdigest()
    audit.anchor()
    ok, line = _verify_audit()
    assert ok, line
    assert line == f"audit chain intact: {len(events)} events, 1 anchors ({anchor_file})"


def test_the_forgery_without_rehashing_is_a_break(world, anchor_file):
    opinion = _history(world)
    audit.anchor()
    victim = _delete_and_forge(opinion)
    ok, message = _verify_audit()
    assert not ok
    assert message.startswith(f"audit chain broken at event {victim.id + 1}: prev_hash")


def test_plain_sha256_rehash_is_a_break(world, anchor_file):
    """The old attack: the events still say hmac-sha256, so a plain hash does not match."""
    first = AuditEvent.objects.order_by("id").first
    opinion = _history(world)
    audit.anchor()
    _delete_and_forge(opinion)
    _rehash(plain=True)
    ok, message = _verify_audit()
    assert not ok
    assert message.startswith(
        f"audit chain broken at event {first().id}: content does not match its hash"
    )


def test_downgrade_after_a_keyed_event_is_a_break(world, anchor_file):
    """Relabel the events from the forged one on as plain SHA-256: a plain event after a keyed one."""
    opinion = _history(world)
    audit.anchor()
    _delete_and_forge(opinion)
    _rehash(relabel=audit.PLAIN, relabel_from=opinion.id)
    ok, message = _verify_audit()
    assert not ok
    assert message.startswith(
        f"audit chain broken at event {opinion.id}: plain SHA-256 event after a keyed (HMAC) event"
    )


def test_relabelling_everything_as_plain_is_caught_by_the_anchor(world, anchor_file):
    """A chain that is entirely plain SHA-256 looks like a pre-HMAC one; the anchor disagrees."""
    opinion = _history(world)
    newest = AuditEvent.objects.order_by("-id").first()
    audit.anchor()
    _delete_and_forge(opinion)
    _rehash(relabel=audit.PLAIN)
    assert audit.verify_chain() == (AuditEvent.objects.count(), None)  # the chain alone is fooled
    ok, message = _verify_audit()
    assert not ok
    assert message.startswith(f"audit chain broken at event {newest.id}: anchor line 1 (")
    assert "does not match" in message


def test_rehash_with_the_stolen_key_is_caught_by_the_anchor(world, anchor_file):
    opinion = _history(world)
    newest = AuditEvent.objects.order_by("-id").first()
    count = AuditEvent.objects.count()
    audit.anchor()
    _delete_and_forge(opinion)
    _rehash()  # keep the labels, HMAC with the stolen key
    assert audit.verify_chain() == (count - 1, None)  # the key holder fools the chain check
    ok, message = _verify_audit()
    assert not ok
    assert message == (
        f"audit chain broken at event {newest.id}: anchor line 1 ("
        f"{json.loads(anchor_file.read_text())['at']}) does not match: it recorded event "
        f"{newest.id} with hash {newest.hash[:16]}… as event number {count}; the database has "
        f"hash {AuditEvent.objects.get(pk=newest.pk).hash[:16]}… as event number {count - 1} "
        f"({count - 1} events and 0 anchors verified before it)"
    )


def test_a_forged_anchor_line_is_refused(world, anchor_file):
    _history(world)
    audit.anchor()
    data = json.loads(anchor_file.read_text())
    data["count"] += 1
    anchor_file.write_text(json.dumps(data) + "\n")
    ok, message = _verify_audit()
    assert not ok
    assert message.startswith("audit chain broken: anchor line 1: its MAC does not match")


def test_an_anchored_event_that_is_missing_is_a_break(world, anchor_file):
    _history(world)
    anchor = audit.anchor()
    with guard_off():
        AuditEvent.objects.filter(pk=anchor.last_id).delete()
    AuditChainHead.objects.filter(pk=1).update(
        last_hash=AuditEvent.objects.order_by("-id").first().hash
    )
    ok, message = _verify_audit()
    assert not ok
    assert (
        f"anchor line 1 ({anchor.at}) recorded event {anchor.last_id}, which is missing" in message
    )


def test_tampering_after_the_newest_anchor_is_only_caught_without_the_key(world, anchor_file):
    """Boundary: events newer than the newest anchor are protected by the key alone."""
    _history(world)
    audit.anchor()
    anchored = AuditEvent.objects.count()
    with transaction.atomic():
        audit.record(actor=world.chair, action="test.after_anchor", after={"verdict": "approve"})
    late = AuditEvent.objects.order_by("-id").first()
    with guard_off():
        AuditEvent.objects.filter(pk=late.pk).update(after={"verdict": "disapprove"})
    assert not _verify_audit()[0]  # without the key: content does not match its hash
    _rehash()
    ok, line = _verify_audit()
    assert ok  # with the key, after the newest anchor: undetectable until the next anchor
    assert line.startswith(f"audit chain intact: {anchored + 1} events, 1 anchors")


def test_anchor_appends_hmac_lines_and_emails_them(world, anchor_file, settings):
    settings.AUDIT_ANCHOR_EMAIL = "inspector@example.org"
    empty = audit.anchor()
    assert (empty.last_id, empty.count, empty.hash) == (0, 0, audit.GENESIS)
    _history(world)
    call_command("anchor_audit", stdout=_Buffer())
    lines = anchor_file.read_text().splitlines()
    assert len(lines) == 2
    second = json.loads(lines[1])
    newest = AuditEvent.objects.order_by("-id").first()
    assert (second["last_id"], second["hash"]) == (newest.id, newest.hash)
    assert second["count"] == AuditEvent.objects.count()
    assert set(second) == {"at", "last_id", "hash", "count", "key_id", "mac"}
    assert [m.to for m in mail.outbox] == [["inspector@example.org"]] * 2
    assert mail.outbox[1].body.strip() == lines[1]
    assert _verify_audit() == (
        True,
        f"audit chain intact: {second['count']} events, 2 anchors ({anchor_file})",
    )


def test_no_email_without_an_address(world, anchor_file):
    _history(world)
    audit.anchor()
    assert mail.outbox == []


def test_the_beat_task_is_scheduled_and_anchors(world, anchor_file):
    from django_celery_beat.models import PeriodicTask

    from ethics.tasks import anchor_audit_task

    task = PeriodicTask.objects.get(name="anchor-audit")
    assert (task.task, task.interval.every, task.interval.period) == (
        "ethics.anchor_audit",
        60,
        "minutes",
    )
    _history(world)
    result = anchor_audit_task.apply().get()
    assert result["count"] == AuditEvent.objects.count()
    assert len(anchor_file.read_text().splitlines()) == 1


def test_old_plain_events_stay_verifiable_and_rotation_keeps_old_keys(world, anchor_file, settings):
    """Rows written before the key (scheme sha256) verify; a rotated key still verifies its rows."""
    _history(world)
    plain_count = AuditEvent.objects.count()
    _rehash(relabel=audit.PLAIN)  # what migration 0007 leaves: every old row is plain SHA-256
    settings.AUDIT_HMAC_KEYS = {"1": "first key", "2": "second key"}
    settings.AUDIT_HMAC_KEY_ID = "1"
    with transaction.atomic():
        audit.record(actor=None, action="test.key1")
    settings.AUDIT_HMAC_KEY_ID = "2"
    with transaction.atomic():
        audit.record(actor=None, action="test.key2")
    audit.anchor()
    assert list(AuditEvent.objects.order_by("-id").values_list("key_id", flat=True)[:2]) == [
        "2",
        "1",
    ]
    assert _verify_audit() == (
        True,
        f"audit chain intact: {plain_count + 2} events, 1 anchors ({anchor_file})",
    )
    settings.AUDIT_HMAC_KEYS = {"2": "second key"}  # key 1 dropped: its events cannot verify
    ok, message = _verify_audit()
    assert not ok
    assert "unknown audit key id 1" in message


# --- the trigger ------------------------------------------------------------------------------


def test_update_and_delete_are_refused_insert_works(world):
    _history(world)
    event = AuditEvent.objects.order_by("id").first()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    before = AuditEvent.objects.count()
    with transaction.atomic():
        audit.record(actor=world.chair, action="test.insert")  # the boundary: INSERT still works
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.get(pk=event.pk).reason == event.reason
    assert audit.guard_installed()


@pytest.mark.postgres
@requires_postgres
def test_postgres_trigger_refuses_raw_sql_and_superuser_can_only_disable_it(world):
    _history(world)
    event_id = AuditEvent.objects.order_by("id").values_list("id", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # see tests/audit_tamper.py
        for statement in (
            "UPDATE ethics_auditevent SET reason = 'x' WHERE id = %s",
            "DELETE FROM ethics_auditevent WHERE id = %s",
        ):
            with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
                cursor.execute(statement, [event_id])
        cursor.execute(
            "ALTER TABLE ethics_auditevent DISABLE TRIGGER ethics_auditevent_append_only"
        )
        assert not audit.guard_installed()
        err = _Buffer()
        call_command("verify_audit", stdout=_Buffer(), stderr=err)  # nothing changed yet ...
        assert "UPDATE and DELETE on audit events is missing or disabled" in err.text  # ... warned
        cursor.execute("ALTER TABLE ethics_auditevent ENABLE TRIGGER ethics_auditevent_append_only")
    assert audit.guard_installed()


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_audit_table_and_keeps_the_guard():
    """pytest-django's flush after transactional tests: TRUNCATE on PostgreSQL, and the `flush`
    override on SQLite; the trigger is still there afterwards."""
    with transaction.atomic():
        audit.record(actor=None, action="test.flush")
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0
    assert audit.guard_installed()
    with transaction.atomic():
        audit.record(actor=None, action="test.flush")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.all().delete()
