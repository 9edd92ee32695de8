"""R61: every closed record gets its retention date on the event that closes it: closure,
termination, disapproval and withdrawal of a project, a committee document superseded by a new
version; the data migrations backfill rows closed before."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from committees.models import CommitteeDocument
from ethics import deadlines, regulations
from ethics.models import AuditEvent
from reviews import services
from reviews.models import Project
from tests.reviews.conftest import (
    PDF_BYTES,
    approved_project,
    meeting_accepted,
    meeting_decision,
    submitted,
)

pytestmark = pytest.mark.django_db

YEARS = regulations.MEAS.retention_years.value


def _expected():
    return deadlines.add_months(timezone.localdate(), 12 * YEARS)


def _decide(world, application, outcome, **kwargs):
    """R24: a meeting review is decided by its meeting's vote."""
    return meeting_decision(
        world, application_id=application.pk, outcome=outcome, actor=world.chair, **kwargs
    )


def test_termination_sets_the_retention_date_r61(world):
    project = approved_project(world)
    assert project.retain_until is None
    _decide(world, meeting_accepted(world, kind="tracking", project=project), "terminate")
    project.refresh_from_db()
    assert project.status == "terminated"
    assert project.retain_until == _expected()  # exactly YEARS years from the closing day
    event = AuditEvent.objects.filter(action="project.retention").latest("id")
    assert (event.after["event"], event.after["rule"]) == ("termination", "R61")


def test_suspension_is_not_a_closure_r61(world):
    project = approved_project(world)
    _decide(world, meeting_accepted(world, kind="tracking", project=project), "suspend")
    project.refresh_from_db()
    assert project.retain_until is None


def test_disapproval_of_the_initial_application_closes_the_record_r61(world, api_client):
    application = meeting_accepted(world)
    _decide(world, application, "disapprove", reasons="风险收益比不合理")
    project = Project.objects.get(pk=application.project_id)
    assert project.retain_until == _expected()
    api_client.force_authenticate(world.researcher)
    body = api_client.get(f"/api/v1/projects/{project.pk}/").json()
    assert body["retain_until"] == _expected().isoformat()


def test_disapproving_an_amendment_keeps_the_activity_open_r61(world):
    project = approved_project(world)
    _decide(
        world,
        meeting_accepted(world, kind="amendment", project=project),
        "disapprove",
        reasons="不同意",
    )
    project.refresh_from_db()
    assert project.retain_until is None


def test_withdrawal_of_the_initial_application_closes_the_record_page_r61(world, client):
    application = submitted(world)
    client.force_login(world.researcher)
    response = client.post(
        reverse("reviews:application-action", args=[application.pk, "withdraw"]),
        {"reason": "课题取消", "confirm": "1"},
    )
    assert response.status_code == 302
    project = Project.objects.get(pk=application.project_id)
    assert project.retain_until == _expected()
    page = client.get(reverse("reviews:project-detail", args=[project.pk])).content.decode()
    assert _expected().isoformat() in page


def _upload(api_client, world, kind="charter"):
    return api_client.post(
        f"/api/v1/committees/{world.committee.pk}/documents/",
        {"kind": kind, "file": SimpleUploadedFile("章程.pdf", PDF_BYTES)},
        format="multipart",
    )


def test_a_superseded_document_gets_its_retention_date_api_r61(world, api_client):
    api_client.force_authenticate(world.secretary)
    first = _upload(api_client, world, "video_meeting_rules").json()
    assert first["retain_until"] is None  # the current version is not closed
    second = _upload(api_client, world, "video_meeting_rules").json()
    assert second["retain_until"] is None
    old = CommitteeDocument.objects.get(pk=first["id"])
    assert old.retain_until == _expected()
    assert AuditEvent.objects.filter(action="committee.document_superseded").count() == 1


def test_a_superseded_document_gets_its_retention_date_page_r61(world, client):
    client.force_login(world.secretary)
    before = CommitteeDocument.objects.get(committee=world.committee, kind="charter")
    response = client.post(
        reverse("committees:document-upload", args=[world.committee.pk]),
        {"kind": "charter", "file": SimpleUploadedFile("章程.pdf", PDF_BYTES)},
    )
    assert response.status_code == 302
    before.refresh_from_db()
    assert before.retain_until == _expected()


def test_the_migrations_backfill_closed_rows_r61(world):
    terminated = approved_project(world)
    Project.objects.filter(pk=terminated.pk).update(status="terminated")
    withdrawn = submitted(world)
    services.application_withdraw(application_id=withdrawn.pk, actor=world.researcher)
    Project.objects.filter(pk=withdrawn.project_id).update(retain_until=None, closed_at=None)
    running = approved_project(world)
    CommitteeDocument.objects.create(committee=world.committee, kind="charter", version=2)
    reviews_migration = importlib.import_module("reviews.migrations.0005_filings_retention")
    committees_migration = importlib.import_module("committees.migrations.0005_filings_retention")
    reviews_migration.backfill(django_apps, None)
    committees_migration.backfill(django_apps, None)
    in_five = deadlines.add_months(timezone.localdate(), 12 * reviews_migration.RETENTION_YEARS)
    assert Project.objects.get(pk=terminated.pk).retain_until == in_five
    assert Project.objects.get(pk=withdrawn.project_id).retain_until == in_five
    assert Project.objects.get(pk=running.pk).retain_until is None
    charter = CommitteeDocument.objects.filter(committee=world.committee, kind="charter")
    assert charter.get(version=1).retain_until in (in_five, in_five + dt.timedelta(days=1))
    assert charter.get(version=2).retain_until is None
