"""The job outbox (ethics/jobs.py): recorded with the change, queued after commit, swept when
unfinished, run once in effect; and the heartbeats /healthz reads."""

from datetime import timedelta

import pytest
import time_machine
from celery import shared_task
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from ethics import jobs
from ethics.job_models import Heartbeat, Job, JobState

pytestmark = pytest.mark.django_db(transaction=True)

RUNS: list[int] = []


@shared_task(name="tests.jobs_probe", **jobs.RENDER_TASK_OPTIONS)
def probe_task(n: int, job_id: int | None = None) -> int:
    with jobs.running(job_id):
        RUNS.append(n)
        return n


@pytest.fixture(autouse=True)
def eager():
    from config.celery import app

    RUNS.clear()
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(probe_task, "apply_async", refuse)
    return monkeypatch


def _failing_change():
    with transaction.atomic():
        jobs.enqueue("tests.jobs_probe", n=1)
        raise RuntimeError("the change fails")


def test_a_rolled_back_change_leaves_no_job():
    with pytest.raises(RuntimeError):
        _failing_change()
    assert not Job.objects.exists()
    assert RUNS == []


def test_the_job_runs_after_commit_once():
    with transaction.atomic():
        job = jobs.enqueue("tests.jobs_probe", n=2)
        jobs.enqueue("tests.jobs_probe", n=2)  # the same work is the same job
        assert RUNS == []  # nothing runs before the commit
    assert RUNS == [2]
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert job.attempts == 1
    assert Job.objects.count() == 1


def test_broker_down_keeps_the_change_and_the_sweeper_queues_it_later(broker_down, caplog):
    with transaction.atomic():
        job = jobs.enqueue("tests.jobs_probe", n=3)
    job.refresh_from_db()
    assert job.state == JobState.PENDING  # committed with the change, not queued
    assert "not queued" in caplog.text
    assert jobs.sweep() == {"requeued": 0, "failed": 0}  # not due yet
    broker_down.undo()  # the broker is back
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert jobs.sweep()["requeued"] == 1
        assert jobs.sweep()["requeued"] == 0  # backs off: not queued again at once
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert RUNS == [3]


def test_a_second_delivery_of_a_done_job_is_not_counted():
    with transaction.atomic():
        job = jobs.enqueue("tests.jobs_probe", n=4)
    probe_task.apply(kwargs={"n": 4, "job_id": job.pk})
    job.refresh_from_db()
    assert job.attempts == 1
    assert job.state == JobState.DONE


def test_a_failing_job_records_its_error_and_stays_unfinished():
    with transaction.atomic():
        job = Job.objects.create(
            task="tests.jobs_probe", kwargs={"n": 5}, key="k5", sweep_at=timezone.now()
        )
    with pytest.raises(ValueError, match="boom"), jobs.running(job.pk):
        raise ValueError("boom")
    job.refresh_from_db()
    assert job.state == JobState.RUNNING
    assert "boom" in job.last_error
    assert job.sweep_at > timezone.now()  # the sweeper waits for the retry first


def test_the_sweeper_gives_up_after_the_limit(settings, broker_down, caplog):
    settings.JOBS_MAX_DISPATCHES = 2
    with transaction.atomic():
        job = jobs.enqueue("tests.jobs_probe", n=6)
    Job.objects.filter(pk=job.pk).update(dispatches=2, sweep_at=timezone.now())
    assert jobs.sweep() == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "failed after 2 dispatches" in caplog.text


def test_a_second_sweeper_does_not_queue_the_same_job_twice():
    job = Job.objects.create(
        task="tests.jobs_probe", kwargs={"n": 7}, key="k7", state=JobState.QUEUED,
        sweep_at=timezone.now() - timedelta(seconds=1),
    )  # fmt: skip
    stale = Job.objects.get(pk=job.pk)
    assert jobs.sweep()["requeued"] == 1
    # A second beat read the same row before the first claimed it: its claim finds nothing.
    assert not Job.objects.filter(pk=job.pk, sweep_at=stale.sweep_at).exists()
    assert RUNS == [7]


# --- /healthz ------------------------------------------------------------------------------------


def test_healthz_fails_without_heartbeats_and_passes_with_fresh_ones(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert body["worker"].startswith("error")
    jobs.heartbeat(jobs.worker_heartbeat_name("w1"))
    jobs.heartbeat(jobs.BEAT)
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert set(response.json()) == {"database", "broker", "worker", "beat"}
    assert float(response.json()["worker"]) < 5


def test_healthz_fails_on_a_stale_beat(client, settings):
    jobs.heartbeat(jobs.worker_heartbeat_name("w1"))
    Heartbeat.objects.create(name=jobs.BEAT, at=timezone.now() - timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["beat"].startswith("error")
    assert float(response.json()["worker"]) < 5


def test_healthz_reports_a_broker_that_cannot_be_reached(client, monkeypatch):
    from ethics import health

    jobs.heartbeat(jobs.worker_heartbeat_name("w1"))
    jobs.heartbeat(jobs.BEAT)
    monkeypatch.setattr(health, "check_broker", lambda: "error: OperationalError")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "error: OperationalError"


def test_healthz_command_checks_one_part(capsys):
    from django.core.management import CommandError, call_command

    jobs.heartbeat(jobs.BEAT)
    call_command("healthz", "--only", "beat")
    assert '"beat"' in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("healthz", "--only", "worker", "--this-host")


def test_the_sweeper_forgets_finished_jobs_after_the_keep_period(settings):
    settings.JOBS_KEEP_DAYS = 90
    with transaction.atomic():
        job = jobs.enqueue("tests.jobs_probe", n=8)
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=91))
    unfinished = Job.objects.create(
        task="tests.jobs_probe", kwargs={"n": 9}, key="k9", sweep_at=timezone.now() + timedelta(hours=1),
        created_at=timezone.now() - timedelta(days=200),
    )  # fmt: skip
    jobs.sweep()
    assert list(Job.objects.values_list("pk", flat=True)) == [unfinished.pk]
