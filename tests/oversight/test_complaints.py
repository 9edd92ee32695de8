"""Complaints and reports (R55): the public form and API, the receipt page, the officers' case
handling, the clocks, and the reporter's confidentiality."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from ethics import regulations
from ethics.errors import Conflict
from ethics.models import AuditEvent, Deadline, DeadlineState
from oversight import complaints_clocks as clocks
from oversight.models import Complaint
from oversight.services import complaints as services
from tests.factories import UserFactory
from tests.oversight.complaint_world import accepted, report

pytestmark = pytest.mark.django_db

REPORTER = "举报人甲"


@pytest.fixture(autouse=True)
def _fresh_rates():
    cache.clear()
    yield
    cache.clear()


def _form(world, **extra):
    data = {
        "institution": world.institution.pk,
        "committee": world.committee.pk,
        "subject_kind": "project",
        "project_text": "KH-2026-001",
        "summary": "超范围开展研究",
        "description": "研究超出批准的范围。",
        "reporter_kind": "staff",
        "reporter_name": REPORTER,
        "reporter_contact": "a@example.com",
    }
    data.update(extra)
    return data


# --- the public form, the API and the receipt page ---------------------------------------------


def test_anyone_reports_on_the_page_and_follows_it_by_the_receipt_code(client, world):
    response = client.post(reverse("oversight:complaint-report"), _form(world))
    assert response.status_code == 201
    code = response.context["code"]
    complaint = Complaint.objects.get()
    assert complaint.created_by is None  # no account is linked to a report
    assert complaint.receipt_hash != code
    assert len(complaint.receipt_hash) == 64
    page = client.get(reverse("oversight:complaint-receipt", args=[code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert complaint.number in html
    assert 'data-status="received"' in html
    assert REPORTER not in html
    assert "超范围" not in html


def test_the_receipt_page_shows_only_the_messages_for_the_reporter(client, world):
    complaint, code = report(world)
    services.complaint_message(
        complaint_id=complaint.pk, actor=world.secretary, body="已转交调查组", to_reporter=True
    )
    services.complaint_message(
        complaint_id=complaint.pk, actor=world.secretary, body="内部备注", to_reporter=False
    )
    html = client.get(reverse("oversight:complaint-receipt", args=[code])).content.decode()
    assert "已转交调查组" in html
    assert "内部备注" not in html


@pytest.mark.parametrize("code", ["x" * 32, "short", "A" * 33, "a.b"])
def test_an_unknown_or_malformed_code_is_404(client, world, code):
    report(world)
    assert client.get(reverse("oversight:complaint-receipt", args=[code])).status_code == 404
    assert client.get(f"/api/v1/complaints/receipt/{code}/").status_code == 404


def test_the_api_takes_a_report_and_answers_the_receipt(api_client, world):
    response = api_client.post(
        "/api/v1/complaints/report/", _form(world, anonymous=True, reporter_name=""), format="json"
    )
    assert response.status_code == 201, response.content
    code = response.json()["receipt_code"]
    complaint = Complaint.objects.get()
    assert complaint.anonymous
    assert complaint.reporter_name == ""
    receipt = api_client.get(f"/api/v1/complaints/receipt/{code}/")
    assert receipt.status_code == 200
    assert receipt.json()["status"] == "received"


def test_a_named_report_needs_name_and_contact_and_a_robot_is_refused(api_client, client, world):
    response = api_client.post(
        "/api/v1/complaints/report/", _form(world, reporter_name=""), format="json"
    )
    assert response.status_code == 400
    assert response.json()["reporter_name"][0]["code"] == "required"
    assert (
        client.post(reverse("oversight:complaint-report"), _form(world, website="x")).status_code
        == 400
    )
    other = _form(world, committee=world.other_committee.pk)
    assert api_client.post("/api/v1/complaints/report/", other, format="json").status_code == 400
    assert not Complaint.objects.exists()


def test_reports_are_rate_limited_per_address(client, api_client, world, settings):
    settings.COMPLAINT_RATE = "2/hour"
    assert client.post(reverse("oversight:complaint-report"), _form(world)).status_code == 201
    assert client.post(reverse("oversight:complaint-report"), _form(world)).status_code == 201
    third = client.post(reverse("oversight:complaint-report"), _form(world))
    assert third.status_code == 429
    assert third["Retry-After"]
    assert (
        api_client.post("/api/v1/complaints/report/", _form(world), format="json").status_code
        == 429
    )
    assert Complaint.objects.count() == 2


# --- who sees the case ---------------------------------------------------------------------------


def test_the_officers_see_the_reporter_nobody_else_sees_the_case(client, world):
    complaint, _code = report(world)
    url = reverse("oversight:complaint-detail", args=[complaint.pk])
    for officer in (world.secretary, world.chair, world.admin):
        client.force_login(officer)
        html = client.get(url).content.decode()
        assert REPORTER in html, officer
    for other in (world.member, world.researcher, world.outsider, world.stranger):
        client.force_login(other)
        assert client.get(url).status_code == 404
        listing = client.get(reverse("oversight:complaint-list")).content.decode()
        assert f'data-complaint="{complaint.pk}"' not in listing


def test_a_person_concerned_sees_nothing_of_the_case_even_as_an_officer(client, api_client, world):
    complaint, _code = report(world)
    services.complaint_link(
        complaint_id=complaint.pk, actor=world.secretary, projects=[], persons=[world.chair]
    )
    client.force_login(world.chair)
    assert client.get(reverse("oversight:complaint-detail", args=[complaint.pk])).status_code == 404
    listing = client.get(reverse("oversight:complaint-list")).content.decode()
    assert f'data-complaint="{complaint.pk}"' not in listing
    api_client.force_authenticate(world.chair)
    assert api_client.get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/complaints/{complaint.pk}/acknowledge/", {}).status_code == 404
    # ... and is not reminded of its clock.
    from oversight.complaints_selectors import complaint_handlers

    assert world.chair not in complaint_handlers(complaint)
    assert world.secretary in complaint_handlers(complaint)


def test_the_reporter_is_never_in_lists_audit_or_clocks(client, api_client, world):
    complaint, _code = report(world)
    services.complaint_acknowledge(complaint_id=complaint.pk, actor=world.secretary)
    client.force_login(world.secretary)
    assert REPORTER not in client.get(reverse("oversight:complaint-list")).content.decode()
    api_client.force_authenticate(world.secretary)
    rows = api_client.get("/api/v1/complaints/").json()
    assert REPORTER not in str(rows)
    assert "13800000000" not in str(rows)
    assert api_client.get(f"/api/v1/complaints/{complaint.pk}/").json()["reporter_name"] == REPORTER
    for event in AuditEvent.objects.all():
        text = f"{event.target_repr} {event.before} {event.after} {event.reason}"
        assert REPORTER not in text
        assert "13800000000" not in text
    for deadline in Deadline.objects.all():
        assert REPORTER not in deadline.title
        assert deadline.committee_id is None  # the members' deadlines pages never show it


# --- handling and clocks -------------------------------------------------------------------------


def test_acknowledge_then_triage_with_clocks(world):
    complaint, _code = report(world)
    ack = Deadline.objects.of(complaint).get(kind=clocks.COMPLAINT_ACKNOWLEDGE)
    assert ack.rule == "R55"
    assert ack.state == DeadlineState.OPEN
    services.complaint_acknowledge(
        complaint_id=complaint.pk, actor=world.secretary, message="已收到"
    )
    ack.refresh_from_db()
    assert ack.state == DeadlineState.MET
    handling = Deadline.objects.of(complaint).get(kind=clocks.COMPLAINT_HANDLING)
    assert handling.state == DeadlineState.OPEN
    services.complaint_triage(
        complaint_id=complaint.pk,
        actor=world.secretary,
        outcome="referred",
        referred_to="北京市卫生健康委员会",
    )
    handling.refresh_from_db()
    complaint.refresh_from_db()
    assert complaint.status == "referred"
    assert handling.state == DeadlineState.MET
    actions = set(
        AuditEvent.objects.filter(target_id=str(complaint.pk)).values_list("action", flat=True)
    )
    assert {"complaint.submit", "complaint.acknowledge", "complaint.refer"} <= actions


@pytest.mark.parametrize(
    ("outcome", "field"), [("not_accepted", "reason"), ("referred", "referred_to")]
)
def test_triage_gates_need_reasons_or_the_body(world, outcome, field):
    complaint, _code = report(world)
    services.complaint_acknowledge(complaint_id=complaint.pk, actor=world.secretary)
    with pytest.raises(Conflict) as refused:
        services.complaint_triage(complaint_id=complaint.pk, actor=world.secretary, outcome=outcome)
    assert refused.value.rule == "R55"
    services.complaint_triage(
        complaint_id=complaint.pk, actor=world.secretary, outcome=outcome, **{field: "理由或机构"}
    )


def test_triage_before_acknowledging_is_409(api_client, world):
    complaint, _code = report(world)
    api_client.force_authenticate(world.secretary)
    response = api_client.post(
        f"/api/v1/complaints/{complaint.pk}/triage/", {"outcome": "accepted"}, format="json"
    )
    assert response.status_code == 409


def test_the_acknowledgement_clock_is_the_rule_sets_days(world):
    """R55 (unverified default): received on day 0, due at 24:00 of day 7 (rolled to a working day)."""
    days = regulations.MEAS.complaint_acknowledge_days
    assert days.value == 7
    assert days.unverified
    assert days.rule == "R55"
    # A Monday with no holidays between: the 7th day is the next Monday.
    received = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
    complaint, _code = report(world)
    Complaint.objects.filter(pk=complaint.pk).update(received_at=received)
    Deadline.objects.of(complaint).delete()
    from ethics.deadlines import SHANGHAI, day_period_due_at
    from ethics.selectors import working_calendar

    due = day_period_due_at(received, days.value, calendar=working_calendar())
    assert due == dt.datetime(2026, 6, 9, 0, 0, tzinfo=SHANGHAI)  # day 7 counts, day 8 is late


def test_the_page_acknowledges_and_links(client, world):
    from tests.factories import ProjectFactory

    complaint, _code = report(world)
    project = ProjectFactory(institution=world.institution, committee=world.committee)
    client.force_login(world.secretary)
    url = reverse("oversight:complaint-action", args=[complaint.pk, "acknowledge"])
    assert client.post(url, {"message": "已收到"}).status_code == 302
    url = reverse("oversight:complaint-action", args=[complaint.pk, "link"])
    response = client.post(url, {"projects": [project.pk], "persons": world.researcher.username})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert list(complaint.projects.all()) == [project]
    assert list(complaint.persons.all()) == [world.researcher]
    # The project's lead is concerned: the case is hidden from them.
    client.force_login(project.lead)
    assert client.get(reverse("oversight:complaint-detail", args=[complaint.pk])).status_code == 404


def test_close_needs_no_open_investigation(world):
    complaint = accepted(world)
    services.investigation_open_from_complaint(
        complaint_id=complaint.pk, actor=world.secretary, title="调查"
    )
    with pytest.raises(Conflict) as refused:
        services.complaint_close(
            complaint_id=complaint.pk, actor=world.secretary, reason="处理完毕"
        )
    assert refused.value.rule == "R56"


def test_an_outsider_may_not_act(world):
    complaint, _code = report(world)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.complaint_acknowledge(complaint_id=complaint.pk, actor=world.outsider)


# --- queries --------------------------------------------------------------------------------------


def test_list_and_detail_query_counts(client, world, django_assert_max_num_queries):
    for _ in range(5):
        complaint, _code = report(world)
    client.force_login(world.secretary)
    client.get(reverse("oversight:complaint-list"))  # warm the session
    with django_assert_max_num_queries(10):
        assert client.get(reverse("oversight:complaint-list")).status_code == 200
    with django_assert_max_num_queries(15):
        url = reverse("oversight:complaint-detail", args=[complaint.pk])
        assert client.get(url).status_code == 200


def test_api_list_query_count(api_client, world, django_assert_max_num_queries):
    for _ in range(5):
        report(world)
    api_client.force_authenticate(world.secretary)
    with django_assert_max_num_queries(10):
        assert api_client.get("/api/v1/complaints/").status_code == 200


def test_nav_item_for_officers_only(client, world):
    client.force_login(world.secretary)
    assert reverse("oversight:complaint-list") in client.get("/").content.decode()
    client.force_login(UserFactory())
    assert reverse("oversight:complaint-list") not in client.get("/").content.decode()


def test_received_at_is_now(world):
    complaint, _code = report(world)
    assert abs((timezone.now() - complaint.received_at).total_seconds()) < 60


def test_reminders_go_to_the_handlers_never_to_a_person_concerned(world):
    """R55: the acknowledgement clock reminds the officers handling the case, once per stage."""
    from ethics.models import Reminder
    from ethics.services import deadlines_scan

    complaint, _code = report(world)
    services.complaint_link(
        complaint_id=complaint.pk, actor=world.secretary, projects=[], persons=[world.chair]
    )
    clock = Deadline.objects.of(complaint).get(kind=clocks.COMPLAINT_ACKNOWLEDGE)
    late = clock.due_at + dt.timedelta(days=1)
    deadlines_scan(now=late)
    deadlines_scan(now=late)
    reminded = list(Reminder.objects.filter(deadline=clock).values_list("recipient", "stage"))
    people = {who for who, _stage in reminded}
    assert world.secretary.pk in people
    assert world.admin.pk in people
    assert world.chair.pk not in people
    assert len(reminded) == len(set(reminded))  # each once


def test_close_an_accepted_complaint_meets_its_clock_and_tells_the_reporter(client, world):
    complaint, code = report(world)
    services.complaint_acknowledge(complaint_id=complaint.pk, actor=world.secretary)
    services.complaint_triage(complaint_id=complaint.pk, actor=world.secretary, outcome="accepted")
    services.complaint_close(
        complaint_id=complaint.pk, actor=world.secretary, reason="已约谈并整改", message="已办结"
    )
    complaint.refresh_from_db()
    assert complaint.status == "closed"
    assert complaint.closed_at is not None
    handling = Deadline.objects.of(complaint).get(kind=clocks.COMPLAINT_HANDLING)
    assert handling.state == DeadlineState.MET
    html = client.get(reverse("oversight:complaint-receipt", args=[code])).content.decode()
    assert "已办结" in html
    assert "已约谈并整改" not in html  # the internal record stays inside
    with pytest.raises(Conflict):
        services.complaint_close(complaint_id=complaint.pk, actor=world.secretary, reason="x")
