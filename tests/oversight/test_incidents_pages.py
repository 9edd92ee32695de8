"""Pages and API of incidents, the risk register and funded programmes: who sees what (outsiders
404), the forms, the exports (R59), the statement's verification and the query counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from oversight.models_incidents import ApprovalStatement, Funding, Incident
from oversight.services import incidents as services
from tests.oversight import incidents_world as data

pytestmark = pytest.mark.django_db


def _incident(world, project=None, **extra):
    return services.incident_report(
        project_id=(project or data.project(world)).pk,
        kind="ai_safety",
        severity=extra.pop("severity", "moderate"),
        title="模型输出有害内容",
        description="红队测试发现越狱",
        aware_at=timezone.now() - dt.timedelta(hours=2),
        actor=world.researcher,
        **extra,
    )


def _risk(world):
    return services.risk_register(
        project_id=data.project(world, listed=True).pk,
        title="自主决策失控",
        level="high",
        owner=world.colleague,
        next_review_on=timezone.localdate() + dt.timedelta(days=10),
        actor=world.secretary,
    )


def _funding(world, project=None, **extra):
    return services.funding_add(
        project_id=(project or data.project(world)).pk,
        funder=extra.get("funder", "国家自然科学基金委员会"),
        programme="面上项目",
        grant_number=extra.get("grant_number", "82171234"),
        actor=world.researcher,
    )


# --- incidents ------------------------------------------------------------------------------------


def test_incident_pages_for_the_team_and_officers_404_for_others(client, world):
    incident = _incident(world)
    url = reverse("oversight:incident-detail", args=[incident.pk])
    for person in (world.researcher, world.secretary, world.chair, world.admin):
        client.force_login(person)
        assert client.get(url).status_code == 200, person
    for person in (world.colleague, world.outsider, world.stranger, world.member):
        client.force_login(person)
        assert client.get(url).status_code == 404, person
        page = client.get(reverse("oversight:incident-list"))
        assert page.status_code == 200
        assert incident.title not in page.content.decode()


def test_report_page_creates_the_incident(client, world):
    project = data.project(world)
    client.force_login(world.researcher)
    assert client.get(reverse("oversight:incident-new")).status_code == 200
    response = client.post(
        reverse("oversight:incident-new"),
        {
            "project": project.pk,
            "kind": "data_leak",
            "severity": "minor",
            "title": "问卷数据误发",
            "description": "邮件误发给外部人员",
            "aware_at": (timezone.localtime() - dt.timedelta(hours=3)).strftime("%Y-%m-%d %H:%M"),
        },
    )
    incident = Incident.objects.get(title="问卷数据误发")
    assert response.status_code == 302
    assert response["Location"] == reverse("oversight:incident-detail", args=[incident.pk])


def test_report_page_refuses_a_project_not_the_readers(client, world):
    project = data.project(world)
    client.force_login(world.colleague)
    response = client.post(
        reverse("oversight:incident-new"),
        {
            "project": project.pk,
            "kind": "other",
            "severity": "minor",
            "title": "x",
            "description": "y",
            "aware_at": "2026-01-01 10:00",
        },
    )
    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_follow_up_and_close_on_the_page(client, world):
    incident = _incident(world)
    client.force_login(world.researcher)
    response = client.post(
        reverse("oversight:incident-action", args=[incident.pk, "follow_up"]), {"note": "已下线"}
    )
    assert response.status_code == 302
    assert (
        client.post(
            reverse("oversight:incident-action", args=[incident.pk, "close"]), {"summary": "x"}
        ).status_code
        == 403
    )
    client.force_login(world.secretary)
    client.post(
        reverse("oversight:incident-action", args=[incident.pk, "close"]), {"summary": "完毕"}
    )
    incident.refresh_from_db()
    assert incident.status == "closed"


def test_incident_api_creates_lists_and_hides(api_client, world):
    project = data.project(world)
    api_client.force_authenticate(world.researcher)
    response = api_client.post(
        "/api/v1/incidents/",
        {
            "project": project.pk,
            "kind": "biosafety",
            "severity": "serious",
            "title": "菌株泄漏",
            "description": "实验室通风故障",
            "aware_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["status"] == "escalated"
    assert api_client.get("/api/v1/incidents/").json()["count"] == 1
    api_client.force_authenticate(world.outsider)
    assert api_client.get(f"/api/v1/incidents/{pk}/").status_code == 404
    assert api_client.post(f"/api/v1/incidents/{pk}/follow-up/", {"note": "x"}).status_code == 404
    assert api_client.get("/api/v1/incidents/").json()["count"] == 0
    api_client.force_authenticate(world.secretary)
    refused = api_client.post(f"/api/v1/incidents/{pk}/close/", {"summary": "x"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["rule"] == "R30"


def test_incident_pages_query_counts(client, world, django_assert_max_num_queries):
    project = data.project(world)
    for _n in range(3):
        _incident(world, project)
    incident = _incident(world, project)
    services.incident_follow_up(incident_id=incident.pk, note="a", actor=world.researcher)
    client.force_login(world.secretary)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("oversight:incident-list")).status_code == 200
    with django_assert_max_num_queries(15):
        assert (
            client.get(reverse("oversight:incident-detail", args=[incident.pk])).status_code == 200
        )


# --- the risk register and the dashboard ------------------------------------------------------------


def test_risk_pages_owner_and_officers_see_outsiders_404(
    client, world, django_assert_max_num_queries
):
    entry = _risk(world)
    url = reverse("oversight:risk-detail", args=[entry.pk])
    for person in (world.colleague, world.secretary, world.researcher, world.admin):
        client.force_login(person)
        assert client.get(url).status_code == 200, person
    for person in (world.outsider, world.stranger, world.member):
        client.force_login(person)
        assert client.get(url).status_code == 404, person
    client.force_login(world.secretary)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("oversight:risk-list")).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200


def test_risk_api_refuses_an_unlisted_low_risk_with_r36(api_client, world):
    api_client.force_authenticate(world.secretary)
    response = api_client.post(
        "/api/v1/risks/",
        {
            "project": data.project(world).pk,
            "title": "x",
            "level": "low",
            "owner": world.researcher.username,
            "next_review_on": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "R36"


def test_dashboard_panel_shows_open_incidents_and_overdue_reviews(client, world):
    import time_machine

    incident = _incident(world)
    entry = _risk(world)
    with time_machine.travel(timezone.now() + dt.timedelta(days=12)):
        client.force_login(world.secretary)  # a fresh session: the old one timed out
        dashboard = client.get(reverse("ethics:dashboard")).content.decode()
        page = client.get(reverse("oversight:dashboard-panels")).content.decode()
    # The dashboard loads the panels after the page (oversight/panels.py, issue 18).
    assert reverse("oversight:dashboard-panels") in dashboard
    assert f'data-incident="{incident.pk}"' in page
    assert f'data-risk="{entry.pk}"' in page
    client.force_login(world.researcher)
    assert (
        reverse("oversight:dashboard-panels")
        not in client.get(reverse("ethics:dashboard")).content.decode()
    )
    assert client.get(reverse("oversight:dashboard-panels")).status_code == 404


# --- funded programmes (R59) ------------------------------------------------------------------------


def test_funding_page_form_and_visibility(client, world):
    project = data.project(world)
    client.force_login(world.researcher)
    response = client.post(
        reverse("oversight:funding-new"),
        {
            "project": project.pk,
            "funder": "科技部",
            "programme": "重点研发计划",
            "grant_number": "2023YFC",
        },
    )
    funding = Funding.objects.get(grant_number="2023YFC")
    assert response.status_code == 302
    url = reverse("oversight:funding-detail", args=[funding.pk])
    for person in (world.researcher, world.secretary, world.admin):
        client.force_login(person)
        assert client.get(url).status_code == 200
    for person in (world.colleague, world.outsider, world.member):
        client.force_login(person)
        assert client.get(url).status_code == 404


def _sheet_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_r59_export_lists_valid_lapsing_and_unapproved_projects(client, world):
    today = timezone.localdate()
    lapsing, valid, bare = data.project(world), data.project(world), data.project(world)
    data.decide(world, lapsing, next_tracking_due=today + dt.timedelta(days=30))
    data.decide(world, valid, next_tracking_due=today + dt.timedelta(days=31))
    _funding(world, lapsing, grant_number="G-LAPSING")
    _funding(world, valid, grant_number="G-VALID")
    _funding(world, bare, grant_number="G-NONE", funder="北京市科委")
    client.force_login(world.admin)
    url = reverse("oversight:funding-export", args=["csv"])
    text = client.get(url, {"within": "30"}).content.decode("utf-8-sig")
    lines = {line.split(",")[2]: line for line in text.strip().splitlines()[1:]}
    assert "即将到期" in lines["G-LAPSING"] or "lapses soon" in lines["G-LAPSING"]
    assert lines["G-VALID"].endswith(("批准有效", "Valid approval"))
    assert "G-NONE" in lines
    rows = _sheet_rows(
        client.get(reverse("oversight:funding-export", args=["xlsx"]), {"funder": "北京"}).content
    )
    assert len(rows) == 2
    assert rows[1][2] == "G-NONE"
    assert client.get(url, {"within": "abc"}).status_code == 404
    assert client.get(reverse("oversight:funding-export", args=["pdf"])).status_code == 404
    client.force_login(world.outsider)
    assert len(client.get(url).content.decode("utf-8-sig").strip().splitlines()) == 1


def test_funding_list_query_count(client, world, django_assert_max_num_queries):
    for n in range(4):
        project = data.project(world)
        data.decide(world, project, next_tracking_due=timezone.localdate() + dt.timedelta(days=90))
        _funding(world, project, grant_number=f"G{n}")
    client.force_login(world.secretary)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("oversight:funding-list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("oversight:funding-export", args=["xlsx"])).status_code == 200


def test_r59_statement_is_issued_downloaded_and_verified(client, api_client, world, monkeypatch):
    monkeypatch.setattr(services.pdf, "render", lambda template, context: b"%PDF-1.4 statement")
    project = data.project(world)
    decision = data.decide(
        world, project, next_tracking_due=timezone.localdate() + dt.timedelta(days=200)
    )
    funding = _funding(world, project)
    api_client.force_authenticate(world.researcher)
    response = api_client.post(f"/api/v1/fundings/{funding.pk}/statement/")
    assert response.status_code == 201, response.content
    statement = ApprovalStatement.objects.get(funding=funding)
    services.statement_render(statement_id=statement.pk)
    client.force_login(world.researcher)
    download = client.get(reverse("oversight:statement-download", args=[statement.pk]))
    assert download.status_code == 200
    client.force_login(world.outsider)
    assert (
        client.get(reverse("oversight:statement-download", args=[statement.pk])).status_code == 404
    )
    client.logout()
    page = client.get(f"/verify/{statement.code}")
    assert page.status_code == 200
    assert 'id="verify-statement"' in page.content.decode()
    assert decision.number in page.content.decode()
    body = api_client.__class__().get(f"/api/v1/verify/{statement.code}/").json()
    assert body["document"] == "funder_statement"
    assert body["grant_number"] == "82171234"
    assert client.get(f"/verify/{'1' * 64}").status_code == 404


def test_the_funding_export_is_audited_with_its_filters(client, world):
    """Every download is audited (design): who exported the funded projects, in which format,
    how many rows and with which filters."""
    from ethics.models import AuditEvent

    project = data.project(world)
    _funding(world, project, grant_number="G-AUDIT", funder="北京市科委")
    client.force_login(world.admin)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    url = reverse("oversight:funding-export", args=["xlsx"])
    assert client.get(url, {"funder": "北京", "within": "30"}).status_code == 200
    (event,) = AuditEvent.objects.filter(pk__gt=before)
    assert (event.action, event.actor) == ("funding.export", world.admin)
    assert event.after["format"] == "xlsx"
    assert event.after["rows"] == 1
    assert event.after["filters"] == {"funder": "北京", "within": "30"}
    assert client.get(url, {"within": "abc"}).status_code == 404
    assert AuditEvent.objects.filter(pk__gt=event.pk).count() == 0
