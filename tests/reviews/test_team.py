"""The project team: invitation, acceptance, the freeze at submission, the recorded conflict.

R8 (confidentiality): an invitee, of this institution or another, sees nothing of the project
until they accept, and then only that project. R20a (conflicts): from the first submission the
team is frozen on every route (the applicants cannot make committee members "applicants" to
exclude their votes); a committee member on the team is a recorded conflict, not a silent
exclusion.
"""

import pytest
from django.urls import reverse

from ethics.errors import Conflict
from ethics.models import AuditEvent, Notification
from reviews import checklist, policies, services
from reviews.models import Application, ConflictDeclaration, Project, TeamInvitation
from tests.conftest import race, requires_postgres
from tests.reviews.conftest import (
    approved_project,
    determine,
    draft,
    meeting_decides,
    new_project,
    pdf_upload,
    submitted,
)
from tests.world import build_world


def _invite(world, project, *users):
    """The lead invites `users`, keeping whoever is on the team already."""
    services.project_update(
        project_id=project.pk,
        actor=world.researcher,
        data={"team": [*project.team.all(), *users]},
    )
    return [TeamInvitation.objects.get(project=project, user=u, state="pending") for u in users]


# --- the attack: the team changed after submission --------------------------------------------


def test_patch_team_after_submission_is_409_on_api_and_page_r20a(world, api_client, client):
    """The reported attack: PATCH team [chair, member, vice-chair] after submission was a 200."""
    application = submitted(world)
    project = application.project
    before = set(project.team.values_list("pk", flat=True))
    events = AuditEvent.objects.exclude(action__startswith="auth.").count()
    body = {"team": [world.chair.pk, world.member.pk, world.vice_chair.pk]}
    api_client.force_authenticate(world.researcher)
    url = f"/api/v1/projects/{project.pk}/"
    response = api_client.patch(url, body, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "team_frozen"
    assert response.json()["rule"] == "R20a"
    # With other fields too: the team part refuses the whole change.
    response = api_client.patch(url, {**body, "title": "新标题"}, format="json")
    assert response.status_code == 409
    assert api_client.put(url, body, format="json").status_code == 405  # no PUT route
    client.force_login(world.researcher)
    page = reverse("reviews:project-action", args=[project.pk, "update"])
    response = client.post(page, body)
    assert response.status_code == 409
    assert b"R20a" in response.content
    project.refresh_from_db()
    assert project.title != "新标题"
    assert set(project.team.values_list("pk", flat=True)) == before
    assert not TeamInvitation.objects.filter(project=project).exists()
    assert AuditEvent.objects.exclude(action__startswith="auth.").count() == events  # logins aside
    # Nobody was silently excluded: the committee members may still review and vote.
    assert not policies.is_applicant(world.chair, application)
    assert not policies.is_conflicted(world.member, application)


def test_emptying_the_team_after_submission_is_409_too_r20a(world, api_client):
    """Removing people is a team change as well: frozen (R20a)."""
    application = submitted(world)  # the colleague is on the team
    api_client.force_authenticate(world.researcher)
    url = f"/api/v1/projects/{application.project_id}/"
    response = api_client.patch(url, {"team": []}, format="json")
    assert response.status_code == 409
    assert response.json()["rule"] == "R20a"
    assert list(application.project.team.all()) == [world.colleague]


def test_the_team_is_open_up_to_submission_and_frozen_from_it_r20a(world):
    """The boundary: a draft (never submitted) leaves the team open; the submission freezes it."""
    application = draft(world)
    project = application.project
    assert not services.team_frozen(project)
    _invite(world, project, world.stranger)
    services.application_submit(application_id=application.pk, actor=world.researcher)
    assert services.team_frozen(project)
    with pytest.raises(Conflict) as info:
        services.project_update(
            project_id=project.pk, actor=world.researcher, data={"team": [world.colleague]}
        )
    assert (info.value.code, info.value.rule) == ("team_frozen", "R20a")


def test_other_particulars_still_change_before_approval(world, api_client):
    """Only the team is frozen by the submission; the title of a planned project still changes."""
    application = submitted(world)
    api_client.force_authenticate(world.researcher)
    url = f"/api/v1/projects/{application.project_id}/"
    response = api_client.patch(url, {"title": "改后的标题"}, format="json")
    assert response.status_code == 200


# --- invitations: another institution's secretary -------------------------------------------


def test_a_named_secretary_of_another_institution_sees_nothing_until_accepting_r8(
    world, api_client, client
):
    """POST /projects/ naming another institution's secretary: an invitation, no access (R8);
    after accepting, that project only."""
    api_client.force_authenticate(world.researcher)
    response = api_client.post(
        "/api/v1/projects/",
        {"title": "跨机构合作研究", "committee": world.committee.pk, "team": [world.outsider.pk]},
        format="json",
    )
    assert response.status_code == 201, response.content
    project = Project.objects.get(pk=response.json()["id"])
    assert response.json()["team"] == []
    other = new_project(world, title="同单位另一个项目")
    other_application = draft(world, project=other)
    outsider = world.outsider
    api_client.force_authenticate(outsider)
    client.force_login(outsider)
    assert api_client.get(f"/api/v1/projects/{project.pk}/").status_code == 404
    assert client.get(reverse("reviews:project-detail", args=[project.pk])).status_code == 404
    assert api_client.get("/api/v1/projects/").json()["count"] == 0
    # What the invitee sees: the title and the lead's name, on the API and on the page.
    invitations = api_client.get("/api/v1/invitations/").json()["results"]
    assert [(i["project_title"], i["lead_name"], i["status"]) for i in invitations] == [
        ("跨机构合作研究", world.researcher.display_name, "pending")
    ]
    html = client.get(reverse("reviews:my-projects")).content.decode()
    assert "跨机构合作研究" in html
    assert world.researcher.display_name in html
    assert "data-project=" not in html
    assert Notification.objects.filter(recipient=outsider, cause="team.invite").exists()
    # Accepting opens that project, and only that one.
    invitation = TeamInvitation.objects.get(project=project, user=outsider)
    response = api_client.post(f"/api/v1/invitations/{invitation.pk}/accept/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert api_client.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    assert [p["id"] for p in api_client.get("/api/v1/projects/").json()["results"]] == [project.pk]
    assert api_client.get(f"/api/v1/projects/{other.pk}/").status_code == 404
    assert api_client.get(f"/api/v1/applications/{other_application.pk}/").status_code == 404
    assert client.get(reverse("reviews:project-detail", args=[project.pk])).status_code == 200
    assert AuditEvent.objects.filter(action="team.accept").count() == 1


def test_the_page_form_invites_too_r8(world, client):
    client.force_login(world.researcher)
    response = client.post(
        reverse("reviews:project-create"),
        {"title": "页面创建", "committee": world.committee.pk, "team": [world.outsider.pk]},
    )
    assert response.status_code == 302
    project = Project.objects.get(title="页面创建")
    client.force_login(world.outsider)
    assert client.get(reverse("reviews:project-detail", args=[project.pk])).status_code == 404


# --- accept and decline, page and API ---------------------------------------------------------


def test_accept_and_decline_on_the_page(world, client):
    project = new_project(world)
    invitation, declined = _invite(world, project, world.colleague, world.stranger)
    client.force_login(world.stranger)
    url = reverse("reviews:invitation-action", args=[declined.pk, "decline"])
    assert client.post(url).status_code == 302
    declined.refresh_from_db()
    assert declined.state == "declined"
    assert client.get(reverse("reviews:project-detail", args=[project.pk])).status_code == 404
    response = client.post(reverse("reviews:invitation-action", args=[declined.pk, "accept"]))
    assert response.status_code == 409  # answered already
    assert not project.team.filter(pk=world.stranger.pk).exists()
    # The other invitee's invitation is not the stranger's to see or answer.
    other = reverse("reviews:invitation-action", args=[invitation.pk, "accept"])
    assert client.post(other).status_code == 404
    client.force_login(world.colleague)
    assert client.post(other).status_code == 302
    assert list(project.team.all()) == [world.colleague]
    assert client.get(reverse("reviews:project-detail", args=[project.pk])).status_code == 200
    assert (
        client.post(reverse("reviews:invitation-action", args=[invitation.pk, "nope"])).status_code
        == 404
    )


def test_accept_and_decline_on_the_api(world, api_client):
    project = new_project(world)
    invitation, declined = _invite(world, project, world.colleague, world.stranger)
    api_client.force_authenticate(world.stranger)
    response = api_client.post(f"/api/v1/invitations/{declined.pk}/decline/")
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    response = api_client.post(f"/api/v1/invitations/{declined.pk}/decline/")
    assert response.status_code == 409
    assert response.json()["code"] == "invitation_not_pending"
    assert api_client.get(f"/api/v1/invitations/{invitation.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/invitations/{invitation.pk}/accept/").status_code == 404
    # The lead does not answer for the invitee.
    api_client.force_authenticate(world.researcher)
    assert api_client.post(f"/api/v1/invitations/{invitation.pk}/accept/").status_code == 404
    api_client.force_authenticate(world.colleague)
    assert api_client.post(f"/api/v1/invitations/{invitation.pk}/accept/").status_code == 200
    assert list(project.team.all()) == [world.colleague]


def test_accepting_after_submission_is_409_r20a(world, api_client, client):
    """An invitation still pending at the first submission cannot be accepted (R20a)."""
    application = draft(world)
    (invitation,) = _invite(world, application.project, world.stranger)
    services.application_submit(application_id=application.pk, actor=world.researcher)
    api_client.force_authenticate(world.stranger)
    response = api_client.post(f"/api/v1/invitations/{invitation.pk}/accept/")
    assert response.status_code == 409
    assert response.json()["rule"] == "R20a"
    client.force_login(world.stranger)
    response = client.post(reverse("reviews:invitation-action", args=[invitation.pk, "accept"]))
    assert response.status_code == 409
    assert not application.project.team.filter(pk=world.stranger.pk).exists()
    # Declining is still possible: it gives no access.
    assert api_client.post(f"/api/v1/invitations/{invitation.pk}/decline/").status_code == 200


def test_removing_before_submission_withdraws_the_invitation(world):
    project = new_project(world)
    (invitation,) = _invite(world, project, world.stranger)
    services.project_update(project_id=project.pk, actor=world.researcher, data={"team": []})
    invitation.refresh_from_db()
    assert invitation.state == "withdrawn"
    with pytest.raises(Conflict):
        services.invitation_accept(invitation_id=invitation.pk, actor=world.stranger)


# --- the recorded conflict (R20a) -------------------------------------------------------------


def test_a_committee_member_who_accepts_is_a_recorded_conflict_r20a(world):
    """Invited before submission, the member accepts: a conflict on the project's application
    (source team), shown to the officers; not a silent exclusion."""
    member = world.member
    application = draft(world)
    (invitation,) = _invite(world, application.project, member)
    services.invitation_accept(invitation_id=invitation.pk, actor=member)
    declaration = ConflictDeclaration.objects.get(user=member, application=application)
    assert declaration.source == "team"
    assert declaration.reason
    assert AuditEvent.objects.filter(action="conflict.declare").exists()
    application = services.application_submit(application_id=application.pk, actor=world.researcher)
    assert policies.is_conflicted(member, application)
    assert ConflictDeclaration.objects.filter(user=member, application=application).count() == 1
    # The secretary is told at submission.
    assert Notification.objects.filter(
        recipient=world.secretary, cause="team.conflict (R20a)"
    ).exists()
    # The member cannot be assigned as a reviewer: the conflict, with its rule.
    determine(world, application)  # R37: the listing is determined before acceptance
    application = services.application_accept(
        application_id=application.pk,
        procedure="simplified",
        grounds="minimal_risk",
        actor=world.secretary,
    )
    with pytest.raises(Conflict) as info:
        services.application_assign(
            application_id=application.pk,
            membership_ids=[world.member_membership.pk],
            actor=world.chair,
        )
    assert info.value.rule == "R20a"


def test_a_committee_member_on_the_team_before_the_application_is_recorded_at_submission_r20a(
    world,
):
    member = world.vice_chair
    project = new_project(world)
    (invitation,) = _invite(world, project, member)
    services.invitation_accept(invitation_id=invitation.pk, actor=member)
    assert not ConflictDeclaration.objects.filter(user=member).exists()  # no application yet
    application = submitted(world, project=project)
    declaration = ConflictDeclaration.objects.get(user=member, application=application)
    assert declaration.source == "team"
    assert not policies.may_see_tally(member, application)


def test_an_invited_member_who_has_not_accepted_is_not_conflicted(world):
    """Only acceptance puts someone on the team; an open or declined invitation is nothing."""
    application = draft(world)
    _invite(world, application.project, world.member)
    application = services.application_submit(application_id=application.pk, actor=world.researcher)
    assert not policies.is_conflicted(world.member, application)
    assert not policies.is_applicant(world.member, application)


# --- queries ----------------------------------------------------------------------------------


def test_invitation_list_and_project_list_query_counts(
    world, api_client, client, django_assert_max_num_queries
):
    for n in range(5):
        _invite(world, new_project(world, title=f"项目{n}"), world.stranger)
    api_client.force_authenticate(world.stranger)
    with django_assert_max_num_queries(10):
        response = api_client.get("/api/v1/invitations/")
    assert response.json()["count"] == 5
    client.force_login(world.stranger)
    with django_assert_max_num_queries(10):
        html = client.get(reverse("reviews:my-projects")).content.decode()
    assert html.count("data-invitation=") == 5
    # R8: each shows its project's title and the lead's name, newest first, and nothing more.
    section = html.split('id="team-invitations"')[1].split("</section>")[0]
    titles = [section.index(f"“项目{n}”") for n in range(5)]
    assert titles == sorted(titles, reverse=True)
    lead = TeamInvitation.objects.filter(user=world.stranger).first().project.lead
    assert section.count(lead.display_name) == 5
    invitation = TeamInvitation.objects.filter(user=world.stranger).first()
    with django_assert_max_num_queries(15):
        assert api_client.get(f"/api/v1/invitations/{invitation.pk}/").status_code == 200


# --- after the freeze: an amendment the committee approves (R20a, R31a) -----------------------


def test_a_team_change_after_submission_is_an_amendment_approved_by_the_committee_r20a(
    world, api_client
):
    project = approved_project(world)  # the colleague is on the team
    api_client.force_authenticate(world.researcher)
    body = {
        "project": project.pk,
        "kind": "tracking",
        "team_add": [world.stranger.pk],
    }
    response = api_client.post("/api/v1/applications/", body, format="json")
    assert response.status_code == 400  # only an amendment changes the team
    assert "team_add" in response.json()
    body = {"project": project.pk, "kind": "amendment", "team_remove": [world.stranger.pk]}
    response = api_client.post("/api/v1/applications/", body, format="json")
    assert response.status_code == 400  # not on the team
    body = {
        "project": project.pk,
        "kind": "amendment",
        "team_add": [world.stranger.pk, world.member.pk],
        "team_remove": [world.colleague.pk],
    }
    response = api_client.post("/api/v1/applications/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["team_change"] == {
        "add": sorted([world.stranger.pk, world.member.pk]),
        "remove": [world.colleague.pk],
    }
    amendment = Application.objects.get(pk=response.json()["id"])
    # Nothing changes before the committee approves.
    assert list(project.team.all()) == [world.colleague]
    assert not TeamInvitation.objects.filter(user=world.stranger).exists()
    for item in checklist.missing_slots("amendment", project.scope, set()):
        services.document_upload(
            application_id=amendment.pk,
            slot=item.slot,
            upload=pdf_upload(f"{item.slot}.pdf"),
            actor=world.researcher,
        )
    services.application_submit(application_id=amendment.pk, actor=world.researcher)
    # The member proposed for the team is conflicted on the amendment itself.
    assert policies.is_conflicted(world.member, amendment)
    services.application_accept(
        application_id=amendment.pk, procedure="meeting", grounds="", actor=world.secretary
    )
    client_page = reverse("reviews:application-detail", args=[amendment.pk])
    api_client.force_authenticate(world.secretary)
    assert api_client.get(f"/api/v1/applications/{amendment.pk}/").json()["team_change"]
    from django.test import Client

    page = Client()
    page.force_login(world.secretary)
    html = page.get(client_page).content.decode()
    assert 'id="team-change"' in html
    assert world.stranger.display_name in html
    meeting_decides(world, amendment, "approve")  # R24: through the meeting's vote
    assert list(project.team.all()) == []  # the colleague removed
    invitation = TeamInvitation.objects.get(user=world.stranger, project=project)
    assert invitation.amendment_id == amendment.pk
    # The team is frozen, but the approved amendment's invitation may be accepted.
    services.invitation_accept(invitation_id=invitation.pk, actor=world.stranger)
    assert list(project.team.all()) == [world.stranger]
    assert AuditEvent.objects.filter(action="team.amend").count() == 1


# --- POST /projects/{id}/invitations/ (api.md) ---------------------------------------------------


def test_the_lead_invites_one_person_on_api_and_page_r8(world, api_client, client):
    project = new_project(world)
    api_client.force_authenticate(world.researcher)
    url = f"/api/v1/projects/{project.pk}/invitations/"
    response = api_client.post(url, {"user": world.outsider.pk, "role": "数据分析"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["user"], body["status"], body["role"]) == (
        world.outsider.pk,
        "pending",
        "数据分析",
    )
    assert api_client.post(url, {"user": world.outsider.pk}, format="json").status_code == 409
    response = api_client.post(url, {"user": world.researcher.pk}, format="json")
    assert response.status_code == 400  # the lead
    # Only the lead invites: a team member gets 403, an outsider 404.
    project.team.add(world.colleague)
    api_client.force_authenticate(world.colleague)
    assert api_client.post(url, {"user": world.stranger.pk}, format="json").status_code == 403
    api_client.force_authenticate(world.stranger)
    assert api_client.post(url, {"user": world.stranger.pk}, format="json").status_code == 404
    client.force_login(world.researcher)
    page = reverse("reviews:project-action", args=[project.pk, "invite"])
    assert client.post(page, {"user": world.stranger.pk}).status_code == 302
    assert TeamInvitation.objects.filter(project=project, state="pending").count() == 2
    # The invitee still gets 404 on the project.
    api_client.force_authenticate(world.outsider)
    assert api_client.get(f"/api/v1/projects/{project.pk}/").status_code == 404


def test_inviting_after_submission_is_409_on_api_and_page_r20a(world, api_client, client):
    application = submitted(world)
    api_client.force_authenticate(world.researcher)
    url = f"/api/v1/projects/{application.project_id}/invitations/"
    response = api_client.post(url, {"user": world.chair.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["rule"] == "R20a"
    client.force_login(world.researcher)
    page = reverse("reviews:project-action", args=[application.project_id, "invite"])
    response = client.post(page, {"user": world.chair.pk})
    assert response.status_code == 409
    assert not TeamInvitation.objects.exists()


def test_the_project_page_shows_the_lead_the_open_invitations_and_the_form(
    world, client, django_assert_max_num_queries
):
    project = new_project(world)
    _invite(world, project, world.outsider)
    url = reverse("reviews:project-detail", args=[project.pk])
    client.force_login(world.researcher)
    client.get(url)
    with django_assert_max_num_queries(15):
        html = client.get(url).content.decode()
    assert 'id="open-invitations"' in html
    assert world.outsider.display_name in html
    assert 'id="invite-form"' in html
    draft_application = draft(world, project=project)
    services.application_submit(application_id=draft_application.pk, actor=world.researcher)
    html = client.get(url).content.decode()
    assert 'id="invite-form"' not in html  # frozen (R20a)


def test_a_submission_ended_before_review_reopens_the_team_one_accepted_does_not_r20a(world):
    """The boundary: withdrawn before acceptance → open again; withdrawn after acceptance →
    still frozen (R20a)."""
    application = submitted(world)
    project = application.project
    services.application_withdraw(application_id=application.pk, actor=world.researcher)
    project.refresh_from_db()
    assert not services.team_frozen(project)
    second = submitted(world, project=project)
    assert services.team_frozen(project)
    services.application_accept(
        application_id=second.pk, procedure="meeting", grounds="", actor=world.secretary
    )
    services.application_withdraw(application_id=second.pk, actor=world.researcher)
    assert services.team_frozen(project)


def test_the_admin_cannot_change_a_submitted_projects_team_r20a(world, client):
    """The admin is read-only for projects and invitations: a superuser's POST changes nothing."""
    from tests.factories import UserFactory

    application = submitted(world)
    project = application.project
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    url = reverse("admin:reviews_project_change", args=[project.pk])
    response = client.post(url, {"title": project.title, "team": [world.chair.pk]})
    assert response.status_code in (302, 403)
    assert list(project.team.all()) == [world.colleague]
    add = reverse("admin:reviews_teaminvitation_add")
    response = client.post(add, {"project": project.pk, "user": world.chair.pk})
    assert response.status_code == 403
    assert not TeamInvitation.objects.exists()


# --- at once (PostgreSQL, real threads) ---------------------------------------------------------


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_member_accepting_while_the_lead_submits_is_recorded_or_refused_r20a():
    """Acceptance and submission lock the project in one order: either the member joined
    before the freeze and is recorded as conflicted, or the acceptance is a 409 (R20a); never a
    team member without the record, never a deadlock."""
    world = build_world()
    application = draft(world)
    (invitation,) = _invite(world, application.project, world.member)
    results, errors = race(
        lambda: services.invitation_accept(invitation_id=invitation.pk, actor=world.member),
        lambda: services.application_submit(application_id=application.pk, actor=world.researcher),
    )
    assert all(isinstance(e, Conflict) and e.rule == "R20a" for e in errors), errors
    on_team = application.project.team.filter(pk=world.member.pk).exists()
    recorded = ConflictDeclaration.objects.filter(
        user=world.member, application=application, source="team"
    ).exists()
    assert on_team == recorded
    assert len(results) + len(errors) == 2
