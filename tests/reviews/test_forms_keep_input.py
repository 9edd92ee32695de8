"""Forms that don't lose things (issue 15): unknown people and impossible dates are errors on
their field (page: the input kept; API: 400 with the field's code), the upload form states its
limits and shows only where an upload is taken, wrong files are errors on the file field."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from ethics import uploads
from ethics.forms import HORIZON_YEARS, PLANNED_START_GRACE_DAYS, horizon, plan_period_errors
from reviews import services
from reviews.models import DocumentVersion, Project, TeamInvitation
from tests.pdfs import minimal_pdf
from tests.reviews.conftest import draft, new_project, submitted

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


# --- plan dates: one validation (ethics.forms.plan_period_errors) -------------------------------


def test_a_planned_start_today_or_within_the_grace_is_accepted():
    assert PLANNED_START_GRACE_DAYS == 1
    assert plan_period_errors(TODAY, None, today=TODAY) == {}
    assert plan_period_errors(TODAY - dt.timedelta(days=1), None, today=TODAY) == {}


def test_a_planned_start_before_the_grace_is_refused():
    errors = plan_period_errors(TODAY - dt.timedelta(days=2), None, today=TODAY)
    assert errors["planned_start"].code == "past"
    assert plan_period_errors(dt.date(2020, 1, 1), None, today=TODAY)["planned_start"].code == (
        "past"
    )


def test_the_end_must_come_after_the_start():
    assert plan_period_errors(TODAY, TODAY, today=TODAY)["planned_end"].code == "end_before_start"
    errors = plan_period_errors(TODAY, TODAY - dt.timedelta(days=1), today=TODAY)
    assert errors["planned_end"].code == "end_before_start"
    assert plan_period_errors(TODAY, TODAY + dt.timedelta(days=1), today=TODAY) == {}


def test_dates_beyond_the_horizon_are_refused():
    last = horizon(TODAY)
    assert last == dt.date(2026 + HORIZON_YEARS, 6, 15)
    assert plan_period_errors(TODAY, last, today=TODAY) == {}
    errors = plan_period_errors(TODAY, last + dt.timedelta(days=1), today=TODAY)
    assert errors["planned_end"].code == "too_far"
    errors = plan_period_errors(last + dt.timedelta(days=1), None, today=TODAY)
    assert errors["planned_start"].code == "too_far"
    assert horizon(dt.date(2028, 2, 29)) == dt.date(2048, 2, 29)
    assert horizon(dt.date(2024, 2, 29)) == dt.date(2044, 2, 29)
    assert horizon(dt.date(2025, 2, 28)) == dt.date(2045, 2, 28)


def test_a_term_may_have_begun():
    errors = plan_period_errors(
        dt.date(2020, 1, 1), dt.date(2022, 1, 1), today=TODAY, check_past=False
    )
    assert errors == {}


def _project_body(world, **extra):
    return {"title": "表单测试项目", "committee": world.committee.pk, **extra}


def test_a_plan_in_2020_is_a_field_error_on_the_page_with_the_input_kept(world, client):
    client.force_login(world.researcher)
    response = client.post(
        reverse("reviews:project-create"),
        _project_body(world, planned_start="2020-03-01", planned_end="2020-12-31"),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert [e.code for e in form.errors.as_data()["planned_start"]] == ["past"]
    html = response.content.decode()
    assert 'value="2020-03-01"' in html
    assert 'value="表单测试项目"' in html
    assert not Project.objects.filter(title="表单测试项目").exists()


def test_plan_dates_on_the_api_yesterday_accepted_the_day_before_refused(world, api_client):
    api_client.force_authenticate(world.researcher)
    today = timezone.localdate()
    before = (today - dt.timedelta(days=PLANNED_START_GRACE_DAYS + 1)).isoformat()
    response = api_client.post(
        "/api/v1/projects/", _project_body(world, planned_start=before), format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["planned_start"][0]["code"] == "past"
    response = api_client.post(
        "/api/v1/projects/",
        _project_body(world, planned_start=today.isoformat(), planned_end=today.isoformat()),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["planned_end"][0]["code"] == "end_before_start"
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    response = api_client.post(
        "/api/v1/projects/",
        _project_body(
            world, planned_start=yesterday, planned_end=(today + dt.timedelta(days=365)).isoformat()
        ),
        format="json",
    )
    assert response.status_code == 201, response.content


def test_a_patch_of_the_plan_is_checked_too(world, api_client):
    project = new_project(world)
    api_client.force_authenticate(world.researcher)
    response = api_client.patch(
        f"/api/v1/projects/{project.pk}/", {"planned_start": "2020-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["planned_start"][0]["code"] == "past"


def test_a_meeting_beyond_the_horizon_is_a_field_error(world, api_client):
    api_client.force_authenticate(world.secretary)
    far = timezone.localdate().replace(year=timezone.localdate().year + HORIZON_YEARS + 1)
    response = api_client.post(
        "/api/v1/meetings/",
        {"committee": world.committee.pk, "starts_at": f"{far.isoformat()}T09:00:00+08:00"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["starts_at"][0]["code"] == "too_far"


# --- people by username -------------------------------------------------------------------------


def test_an_unknown_username_is_a_field_error_naming_it_with_the_input_kept(world, client):
    client.force_login(world.researcher)
    response = client.post(
        reverse("reviews:project-create"),
        _project_body(world, team=f"{world.colleague.username}, nobody-here"),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors.as_data()["team"]
    assert [e.code for e in errors] == ["unknown_user"]
    assert "nobody-here" in errors[0].message
    assert world.colleague.username not in errors[0].message
    html = response.content.decode()
    assert f'value="{world.colleague.username}, nobody-here"' in html
    assert not Project.objects.filter(title="表单测试项目").exists()


def test_the_page_invites_by_username(world, client):
    client.force_login(world.researcher)
    response = client.post(
        reverse("reviews:project-create"),
        _project_body(world, team=f"{world.colleague.username}、{world.outsider.username}"),
    )
    assert response.status_code == 302, response.content
    project = Project.objects.get(title="表单测试项目")
    invited = set(TeamInvitation.objects.filter(project=project).values_list("user_id", flat=True))
    assert invited == {world.colleague.pk, world.outsider.pk}


def test_an_unknown_username_on_the_api_is_400_unknown_user(world, api_client):
    api_client.force_authenticate(world.researcher)
    response = api_client.post(
        "/api/v1/projects/",
        _project_body(world, team=[world.colleague.username, "ghost", "999999999"]),
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["team"][0]
    assert error["code"] == "unknown_user"
    assert "ghost" in error["message"]
    assert "999999999" in error["message"]
    # Ids, as the API has always taken them, and usernames name the same people.
    response = api_client.post(
        "/api/v1/projects/",
        _project_body(world, team=[world.colleague.username]),
        format="json",
    )
    assert response.status_code == 201, response.content


def test_a_colleagues_display_name_suggests_the_username(world, api_client):
    api_client.force_authenticate(world.researcher)
    response = api_client.post(
        "/api/v1/projects/", _project_body(world, team=[world.colleague.name]), format="json"
    )
    assert response.status_code == 400
    message = response.json()["team"][0]["message"]
    assert world.colleague.username in message
    # A person of another institution is never suggested by name.
    response = api_client.post(
        "/api/v1/projects/", _project_body(world, team=[world.outsider.name]), format="json"
    )
    assert world.outsider.username not in response.json()["team"][0]["message"]


def test_an_amendments_team_change_names_unknown_people(world, api_client):
    project = new_project(world)
    api_client.force_authenticate(world.researcher)
    response = api_client.post(
        "/api/v1/applications/",
        {"project": project.pk, "kind": "amendment", "team_add": ["ghost"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["team_add"][0]["code"] == "unknown_user"


# --- uploads ------------------------------------------------------------------------------------


def _page(client, user, application):
    client.force_login(user)
    return client.get(reverse("reviews:application-detail", args=[application.pk]))


def test_the_upload_form_states_types_and_limit(world, client):
    application = draft(world, complete=False)
    html = _page(client, world.researcher, application).content.decode()
    assert 'id="upload-form"' in html
    assert "20 MB" in html
    assert "PDF" in html
    assert f'accept="{uploads.ACCEPT}"' in html


def test_no_upload_form_on_a_submitted_application_and_the_post_is_refused(world, client):
    application = submitted(world)
    html = _page(client, world.researcher, application).content.decode()
    assert 'id="upload-form"' not in html
    response = client.post(
        reverse("reviews:application-action", args=[application.pk, "upload"]),
        {"slot": "plan", "file": SimpleUploadedFile("p.pdf", minimal_pdf(), "application/pdf")},
    )
    assert response.status_code == 409


def test_no_upload_form_on_a_withdrawn_application(world, client):
    application = submitted(world)
    services.application_withdraw(
        application_id=application.pk, actor=world.researcher, reason="不再开展"
    )
    assert 'id="upload-form"' not in _page(client, world.researcher, application).content.decode()


def test_no_upload_form_for_those_who_cannot_upload(world, client):
    application = draft(world, complete=False)
    assert 'id="upload-form"' in _page(client, world.researcher, application).content.decode()
    application = submitted(world)
    services.document_request_correction(
        application_id=application.pk, slot="plan", note="请补充签名", actor=world.secretary
    )
    html = _page(client, world.secretary, application).content.decode()
    assert 'id="upload-form"' not in html


def test_a_requested_correction_offers_only_that_document(world, client):
    application = submitted(world)
    services.document_request_correction(
        application_id=application.pk, slot="plan", note="请补充签名", actor=world.secretary
    )
    html = _page(client, world.researcher, application).content.decode()
    assert 'id="upload-form"' in html
    form = html[html.index('id="upload-form"') :]
    form = form[: form.index("</form>")]
    assert re.findall(r'<option value="([^"]*)"', form) == ["plan"]


def _sized_pdf(size):
    """A valid PDF of exactly `size` bytes (the comment line pads it)."""
    pad = size - len(minimal_pdf("x")) + 1
    pdf = minimal_pdf("x" * pad)
    while len(pdf) != size:  # the offsets' digits may grow with the padding
        pad += size - len(pdf)
        pdf = minimal_pdf("x" * pad)
    return pdf


def test_a_file_of_exactly_the_limit_is_taken_one_byte_more_is_not(world, api_client):
    application = draft(world, complete=False)
    api_client.force_authenticate(world.researcher)
    url = f"/api/v1/applications/{application.pk}/documents/"
    limit = 4096
    with override_settings(UPLOAD_MAX_BYTES=limit):
        response = api_client.post(
            url,
            {"slot": "plan", "file": SimpleUploadedFile("a.pdf", _sized_pdf(limit))},
            format="multipart",
        )
        assert response.status_code == 201, response.content
        response = api_client.post(
            url,
            {"slot": "plan", "file": SimpleUploadedFile("b.pdf", _sized_pdf(limit + 1))},
            format="multipart",
        )
    assert response.status_code == 400
    assert response.json()["file"][0]["code"] == "too_large"
    assert DocumentVersion.objects.filter(document__application=application).count() == 1


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"GIF89a not a document", "unsupported_type"),
        (minimal_pdf(extra=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "), None),
    ],
)
def test_a_wrong_file_is_an_error_on_the_file_field_with_the_slot_kept(
    world, client, content, code
):
    application = draft(world, complete=False)
    client.force_login(world.researcher)
    response = client.post(
        reverse("reviews:application-action", args=[application.pk, "upload"]),
        {"slot": "plan", "file": SimpleUploadedFile("bad.pdf", content)},
    )
    assert response.status_code == 400
    form = response.context["form"]
    errors = form.errors.as_data()["file"]
    assert errors
    assert code is None or errors[0].code == code
    html = response.content.decode()
    assert re.search(r'<option value="plan"[^>]*selected', html)
    assert not DocumentVersion.objects.filter(document__application=application).exists()


def test_an_invitation_names_the_person_by_username_or_id(world, api_client):
    project = new_project(world)
    api_client.force_authenticate(world.researcher)
    url = f"/api/v1/projects/{project.pk}/invitations/"
    response = api_client.post(url, {"user": "ghost"}, format="json")
    assert response.status_code == 400
    assert response.json()["user"][0]["code"] == "unknown_user"
    assert "ghost" in response.json()["user"][0]["message"]
    response = api_client.post(url, {"user": str(10**30)}, format="json")
    assert response.status_code == 400
    assert response.json()["user"][0]["code"] == "unknown_user"
    response = api_client.post(url, {"user": world.outsider.username}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["user"] == world.outsider.pk
    response = api_client.post(url, {"user": world.colleague.pk}, format="json")
    assert response.status_code == 201, response.content


def test_text_no_username_can_hold_names_nobody(world, api_client):
    """NUL (PostgreSQL refuses it in a query) and overlong entries are unknown, never a 500."""
    project = new_project(world)
    api_client.force_authenticate(world.researcher)
    for entry in ("a\x00b", "x" * 151):
        response = api_client.post(
            "/api/v1/projects/", _project_body(world, team=[entry]), format="json"
        )
        assert response.status_code == 400
        assert response.json()["team"][0]["code"] == "unknown_user"
        response = api_client.post(
            f"/api/v1/projects/{project.pk}/invitations/", {"user": entry}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["user"][0]["code"] == "unknown_user"


def test_a_team_of_more_than_the_most_people_is_refused_before_any_query(world, api_client):
    from ethics.forms import MAX_PEOPLE

    api_client.force_authenticate(world.researcher)
    team = [f"user{i}" for i in range(MAX_PEOPLE + 1)]
    response = api_client.post("/api/v1/projects/", _project_body(world, team=team), format="json")
    assert response.status_code == 400
    assert response.json()["team"][0]["code"] == "too_many"
