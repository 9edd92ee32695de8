"""A real Celery worker on Redis runs the beat task against PostgreSQL (CI's second pass)."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config import celery_app
from ethics import services
from ethics.models import Reminder
from ethics.tasks import scan_deadlines_task
from tests.factories import CommitteeFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis://") or connection.vendor != "postgresql",
        reason="needs CELERY_BROKER_URL=redis://... and DATABASE_URL=postgres://...",
    ),
]


@pytest.fixture
def worker(tmp_path):
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        }
    )
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    env["CELERY_TASK_DEFAULT_QUEUE"] = queue
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    proc = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.ethics.celery_test_app",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=warning",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
    )
    yield {"queue": queue, "mail": tmp_path / "mail", "proc": proc}
    celery_app.conf.task_default_queue = previous_queue
    proc.terminate()
    proc.wait(timeout=30)


def _wait_for(predicate, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def _institution_users(deadline):
    from committees.models import Committee
    from ethics import hooks

    committee = Committee.objects.get(pk=deadline.committee_id)
    return hooks.Recipients(responsible=list(committee.institution.users.all()))


@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_scan_and_sends_each_reminder_once(worker):
    from ethics import hooks

    with hooks.deadline_kind_overridden("committee_update", recipients=_institution_users):
        for i in range(3):
            committee = CommitteeFactory()
            UserFactory(username=f"sec{committee.pk}", email=f"sec{i}@example.test")
            services.deadline_open(
                kind="committee_update",
                subject=committee,
                due_at=timezone.now() + timedelta(days=1, hours=1),
                title=f"委员会{i}",
                committee_id=committee.pk,
            )
    for _ in range(2):
        scan_deadlines_task.apply_async(queue=worker["queue"]).get(timeout=60)
    assert _wait_for(lambda: Reminder.objects.filter(sent_at__isnull=False).count() == 3)
    time.sleep(1.5)
    assert Reminder.objects.count() == 3
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0
    assert len(list(worker["mail"].glob("*.log"))) >= 1
    text = "".join(p.read_text() for p in worker["mail"].glob("*.log"))
    assert text.count("Subject:") == 3
