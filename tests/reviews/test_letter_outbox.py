"""Decision letters go through the kernel's job outbox: recorded with the decision, rendered once
per decision and template version however often the job is delivered (issue 14)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from ethics.job_models import Job, JobState
from ethics.jobs import sweep
from ethics.models import AuditEvent
from reviews.models import Decision
from reviews.tasks import render_letter_task
from tests.reviews.conftest import accepted, meeting_decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _decide(world):
    application = accepted(world, procedure="meeting", grounds="")
    return meeting_decision(
        world, application_id=application.pk, outcome="approve", actor=world.chair
    )


def test_the_letter_job_commits_with_the_decision(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        decision = _decide(world)
    job = Job.objects.get(task="reviews.render_letter")
    assert job.kwargs == {"decision_id": decision.pk}
    assert job.state == JobState.PENDING
    assert job.queue == "pdf"
    from ethics.jobs import dispatch

    assert [c.func for c in callbacks if getattr(c, "func", None) is dispatch] == [dispatch]


def test_broker_down_at_decide_then_the_sweeper_renders_the_letter_once(
    world, eager, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise BrokerDown("Connection refused")

    monkeypatch.setattr(render_letter_task, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        decision = _decide(world)  # answers normally: the decision is committed
    assert Decision.objects.filter(pk=decision.pk).exists()
    assert not Decision.objects.get(pk=decision.pk).letter
    monkeypatch.undo()
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert sweep()["requeued"] == 1
    decision.refresh_from_db()
    assert decision.letter
    job = Job.objects.get(task="reviews.render_letter")
    assert job.state == JobState.DONE
    # Delivered again (a redelivery after a worker loss, a second sweeper): nothing new.
    render_letter_task.apply(kwargs={"decision_id": decision.pk, "job_id": job.pk})
    render_letter_task.apply(kwargs={"decision_id": decision.pk})
    assert AuditEvent.objects.filter(action="letter.render").count() == 1
    assert Decision.objects.get(pk=decision.pk).letter.name == decision.letter.name
