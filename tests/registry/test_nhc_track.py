"""N7, N8: a committee under the NHC regime gets the medical-research filing track: its filing
with the health authority within 3 months of set-up, and its annual work report by 31 March,
each with its own clock, filing and package for the 国家医学研究登记备案信息系统."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from committees import services as committee_services
from ethics import deadlines
from ethics.models import Deadline
from ethics.selectors import working_calendar
from registry import packages, services
from registry.models import Filing
from tests.world import build_world

pytestmark = pytest.mark.django_db

FOUNDED = dt.date(2026, 1, 5)


def _n7_due(established):
    return deadlines.month_period_due_on(established, 3, calendar=working_calendar())


@pytest.fixture
def nhc_world(db):
    return build_world(via_services=True, regimes=("meas", "nhc"), established_on=FOUNDED)


def test_an_nhc_committee_gets_its_filing_clock_three_months_after_set_up_n7(nhc_world):
    clock = Deadline.objects.get(kind="nhc_filing")
    assert clock.rule == "N7"
    assert clock.due_at == deadlines.end_of_day(_n7_due(FOUNDED))
    # The last day is 3 calendar months on (rolled past rest days), never earlier.
    assert _n7_due(FOUNDED) >= dt.date(2026, 4, 5)
    filing = Filing.objects.get(kind="nhc_filing", committee=nhc_world.committee)
    assert (filing.status, filing.rule, filing.due_on) == ("due", "N7", _n7_due(FOUNDED))


def test_a_meas_committee_gets_no_nhc_filing_n7(world):
    assert not Deadline.objects.filter(kind="nhc_filing").exists()
    assert not Filing.objects.filter(kind="nhc_filing").exists()


def test_adding_the_nhc_regime_opens_the_filing_once_n7(world):
    committee_services.committee_update(
        committee_id=world.committee.pk, actor=world.admin, data={"regimes": ["meas", "nhc"]}
    )
    assert Filing.objects.filter(kind="nhc_filing", committee=world.committee).count() == 1
    committee_services.committee_update(
        committee_id=world.committee.pk, actor=world.admin, data={"regimes": ["nhc"]}
    )
    assert Deadline.objects.filter(kind="nhc_filing").count() == 1


def test_the_nhc_filing_goes_to_the_medical_research_system_api_n7(nhc_world, api_client):
    filing = Filing.objects.get(kind="nhc_filing")
    api_client.force_authenticate(nhc_world.secretary)
    body = api_client.get("/api/v1/filings/?kind=nhc_filing").json()
    assert [row["id"] for row in body["results"]] == [filing.pk]
    response = api_client.post(f"/api/v1/filings/{filing.pk}/prepare/")
    assert response.status_code == 202, response.json()
    data = packages.build(Filing.objects.get(pk=filing.pk))
    assert data["platform"] == "国家医学研究登记备案信息系统"
    assert (data["filing"]["rule"], data["filing"]["kind_zh"]) == (
        "N7",
        "医学研究伦理审查委员会备案",
    )


def test_the_nhc_filing_is_refused_without_the_lay_member_page_n7_n1(nhc_world, client):
    lay = nhc_world.members[3]
    lay.expertise = "science"
    lay.save(update_fields=["expertise"])
    filing = Filing.objects.get(kind="nhc_filing")
    client.force_login(nhc_world.secretary)
    response = client.post(reverse("registry:filing-action", args=[filing.pk, "prepare"]))
    assert response.status_code == 409
    assert "N1" in response.content.decode()


def test_filing_with_the_health_authority_does_not_register_on_the_national_platform_n7(
    nhc_world,
):
    filing = Filing.objects.get(kind="nhc_filing")
    package = services.filing_prepare(filing_id=filing.pk, actor=nhc_world.secretary)
    services.package_render(package_id=package.pk)
    services.filing_sign_off(filing_id=filing.pk, actor=nhc_world.chair)
    services.filing_submit(
        filing_id=filing.pk,
        actor=nhc_world.secretary,
        submitted_on=timezone.localdate(),
        receipt="YX-2026-1",
    )
    nhc_world.committee.refresh_from_db()
    assert nhc_world.committee.registration_status == "unregistered"  # R50 is separate
    assert Deadline.objects.get(kind="nhc_filing").state == "met"


def test_an_nhc_committee_files_two_annual_reports_n8(nhc_world):
    services.annual_report_open_for(committee_id=nhc_world.committee.pk, year=2026)
    services.annual_report_open_for(committee_id=nhc_world.committee.pk, year=2026)  # once
    nhc = Filing.objects.get(kind="nhc_annual_report", period=2026)
    meas = Filing.objects.get(kind="annual_report", period=2026)
    assert (nhc.due_on, nhc.rule) == (dt.date(2027, 3, 31), "N8")
    assert meas.due_on == dt.date(2027, 3, 31)
    assert Deadline.objects.get(kind="nhc_annual_report").due_at == deadlines.end_of_day(
        dt.date(2027, 3, 31)
    )


def test_a_meas_committee_files_one_annual_report_n8(world):
    services.annual_report_open_for(committee_id=world.committee.pk, year=2026)
    assert not Filing.objects.filter(kind="nhc_annual_report").exists()


def test_the_nhc_annual_report_is_prepared_on_the_page_n8(nhc_world, client):
    services.annual_report_open_for(committee_id=nhc_world.committee.pk, year=2026)
    filing = Filing.objects.get(kind="nhc_annual_report")
    client.force_login(nhc_world.secretary)
    response = client.post(reverse("registry:filing-action", args=[filing.pk, "prepare"]))
    assert response.status_code == 302
    data = packages.build(Filing.objects.get(pk=filing.pk))
    assert (data["platform"], data["filing"]["rule"]) == ("国家医学研究登记备案信息系统", "N8")
