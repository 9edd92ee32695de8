"""Garbage to every reviews action, page and API: a 4xx and nothing changed; outsiders and ids
that are not numbers get 404.

Each action is posted by someone it is for (the lead, the chair, the assigned member), so the
garbage passes the permission check and reaches the form and the service: an application under
simplified review with two designated members, a planned project, the secretary recognising.
"""

import json

import pytest
from django.urls import reverse

from ethics.models import AuditEvent
from reviews import services, workflow
from reviews.actions import APPLICATIONS, CONFLICTS, INVITATIONS, PROJECTS, RECOGNITIONS
from reviews.models import Application, Project, Recognition, TeamInvitation
from tests import garbage
from tests.reviews.conftest import assigned, new_project

HUGE_ID = 10**30


def _project(world):
    project = new_project(world)

    def page_url(name):
        if name == "create":
            return reverse("reviews:project-create")
        return reverse("reviews:project-action", args=[project.pk, name])

    def api_url(name):
        if name == "create":
            return "/api/v1/projects/"
        if name == "update":
            return f"/api/v1/projects/{project.pk}/"
        if name == "invite":
            return f"/api/v1/projects/{project.pk}/invitations/"
        return f"/api/v1/projects/{project.pk}/{name}/"

    return garbage.Target(
        actor=world.researcher, target=project, page_url=page_url, api_url=api_url
    )


def _application(world):
    application, _assignments = assigned(world)

    def page_url(name):
        if name == "create":
            return reverse("reviews:application-create")
        return reverse("reviews:application-action", args=[application.pk, name])

    def api_url(name):
        if name == "create":
            return "/api/v1/applications/"
        if name == "upload":
            return f"/api/v1/applications/{application.pk}/documents/"
        return f"/api/v1/applications/{application.pk}/{name}/"

    return garbage.Target(actor=world.chair, target=application, page_url=page_url, api_url=api_url)


def _conflict(world):
    """A standing declaration (API only): the secretary records one for a member."""
    application, _assignments = assigned(world)
    return garbage.Target(
        actor=world.secretary,
        target=application,
        page_url=None,
        api_url=lambda _name: f"/api/v1/applications/{application.pk}/conflicts/",
    )


def _recognition(world):
    return garbage.Target(
        actor=world.secretary,
        target=None,
        page_url=lambda name: reverse(
            "reviews:recognition-outside-create"
            if name == "create_outside"
            else "reviews:recognition-create"
        ),
        api_url=lambda name: (
            "/api/v1/recognitions/outside/" if name == "create_outside" else "/api/v1/recognitions/"
        ),
    )


def _invitation(world):
    """A pending team invitation, answered by its invitee (R8)."""
    project = new_project(world)
    services.project_update(
        project_id=project.pk, actor=world.researcher, data={"team": [world.stranger]}
    )
    invitation = TeamInvitation.objects.get(project=project, user=world.stranger)
    return garbage.Target(
        actor=world.stranger,
        target=invitation,
        page_url=lambda name: reverse("reviews:invitation-action", args=[invitation.pk, name]),
        api_url=lambda name: f"/api/v1/invitations/{invitation.pk}/{name}/",
    )


TARGETS = {
    "reviews.invitation": _invitation,
    "reviews.project": _project,
    "reviews.application": _application,
    "reviews.conflict": _conflict,
    "reviews.recognition": _recognition,
}


def _application_actor(world, application, name):
    """The lead for the applicant's actions, the designated member for the reviewer's, and
    the chair (secretary and chair of the committee) for the rest."""
    if name in ("create", "upload"):
        return world.researcher
    try:
        roles = workflow.ACTION_ROLES[workflow.Action(name)]
    except ValueError:  # request_correction: the committee's
        roles = frozenset()
    if workflow.APPLICANT in roles:
        return world.researcher
    if workflow.REVIEWER in roles:
        return application.reviews.get().assignments.order_by("id").first().membership.user
    return world.chair


def _cases():
    for table, make in ((PROJECTS, _project), (APPLICATIONS, _application), (CONFLICTS, _conflict)):
        for entry in garbage.with_input(table):
            yield pytest.param(table, make, entry, id=f"{table.name}.{entry.name}")
    for entry in garbage.with_input(RECOGNITIONS):
        yield pytest.param(
            RECOGNITIONS, _recognition, entry, id=f"{RECOGNITIONS.name}.{entry.name}"
        )


def _refused_api(api_client, entry, url, body):
    """As garbage.assert_refused_api, with the entry's own method (PATCH for an update)."""
    before = AuditEvent.objects.count()
    response = api_client.generic(entry.method.upper(), url, body, content_type="application/json")
    assert 400 <= response.status_code < 500, (url, body[:80], response.status_code)
    assert AuditEvent.objects.count() == before, (url, body[:80])


@pytest.mark.parametrize(("table", "make", "entry"), list(_cases()))
def test_garbage_is_refused_on_both_routes(world, client, api_client, table, make, entry):
    target = make(world)
    actor = target.actor
    if table is APPLICATIONS:
        actor = _application_actor(world, target.target, entry.name)
    client.force_login(actor)
    api_client.force_authenticate(actor)
    url = target.api_url(entry.name)
    for _label, body in garbage.raw_bodies():
        _refused_api(api_client, entry, url, body)
    for _label, data in garbage.field_payloads(entry):
        _refused_api(api_client, entry, url, json.dumps(data))
    if target.page_url is None:
        return  # no page posts it
    for _label, data in garbage.field_payloads(entry, page=True):
        garbage.assert_refused_page(client, target.page_url(entry.name), data)


def _detail_cases():
    for table, make, base in (
        (PROJECTS, _project, "/api/v1/projects"),
        (APPLICATIONS, _application, "/api/v1/applications"),
        (CONFLICTS, _conflict, "/api/v1/applications"),
        (INVITATIONS, _invitation, "/api/v1/team-invitations"),
    ):
        for entry in table:
            if entry.detail:
                yield pytest.param(table, make, base, entry, id=f"{table.name}.{entry.name}")


@pytest.mark.parametrize(("table", "make", "base", "entry"), list(_detail_cases()))
def test_outsiders_and_bad_ids_get_404(world, client, api_client, table, make, base, entry):
    target = make(world)
    pk = target.target.pk
    api_client.force_authenticate(world.outsider)
    url = target.api_url(entry.name)
    method = entry.method.upper()
    assert api_client.generic(method, url, "{}", content_type="application/json").status_code == (
        404
    )
    for bad in ("abc", "-1", "1.5", str(HUGE_ID)):
        bad_url = url.replace(f"/{pk}/", f"/{bad}/")
        response = api_client.generic(method, bad_url, "{}", content_type="application/json")
        assert response.status_code == 404, bad_url
        if target.page_url is not None:
            page = target.page_url(entry.name).replace(f"/{pk}/", f"/{bad}/")
            client.force_login(target.actor)
            assert client.post(page, {}).status_code == 404, page
    if target.page_url is not None:
        client.force_login(world.outsider)
        assert client.post(target.page_url(entry.name), {}).status_code == 404


def test_creating_on_anothers_project_is_404(world, client, api_client):
    project = new_project(world)
    for who in (world.outsider, world.stranger):
        api_client.force_authenticate(who)
        body = {"project": project.pk, "kind": "initial"}
        assert api_client.post("/api/v1/applications/", body, format="json").status_code == 404
        client.force_login(who)
        assert client.post(reverse("reviews:application-create"), body).status_code == 404
    for value in (HUGE_ID, 0, "abc"):
        api_client.force_authenticate(world.researcher)
        body = {"project": value}
        assert api_client.post("/api/v1/applications/", body, format="json").status_code in (
            400,
            404,
        )
    assert not Application.objects.exists()


def test_a_project_on_a_foreign_committee_is_refused_on_both_routes(world, client, api_client):
    from tests.factories import CommitteeFactory, MembershipFactory

    foreign = CommitteeFactory()
    # Visible to the researcher (a member of it), so R17 may say why it is refused.
    MembershipFactory(committee=foreign, user=world.researcher, **world.term)
    body = {"title": "x", "committee": foreign.pk}
    api_client.force_authenticate(world.researcher)
    response = api_client.post("/api/v1/projects/", body, format="json")
    assert response.status_code == 409
    assert response.json()["rule"] == "R17"
    client.force_login(world.researcher)
    response = client.post(reverse("reviews:project-create"), body)
    assert response.status_code == 409
    assert b"R17" in response.content
    assert not Project.objects.exists()


def test_recognition_is_for_officers(world, client, api_client):
    body = {"committee": world.committee.pk, "decision_number": "x", "verification_hash": "y"}
    client.force_login(world.researcher)
    assert client.get(reverse("reviews:recognition-create")).status_code == 404
    assert client.post(reverse("reviews:recognition-create"), body).status_code == 404
    api_client.force_authenticate(world.researcher)
    assert api_client.post("/api/v1/recognitions/", body, format="json").status_code == 403
    api_client.force_authenticate(world.outsider)  # a secretary, of another committee
    # A committee they may not see reads as one that does not exist (400, not 403).
    response = api_client.post("/api/v1/recognitions/", body, format="json")
    missing = api_client.post(
        "/api/v1/recognitions/", {**body, "committee": world.committee.pk + 10_000}, format="json"
    )
    assert response.status_code == missing.status_code == 400
    assert response.json() == missing.json()
    assert not Recognition.objects.exists()


def test_ids_beyond_64_bits_are_400(world, client, api_client):
    """`pk IN (<30 digits>)` overflows in the database: the actions refuse it first."""
    application, _assignments = assigned(world, procedure="meeting", grounds="")
    api_client.force_authenticate(world.secretary)
    url = f"/api/v1/applications/{application.pk}/assign/"
    for value in (str(HUGE_ID), str(2**63), "٣", "²"):
        response = api_client.post(url, {"reviewers": [value]}, format="json")
        assert response.status_code == 400, value
        assert response.json()["reviewers"][0]["code"] in ("invalid_choice", "invalid_pk_value")
    project = new_project(world)
    api_client.force_authenticate(world.researcher)
    response = api_client.patch(
        f"/api/v1/projects/{project.pk}/", {"team": [str(HUGE_ID)]}, format="json"
    )
    assert response.status_code == 400
    response = api_client.post(
        f"/api/v1/projects/{project.pk}/participants/",
        {"participating_institutions": [HUGE_ID]},
        format="json",
    )
    assert response.status_code == 400


def test_the_500s_found_are_400s(world, client, api_client):
    """A due date past the last moment a database holds in UTC, a panel too large for its
    column, text read as a ticked checkbox: each is refused with the field's name."""
    application, _assignments = assigned(world)
    api_client.force_authenticate(world.secretary)
    client.force_login(world.secretary)
    url = f"/api/v1/applications/{application.pk}/extend/"
    page = reverse("reviews:application-action", args=[application.pk, "extend"])
    for due in ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"):
        response = api_client.post(url, {"due_at": due, "reason": "r"}, format="json")
        assert response.status_code == 400, due
        assert response.json()["due_at"][0]["code"] == "date_out_of_range"
        assert client.post(page, {"due_at": due[:19], "reason": "r"}).status_code == 400
    project = new_project(world)
    api_client.force_authenticate(world.researcher)
    client.force_login(world.researcher)
    response = api_client.patch(
        f"/api/v1/projects/{project.pk}/", {"international": "yes"}, format="json"
    )
    assert response.status_code == 400
    page = reverse("reviews:project-action", args=[project.pk, "update"])
    assert client.post(page, {"international": '{"a": 1}'}).status_code == 400
    project.refresh_from_db()
    assert project.international is False
    form = APPLICATIONS.get("record_rereview").input(
        data={"opinion": "agree", "received_on": "2026-01-01", "panel_size": 40000}
    )
    assert form.errors["panel_size"][0]  # a PositiveSmallIntegerField on PostgreSQL


@pytest.mark.parametrize("name", ["accept", "decline"])
def test_garbage_bodies_to_an_invitation_answer_nothing(world, client, api_client, name):
    """accept and decline take no input: a body that is not JSON or is nested 5,000 deep is a
    400 from the parser, nothing changes; an unknown action or a non-numeric id is a 404."""
    target = _invitation(world)
    invitation = target.target
    api_client.force_authenticate(target.actor)
    for label, body in garbage.raw_bodies():
        if label == "not an object":
            continue  # no input to bind: the body is not read (the answer is the action's)
        garbage.assert_refused_api(api_client, target.api_url(name), body)
    invitation.refresh_from_db()
    assert invitation.state == "pending"
    client.force_login(target.actor)
    assert client.post(target.page_url("nope"), {}).status_code == 404
    assert api_client.post(target.api_url("nope"), {}, format="json").status_code == 404
    invitation.refresh_from_db()
    assert invitation.state == "pending"
