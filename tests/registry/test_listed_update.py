"""R51 "及时更新": a listed activity's registration update opens on an approved amendment, a
suspension, a termination and the closure; a non-listed activity gets none."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ethics import deadlines
from ethics.models import Deadline
from ethics.selectors import working_calendar
from registry.models import Filing
from reviews import services
from reviews.models import Project
from tests.reviews.conftest import (
    approved_project,
    draft,
    final_approval,
    listed_preliminary,
    meeting_accepted,
    meeting_decision,
    submitted,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(world):
    application = listed_preliminary(world)
    final_approval(world, application)
    return Project.objects.get(pk=application.project_id)


def _decide(world, application, outcome, **kwargs):
    """R24: a meeting review is decided by its meeting's vote."""
    return meeting_decision(
        world, application_id=application.pk, outcome=outcome, actor=world.chair, **kwargs
    )


def _amend(world, project):
    amendment = submitted(world, kind="amendment", project=project)
    if project.listed:  # R46: the committee classifies a listed activity's amendment first
        services.amendment_classify(application_id=amendment.pk, actor=world.secretary, major=False)
    services.application_accept(
        application_id=amendment.pk, procedure="meeting", actor=world.secretary
    )
    _decide(world, amendment, "approve")


def _suspend(world, project):
    report = meeting_accepted(world, kind="tracking", project=project)
    _decide(world, report, "suspend")


def _terminate(world, project):
    report = meeting_accepted(world, kind="tracking", project=project)
    _decide(world, report, "terminate")


def _close(world, project):
    closure = draft(world, kind="closure", project=project)
    services.application_submit(application_id=closure.pk, actor=world.researcher)
    services.application_acknowledge(application_id=closure.pk, actor=world.secretary)


EVENTS = {"amendment": _amend, "suspension": _suspend, "termination": _terminate, "closure": _close}


@pytest.mark.parametrize("event", list(EVENTS))
def test_each_lifecycle_event_opens_the_update_filing_r51(world, listed, event):
    assert not Filing.objects.filter(kind="listed_update").exists()
    start = timezone.now()
    EVENTS[event](world, listed)
    filing = Filing.objects.get(kind="listed_update", project=listed)
    assert filing.status == "due"
    assert filing.rule == "R51"
    clock = Deadline.objects.get(kind="listed_update", subject_id=listed.pk)
    assert clock.state == "open"
    # 30 days from the event (Civil Code counting), like the registration itself.
    expected = deadlines.day_period_due_at(start, 30, calendar=working_calendar())
    assert abs(clock.due_at - expected) <= dt.timedelta(days=1)


def test_a_non_listed_activity_gets_no_update_r51(world):
    project = approved_project(world)
    _amend(world, project)
    _suspend(world, project)
    assert not Deadline.objects.filter(kind="listed_update").exists()
    assert not Filing.objects.filter(kind="listed_update").exists()


def test_a_second_event_while_the_update_is_due_opens_no_second_filing_r51(world, listed):
    _amend(world, listed)
    _suspend(world, listed)
    assert Filing.objects.filter(kind="listed_update", project=listed).count() == 1


def test_the_update_filing_is_on_the_api_and_the_page_r51(world, listed, api_client, client):
    _suspend(world, listed)
    filing = Filing.objects.get(kind="listed_update", project=listed)
    api_client.force_authenticate(world.secretary)
    body = api_client.get("/api/v1/filings/?kind=listed_update").json()
    assert [row["id"] for row in body["results"]] == [filing.pk]
    assert body["results"][0]["project"] == listed.pk
    client.force_login(world.secretary)
    page = client.get(reverse("registry:filing-detail", args=[filing.pk]))
    assert page.status_code == 200
    response = api_client.post(f"/api/v1/filings/{filing.pk}/prepare/")
    assert response.status_code == 202
