"""Reminders are never lost and never doubled (design.md quality targets), on PostgreSQL + Redis:

- concurrent, repeated scans in several threads;
- a Celery worker SIGKILLed while it sends, then a new worker and scans after the lease;
- the broker (a dedicated redis-server on a free port) killed and restarted mid-run.

Each (deadline, stage, recipient) is checked sent exactly once: one Reminder row with sent_at,
one e-mail in the file-based backend's output.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone
from kombu import Connection

from ethics import hooks, services
from ethics.models import Reminder
from tests.conftest import requires_postgres
from tests.factories import CommitteeFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    requires_postgres,
    pytest.mark.integration,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis://"),
        reason="needs CELERY_BROKER_URL=redis://...",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def deadlines():
    """Eight committee_update clocks, each with one named recipient (as the test worker app)."""
    with hooks.deadline_kind_overridden(
        "committee_update",
        recipients=lambda d: hooks.Recipients(
            responsible=list(UserFactory._meta.model.objects.filter(username=f"sec{d.subject_id}"))
        ),
    ):
        rows = []
        for i in range(8):
            committee = CommitteeFactory()
            UserFactory(username=f"sec{committee.pk}", email=f"sec{committee.pk}@example.test")
            rows.append(
                services.deadline_open(
                    kind="committee_update",
                    subject=committee,
                    due_at=timezone.now() + timedelta(days=1, hours=1),
                    title=f"故障测试{i}号",
                    committee_id=committee.pk,
                )
            )
        yield rows


def _messages(texts):
    """Split the file backend's log into messages: (Message-ID, whole text)."""
    found = []
    for chunk in texts.split("-" * 79):
        match = re.search(r"^Message-ID: (\S+)", chunk, re.MULTILINE)
        if match:
            found.append((match.group(1), chunk))
    return found


def _assert_exactly_once(deadlines, texts, *, copies_allowed=1):
    """Each reminder row is sent, once in effect: every copy of a deadline's reminder carries the
    same Message-ID (the deduplication key mail systems use), and at most `copies_allowed` copies
    physically left (a second copy only when the worker died after the mail server took the
    first one and before the database recorded it)."""
    assert Reminder.objects.count() == len(deadlines)
    assert Reminder.objects.filter(sent_at=None).count() == 0
    keys = list(Reminder.objects.values_list("deadline_id", "stage", "recipient_id"))
    assert len(keys) == len(set(keys))
    messages = _messages(texts)
    for deadline in deadlines:
        ids = [mid for mid, text in messages if deadline.title in text]
        assert len(set(ids)) == 1, (deadline.title, ids)
        assert 1 <= len(ids) <= copies_allowed, (deadline.title, ids)


# --- 1. concurrent repeated scans --------------------------------------------------------------


def test_concurrent_repeated_scans_send_each_reminder_once(deadlines):
    errors = []

    def run():
        try:
            for _ in range(5):
                for rid in services.deadlines_scan().to_send:
                    services.reminder_send(reminder_id=rid)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    # The same text shape the file backend writes: headers, then a separator line.
    texts = "".join(
        f"Message-ID: {m.extra_headers['Message-ID']}\nSubject: {m.subject}\n{'-' * 79}\n"
        for m in mail.outbox
    )
    _assert_exactly_once(deadlines, texts)
    assert len(mail.outbox) == len(deadlines)


# --- worker helpers -------------------------------------------------------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_worker(broker, queue, mail_dir, **env_extra):
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": broker,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "EMAIL_BACKEND": "tests.registry.slow_email_backend.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "REMINDER_LEASE_SECONDS": "3",
            **env_extra,
        }
    )
    return subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "celery", "-A", "tests.ethics.celery_test_app", "worker",
         "--pool=solo", "-Q", queue, f"--loglevel={os.environ.get('FAULTS_LOGLEVEL', 'warning')}", "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip


def _stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait_for(predicate, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _mail_text(mail_dir):
    return "".join(p.read_text() for p in Path(mail_dir).glob("*.log"))


class Sender:
    """Publishes send tasks to one broker URL (the CELERY_BROKER_URL env would win otherwise)."""

    def __init__(self, url):
        self.url = url
        # Not the current app: the project's app must stay current for the tests after this one.
        self.app = Celery("faults", set_as_current=False)

    def send(self, ids, queue):
        with Connection(self.url) as conn:
            for rid in ids:
                self.app.send_task("ethics.send_reminder", args=[rid], queue=queue, connection=conn)

    def close(self):
        self.app.close()


def _enqueue(sender, queue, ids):
    sender.send(ids, queue)


def _scan_and_enqueue(sender, queue):
    ids = services.deadlines_scan().to_send
    _enqueue(sender, queue, ids)
    return ids


def _drain(sender, queue, deadlines, timeout=90.0):
    """Scan and enqueue again (as beat would) until every reminder is recorded as sent."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if (
            Reminder.objects.count() == len(deadlines)
            and not Reminder.objects.filter(sent_at=None).exists()
        ):
            return True
        _scan_and_enqueue(sender, queue)
        time.sleep(2)
    return False


# --- 2. a worker killed while sending ---------------------------------------------------------------


def _kill_mid_send(deadlines, tmp_path, mode):
    queue = f"faults-{os.getpid()}-{time.monotonic_ns()}"
    mail_dir = tmp_path / "mail"
    sender = Sender(settings.CELERY_BROKER_URL)
    slow = _start_worker(
        settings.CELERY_BROKER_URL, queue, mail_dir, SLOW_EMAIL_SECONDS="4", SLOW_EMAIL_MODE=mode
    )
    try:
        _scan_and_enqueue(sender, queue)
        # Kill once the worker has claimed a reminder and is inside the slow send.
        assert _wait_for(lambda: Reminder.objects.filter(attempts__gte=1).exists(), 60)
        time.sleep(1.0)
        slow.send_signal(signal.SIGKILL)
        slow.wait(timeout=10)
    finally:
        _stop(slow)
    assert Reminder.objects.filter(sent_at=None).exists()
    fresh = _start_worker(settings.CELERY_BROKER_URL, queue, mail_dir)
    try:
        time.sleep(3.5)  # the lease of the killed worker's claim runs out
        assert _drain(sender, queue, deadlines)
        time.sleep(2)  # anything still queued would show up as a duplicate now
    finally:
        _stop(fresh)
        sender.close()
    return _mail_text(mail_dir)


def test_worker_killed_before_the_message_leaves_sends_each_once(deadlines, tmp_path):
    _assert_exactly_once(deadlines, _kill_mid_send(deadlines, tmp_path, "before"))


def test_worker_killed_after_the_message_left_sends_each_once(deadlines, tmp_path):
    # SMTP has no idempotent send: the message that left before the kill is sent again after the
    # lease, with the same Message-ID, so the recipient's mail system keeps one (exactly once in
    # effect). The in-app inbox entry is written with sent_at and exists once.
    texts = _kill_mid_send(deadlines, tmp_path, "after")
    _assert_exactly_once(deadlines, texts, copies_allowed=2)
    assert Reminder.objects.exclude(sending_at=None).count() == len(deadlines)
    for deadline in deadlines:
        assert (
            deadline.reminders.get()
            .recipient.notifications.filter(title__contains=deadline.title)
            .count()
            == 1
        )


# --- 3. the broker restarted ----------------------------------------------------------------------


@pytest.fixture
def redis_server(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()

    def start():
        proc = subprocess.Popen(  # noqa: S603 - fixed arguments
            [binary, "--port", str(port), "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        assert _wait_for(lambda: _ping(port), 10)
        return proc

    state = {"proc": start(), "port": port, "start": start}
    yield state
    if state["proc"].poll() is None:
        state["proc"].kill()
        state["proc"].wait(timeout=10)


def _ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def test_broker_restart_loses_and_doubles_nothing(deadlines, tmp_path, redis_server):
    broker = f"redis://127.0.0.1:{redis_server['port']}/0"
    queue = f"faults-{os.getpid()}-{time.monotonic_ns()}"
    mail_dir = tmp_path / "mail"
    sender = Sender(broker)
    worker = _start_worker(broker, queue, mail_dir, SLOW_EMAIL_SECONDS="1")
    try:
        _scan_and_enqueue(sender, queue)
        assert _wait_for(lambda: Reminder.objects.filter(sent_at__isnull=False).exists(), 60)
        # The broker dies with queued messages (no persistence: they are lost), then comes back.
        redis_server["proc"].send_signal(signal.SIGKILL)
        redis_server["proc"].wait(timeout=10)
        time.sleep(2)
        redis_server["proc"] = redis_server["start"]()
        time.sleep(4)  # leases of claims interrupted by the outage run out
        assert _drain(sender, queue, deadlines, timeout=120)
        time.sleep(2)
    finally:
        _stop(worker)
        sender.close()
    _assert_exactly_once(deadlines, _mail_text(mail_dir))
