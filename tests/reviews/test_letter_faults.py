"""No letter is lost or doubled when Redis or the worker fails (issue 14), on PostgreSQL + Redis
with real processes: a web server, a Celery worker and Celery beat, and a dedicated redis-server
on a free port that the test stops and starts.

- Redis down while the chair decides: the request answers 201, the job waits in the outbox, and
  the letter appears once after Redis returns.
- The whole worker SIGKILLed in the middle of rendering: a new worker renders the letter once.

The sweeper runs every 2 s here and re-queues after JOBS_REQUEUE_AFTER_MINUTES=0.1 (6 s); the
production defaults (every minute, 5 minutes) scale the times printed by the tests.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from ethics.job_models import Job, JobState
from ethics.models import AuditEvent
from reviews.models import Decision
from tests.conftest import requires_postgres
from tests.reviews.conftest import assigned, declare_and_opine

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


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(predicate, timeout=60.0, every=0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(every)
    return False


def _ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _stop(proc, sig=signal.SIGTERM):
    if proc is not None and proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class Stack:
    """A redis-server, a web server, a worker and beat against the test database."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.redis_port = _free_port()
        self.web_port = _free_port()
        self.queue = f"pdf-faults-{os.getpid()}-{time.monotonic_ns()}"
        self.procs = {}
        db = connection.settings_dict
        self.env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"} | {
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CELERY_PDF_QUEUE": self.queue,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue + "-default",
            "CELERY_VISIBILITY_TIMEOUT_SECONDS": "20",
            "JOBS_REQUEUE_AFTER_MINUTES": "0.1",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "DATA_DIR": str(tmp_path / "data"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "HEARTBEAT_EVERY_SECONDS": "2",
            "LOG_LEVEL": "WARNING",
        }

    def log(self, name):
        return (self.tmp / f"{name}.log").open("a")

    def start_redis(self):
        binary = shutil.which("redis-server")
        self.procs["redis"] = subprocess.Popen(  # noqa: S603 - fixed arguments
            [binary, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        assert _wait_for(lambda: _ping(self.redis_port), 10)

    def start_worker(self, slow_seconds=0.0):
        env = self.env | {"SLOW_RENDER_SECONDS": str(slow_seconds)}
        self.procs["worker"] = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "-m", "celery", "-A", "tests.ops.slow_worker_app", "worker",
             "--pool=solo", "-Q", f"{self.queue},{self.queue}-default", "--loglevel=warning",
             "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=self.log("worker"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    def start_beat(self):
        self.procs["beat"] = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=warning",
             "--schedule", str(self.tmp / "beat-schedule")],
            cwd=ROOT, env=self.env, stdout=self.log("beat"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    def start_web(self):
        self.procs["web"] = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.web_port}", "--noreload"],
            cwd=ROOT, env=self.env, stdout=self.log("web"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        assert _wait_for(lambda: self._up(), 60), self.logs()

    def _up(self):
        try:
            with socket.create_connection(("127.0.0.1", self.web_port), timeout=0.5):
                return True
        except OSError:
            return False

    def post(self, path, token, data):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.web_port}{path}",
            data=json.dumps(data).encode(),
            method="POST",
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, error.read()[:500]

    def get_json(self, path):
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.web_port}{path}", timeout=30
            ) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def logs(self):
        return "\n".join(
            f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(self.tmp.glob("*.log"))
        )

    def close(self):
        for name in ("web", "beat", "worker", "redis"):
            _stop(self.procs.get(name), signal.SIGKILL if name == "redis" else signal.SIGTERM)


@pytest.fixture
def stack(tmp_path):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    # The sweeper every 2 s (the migration's row says every minute; the test flushes rows).
    every, _ = IntervalSchedule.objects.get_or_create(every=2, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="sweep-jobs", defaults={"task": "ethics.sweep_jobs", "interval": every}
    )
    state = Stack(tmp_path)
    state.start_redis()
    yield state
    state.close()


def _letter_ready(decision_id):
    decision = Decision.objects.filter(pk=decision_id).first()
    return bool(decision and decision.letter)


def _assert_one_letter(decision_id, media_root):
    decision = Decision.objects.get(pk=decision_id)
    assert decision.letter
    assert AuditEvent.objects.filter(action="letter.render").count() == 1
    files = list(Path(media_root).glob("reviews/letters/**/*.pdf"))  # the test's only decision
    assert len(files) == 1, files
    assert Path(media_root, decision.letter.name) == files[0]
    job = Job.objects.get(task="reviews.render_letter")
    assert job.state == JobState.DONE


def _ready_to_decide(world):
    """A simplified review with both opinions in: the chair may decide."""
    application, assignments = assigned(world)
    for assignment in assignments:
        declare_and_opine(assignment, "approve")
    return application


def _token(user):
    from ethics.services import token_issue

    return token_issue(user=user)[1]


def test_redis_down_while_deciding_the_letter_comes_once_after_it_returns(world, stack, capsys):
    application = _ready_to_decide(world)
    token = _token(world.chair)
    stack.start_web()
    stack.start_worker()
    stack.start_beat()
    _stop(stack.procs["redis"], signal.SIGKILL)  # the broker is gone
    status, body = stack.post(
        f"/api/v1/applications/{application.pk}/decide/", token, {"outcome": "approve"}
    )
    assert status == 201, (body, stack.logs())
    decision_id = body["id"]
    assert Job.objects.get(task="reviews.render_letter").state == JobState.PENDING
    time.sleep(5)  # beat sweeps while Redis is down: nothing is lost, nothing fails
    assert not _letter_ready(decision_id)
    assert Job.objects.get(task="reviews.render_letter").state == JobState.PENDING
    back = time.monotonic()
    stack.start_redis()
    assert _wait_for(lambda: _letter_ready(decision_id), 120), stack.logs()
    seconds = time.monotonic() - back
    time.sleep(25)  # past the visibility timeout and several sweeps: no second letter
    _assert_one_letter(decision_id, settings.MEDIA_ROOT)
    with capsys.disabled():
        print(f"\n[figure] Redis down at decide: letter {seconds:.1f} s after Redis returned")  # noqa: T201


def test_worker_killed_mid_render_gives_exactly_one_letter(world, stack, capsys):
    application = _ready_to_decide(world)
    token = _token(world.chair)
    stack.start_web()
    stack.start_worker(slow_seconds=6)
    stack.start_beat()
    # /healthz sees the database, the broker and fresh worker and beat heartbeats.
    assert _wait_for(lambda: stack.get_json("/healthz")[0] == 200, 60), stack.get_json("/healthz")
    assert set(stack.get_json("/healthz")[1]) == {"database", "broker", "worker", "beat"}
    status, body = stack.post(
        f"/api/v1/applications/{application.pk}/decide/", token, {"outcome": "approve"}
    )
    assert status == 201, (body, stack.logs())
    decision_id = body["id"]
    assert _wait_for(lambda: Job.objects.filter(state=JobState.RUNNING).exists(), 60), stack.logs()
    time.sleep(1.0)  # inside the (slowed) rendering
    killed = time.monotonic()
    _stop(stack.procs["worker"], signal.SIGKILL)
    assert not _letter_ready(decision_id)
    stack.start_worker()
    assert _wait_for(lambda: _letter_ready(decision_id), 180), stack.logs()
    seconds = time.monotonic() - killed
    time.sleep(25)  # the unacknowledged message comes back after the visibility timeout
    _assert_one_letter(decision_id, settings.MEDIA_ROOT)
    with capsys.disabled():
        print(f"\n[figure] worker killed mid-render: letter {seconds:.1f} s after the kill")  # noqa: T201
