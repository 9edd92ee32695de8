"""/api/v1/filings/: contract fields, filters, actions, 404 for outsiders, constant query counts."""

import datetime as dt

import pytest
from django.utils import timezone

from registry import services
from registry.models import Filing, FilingPackage

pytestmark = pytest.mark.django_db


def _registration(world):
    return Filing.objects.get(committee=world.committee, kind="committee_registration")


def test_list_has_the_contract_fields(api_client, world):
    api_client.force_authenticate(world.secretary)
    body = api_client.get("/api/v1/filings/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert set(row) >= {
        "id",
        "kind",
        "committee",
        "project",
        "period",
        "due_on",
        "status",
        "receipt",
    }
    assert row["kind"] == "committee_registration"
    assert row["status"] == "due"
    assert row["package"] is None


def test_filters(api_client, world):
    services.annual_report_open_for(committee_id=world.committee.pk, year=2025)
    api_client.force_authenticate(world.admin)
    assert api_client.get("/api/v1/filings/?kind=annual_report").json()["count"] == 1
    assert api_client.get("/api/v1/filings/?status=due").json()["count"] == 2
    assert api_client.get("/api/v1/filings/?status=submitted").json()["count"] == 0
    url = f"/api/v1/filings/?committee={world.committee.pk}"
    assert api_client.get(url).json()["count"] == 2


def test_prepare_submit_acknowledge_and_pdf(api_client, world):
    filing = _registration(world)
    api_client.force_authenticate(world.secretary)
    response = api_client.post(f"/api/v1/filings/{filing.pk}/prepare/")
    assert response.status_code == 202
    assert response.json()["status"] == "prepared"
    assert response.json()["package"]["state"] == "pending"
    assert api_client.get(f"/api/v1/filings/{filing.pk}/package.pdf").status_code == 409
    early = api_client.post(
        f"/api/v1/filings/{filing.pk}/submit/",
        {"submitted_on": str(timezone.localdate()), "receipt": "R-1"},
        format="json",
    )
    assert early.status_code == 409
    assert early.json()["code"] == "package_not_ready"
    services.package_render(package_id=FilingPackage.objects.get(filing=filing).pk)
    pdf = api_client.get(f"/api/v1/filings/{filing.pk}/package.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    bad = api_client.post(f"/api/v1/filings/{filing.pk}/submit/", {}, format="json")
    assert bad.status_code == 400
    assert bad.json()["receipt"][0]["code"] == "required"
    unsigned = api_client.post(
        f"/api/v1/filings/{filing.pk}/submit/",
        {"submitted_on": str(timezone.localdate()), "receipt": "DJ-2026-7"},
        format="json",
    )
    assert (unsigned.status_code, unsigned.json()["code"]) == (409, "sign_off_required")
    assert unsigned.json()["rule"] == "R53"
    # R53: the secretary may not sign off; the institution admin may.
    assert api_client.post(f"/api/v1/filings/{filing.pk}/sign-off/").status_code == 403
    api_client.force_authenticate(world.admin)
    signed = api_client.post(f"/api/v1/filings/{filing.pk}/sign-off/")
    assert signed.status_code == 200
    assert signed.json()["package"]["signed_off_by"] == world.admin.pk
    api_client.force_authenticate(world.secretary)
    done = api_client.post(
        f"/api/v1/filings/{filing.pk}/submit/",
        {"submitted_on": str(timezone.localdate()), "receipt": "DJ-2026-7"},
        format="json",
    )
    assert done.status_code == 200
    assert done.json()["status"] == "submitted"
    assert done.json()["receipt"] == "DJ-2026-7"
    again = api_client.post(
        f"/api/v1/filings/{filing.pk}/submit/",
        {"submitted_on": str(timezone.localdate()), "receipt": "X"},
        format="json",
    )
    assert again.status_code == 409
    assert again.json()["code"] == "illegal_transition"
    ack = api_client.post(f"/api/v1/filings/{filing.pk}/acknowledge/", {}, format="json")
    assert ack.json()["status"] == "acknowledged"


def test_outsiders_get_404_everywhere(api_client, world):
    filing = _registration(world)
    for user in (world.outsider, world.stranger, world.member):
        api_client.force_authenticate(user)
        assert api_client.get("/api/v1/filings/").json()["count"] == 0
        assert api_client.get(f"/api/v1/filings/{filing.pk}/").status_code == 404
        assert api_client.post(f"/api/v1/filings/{filing.pk}/prepare/").status_code == 404
        assert api_client.get(f"/api/v1/filings/{filing.pk}/package.pdf").status_code == 404
    assert Filing.objects.get(pk=filing.pk).status == "due"


def test_anonymous_is_refused(api_client, world):
    assert api_client.get("/api/v1/filings/").status_code in (401, 403)


def test_institution_admin_sees_every_committee_of_the_institution(api_client, world):
    from committees import services as committee_services

    committee_services.committee_create(
        actor=world.admin,
        institution=world.institution,
        name="第二委员会",
        established_on=dt.date(2026, 6, 1),
    )
    api_client.force_authenticate(world.admin)
    assert api_client.get("/api/v1/filings/").json()["count"] == 2
    api_client.force_authenticate(world.secretary)
    assert api_client.get("/api/v1/filings/").json()["count"] == 1


def test_list_query_count_is_constant(api_client, world, django_assert_max_num_queries):
    api_client.force_authenticate(world.admin)
    with django_assert_max_num_queries(8):
        api_client.get("/api/v1/filings/")
    for year in range(2000, 2020):
        filing = services.annual_report_open_for(committee_id=world.committee.pk, year=year)
        services.filing_prepare(filing_id=filing.pk, actor=world.admin)
    with django_assert_max_num_queries(8):
        assert api_client.get("/api/v1/filings/").json()["count"] == 21
