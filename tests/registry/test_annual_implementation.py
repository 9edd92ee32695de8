"""R52: the annual report's implementation section is filled for each listed activity from its
tracking records of the year (not "not recorded")."""

import pytest
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.models import Filing, FilingPackage
from reports import figures
from reviews.models import Project
from tests.reviews.conftest import (
    final_approval,
    listed_preliminary,
    meeting_accepted,
    meeting_decision,
)

pytestmark = pytest.mark.django_db


def _listed(world, item=6):
    application = listed_preliminary(world, listed_item=item)
    final_approval(world, application)
    return Project.objects.get(pk=application.project_id)


def _section(data):
    return next(s for s in data["sections"] if s["key"] == "listed_report")


def test_each_listed_activity_reports_its_tracking_records_r52(world, client, api_client):
    year = timezone.localdate().year
    tracked, quiet = _listed(world), _listed(world, item=4)
    report = meeting_accepted(world, kind="tracking", project=tracked)
    meeting_decision(world, application_id=report.pk, outcome="continue")  # R24: by the vote
    [row] = [
        r for r in figures.listed_activities(world.committee.pk, year) if r["project"] == tracked.pk
    ]
    assert [(r["kind"], r["outcome"]) for r in row["progress"]] == [("tracking", "continue")]

    services.annual_report_open_for(committee_id=world.committee.pk, year=year)
    filing = Filing.objects.get(kind="annual_report", period=year)
    api_client.force_authenticate(world.secretary)
    assert api_client.post(f"/api/v1/filings/{filing.pk}/prepare/").status_code == 202
    package = services.package_render(package_id=FilingPackage.objects.get(filing=filing).pk)
    rows = {r["title"]: r["progress"] for r in _section(package.data)["rows"]}
    assert "跟踪审查：继续开展" in rows[tracked.title]
    assert rows[quiet.title] == "本年度无跟踪审查记录"
    client.force_login(world.secretary)
    page = client.get(reverse("registry:filing-detail", args=[filing.pk])).content.decode()
    assert "跟踪审查：继续开展" in page


def test_a_record_of_another_year_is_not_in_the_report_r52(world):
    tracked = _listed(world)
    report = meeting_accepted(world, kind="tracking", project=tracked)
    meeting_decision(world, application_id=report.pk, outcome="continue")  # R24: by the vote
    last_year = timezone.localdate().year - 1
    assert figures.tracking_records(Project.objects.filter(pk=tracked.pk), last_year) == {}
