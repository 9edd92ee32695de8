"""Independence of officers (R20a): an officer who leads the project, is on its team or declared
a conflict does not accept, designate, preside, decide, sign or confirm modifications; the step
passes to the deputy the chair designated, then another vice-chair; nobody eligible is a 409
and the institution is told. Every refusal through the page and the API."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from ethics.models import AuditEvent, Notification, User
from meetings import services as meeting_services
from reviews import checklist, services
from reviews.models import Decision, Review
from reviews.services._common import LETTER_TEMPLATE
from tests.factories import MembershipFactory, ProjectFactory, under_meeting_review
from tests.meetings.conftest import today_later
from tests.pdfs import minimal_pdf
from tests.reviews.conftest import declare_and_opine, meeting_decision, pdf_upload

pytestmark = pytest.mark.django_db


def fresh(user):
    """A new user object: the roles a page computes are per request."""
    return User.objects.get(pk=user.pk)


def _page(application, action):
    return reverse("reviews:application-action", args=[application.pk, action])


def _api(application, action):
    return f"/api/v1/applications/{application.pk}/{action}/"


def chair_submitted(world, determined=True):
    """An initial application of a project the chair leads, submitted and (unless
    ``determined=False``) its listing determined (R37): the secretary proposes and, the chair
    leading the project, the officer who takes the chair's steps confirms (R20a)."""
    project = ProjectFactory(
        lead=world.chair, committee=world.committee, institution=world.institution
    )
    application = services.application_create(
        project_id=project.pk, actor=world.chair, kind="initial"
    )
    for item in checklist.missing_slots("initial", project.scope, set()):
        services.document_upload(
            application_id=application.pk,
            slot=item.slot,
            upload=pdf_upload(f"{item.slot}.pdf"),
            actor=world.chair,
        )
    application = services.application_submit(application_id=application.pk, actor=world.chair)
    if determined:
        services.listing_propose(application_id=application.pk, actor=world.secretary, listed=False)
        acting = services.eligible_officer(world.committee, application, "decide")
        services.listing_confirm(
            application_id=application.pk, actor=fresh(acting.user), reasons="不在清单内"
        )
        application.refresh_from_db()
    return application


def chair_accepted(world, procedure="simplified"):
    application = chair_submitted(world)
    return services.application_accept(
        application_id=application.pk,
        procedure=procedure,
        grounds="minimal_risk" if procedure == "simplified" else "",
        actor=world.secretary,
    )


def chair_opined(world, verdict="approve"):
    """Simplified review of the chair's project: the vice-chair designated, both approved."""
    application = chair_accepted(world)
    assignments = services.application_assign(
        application_id=application.pk,
        membership_ids=[m.pk for m in world.members[2:4]],
        actor=fresh(world.vice_chair),
    )
    for assignment in assignments:
        declare_and_opine(assignment, verdict)
    return application


def assert_refused_r20a(response, code="officer_interested"):
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["rule"] == "R20a"
    assert body["code"] == code


def assert_page_refused(response):
    assert response.status_code == 409
    assert "R20a" in response.content.decode()


# --- accept -------------------------------------------------------------------------------------


def test_the_chair_does_not_accept_own_project_the_vice_chair_does_r20a(world, client, api_client):
    application = chair_submitted(world)
    body = {"procedure": "simplified", "grounds": "minimal_risk"}
    client.force_login(world.chair)
    assert_page_refused(client.post(_page(application, "accept"), body))
    api_client.force_authenticate(fresh(world.chair))
    assert_refused_r20a(api_client.post(_api(application, "accept"), body, format="json"))
    application.refresh_from_db()
    assert application.status == "submitted"
    api_client.force_authenticate(fresh(world.vice_chair))
    response = api_client.post(_api(application, "accept"), body, format="json")
    assert response.status_code == 200, response.content
    assert Review.objects.get(application=application).accepted_by == world.vice_chair


def test_the_chair_does_not_confirm_the_listing_of_own_project_the_vice_chair_does_r37_r20a(
    world, client, api_client
):
    """R37 with R20a: the committee's annex-list determination of the chair's own project is
    confirmed by the officer who takes the chair's steps, never by the chair (page and API)."""
    application = chair_submitted(world, determined=False)
    services.listing_propose(application_id=application.pk, actor=world.secretary, listed=False)
    body = {"reasons": "不在清单内"}
    client.force_login(world.chair)
    assert_page_refused(client.post(_page(application, "confirm_listing"), body))
    api_client.force_authenticate(fresh(world.chair))
    assert_refused_r20a(api_client.post(_api(application, "confirm_listing"), body, format="json"))
    application.project.refresh_from_db()
    assert application.project.listing == "undetermined"
    api_client.force_authenticate(fresh(world.vice_chair))
    response = api_client.post(_api(application, "confirm_listing"), body, format="json")
    assert response.status_code == 200, response.content
    application.project.refresh_from_db()
    assert application.project.listing == "not_listed"
    assert application.project.listing_determined_by == world.vice_chair


def test_nobody_eligible_to_confirm_the_listing_is_409_and_the_institution_is_told_r37_r20a(
    world, api_client
):
    application = chair_submitted(world, determined=False)
    services.listing_propose(application_id=application.pk, actor=world.secretary, listed=False)
    services.conflict_declare(
        application_id=application.pk, actor=world.vice_chair, reason="同一课题组"
    )
    api_client.force_authenticate(fresh(world.chair))
    assert_refused_r20a(
        api_client.post(
            _api(application, "confirm_listing"), {"reasons": "不在清单内"}, format="json"
        ),
        code="no_eligible_officer",
    )
    application.project.refresh_from_db()
    assert application.project.listing == "undetermined"
    assert Notification.objects.filter(recipient=world.admin, cause__contains="R20a").count() == 1


# --- designate ----------------------------------------------------------------------------------


def test_the_chair_does_not_designate_reviewers_the_vice_chair_does_r20a(world, client, api_client):
    application = chair_accepted(world)
    body = {"reviewers": [m.pk for m in world.members[2:4]]}
    client.force_login(world.chair)
    assert_page_refused(client.post(_page(application, "assign"), body))
    api_client.force_authenticate(fresh(world.chair))
    assert_refused_r20a(api_client.post(_api(application, "assign"), body, format="json"))
    # R33: the secretary still does not designate simplified reviewers.
    api_client.force_authenticate(fresh(world.secretary))
    assert api_client.post(_api(application, "assign"), body, format="json").status_code == 403
    client.force_login(world.vice_chair)
    response = client.post(_page(application, "assign"), body)
    assert response.status_code == 302
    review = Review.objects.get(application=application)
    assert {a.assigned_by_id for a in review.assignments.all()} == {world.vice_chair.pk}


def test_the_deputy_the_chair_designated_goes_first_then_another_vice_chair_r20a(
    world, client, api_client
):
    second = MembershipFactory(committee=world.committee, role="vice_chair", **world.term)
    # The chair designates the second vice-chair as deputy, through the page.
    client.force_login(world.chair)
    page = reverse("committees:deputy-designate", args=[world.committee.pk])
    assert client.get(page).status_code == 200
    assert client.post(page, {"deputy": second.pk}).status_code == 302
    world.committee.refresh_from_db()
    assert world.committee.deputy_id == second.pk
    application = chair_accepted(world)
    body = {"reviewers": [m.pk for m in world.members[2:4]]}
    # The first vice-chair is not next in line while the deputy is eligible: 403.
    api_client.force_authenticate(fresh(world.vice_chair))
    assert api_client.post(_api(application, "assign"), body, format="json").status_code == 403
    officer = services.eligible_officer(world.committee, application, "designate")
    assert officer == second
    # The deputy declares a conflict: the step passes to the other vice-chair.
    services.conflict_declare(application_id=application.pk, actor=second.user, reason="合作者")
    officer = services.eligible_officer(world.committee, application, "designate")
    assert officer == world.vice_chair_membership
    api_client.force_authenticate(fresh(second.user))
    assert_refused_r20a(api_client.post(_api(application, "assign"), body, format="json"))
    api_client.force_authenticate(fresh(world.vice_chair))
    response = api_client.post(_api(application, "assign"), body, format="json")
    assert response.status_code == 200, response.content


def test_only_the_chair_designates_the_deputy_and_only_a_vice_chair_r20a(world, api_client):
    url = f"/api/v1/committees/{world.committee.pk}/deputy/"
    api_client.force_authenticate(world.secretary)
    response = api_client.post(url, {"deputy": world.vice_chair_membership.pk}, format="json")
    assert response.status_code == 403
    api_client.force_authenticate(fresh(world.chair))
    response = api_client.post(url, {"deputy": world.member_membership.pk}, format="json")
    assert response.status_code == 400
    response = api_client.post(url, {"deputy": world.vice_chair_membership.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["deputy"] == world.vice_chair_membership.pk
    assert AuditEvent.objects.filter(action="committee.deputy").count() == 1
    assert Notification.objects.filter(recipient=world.vice_chair).exists()
    response = api_client.post(url, {"deputy": None}, format="json")
    assert response.status_code == 200
    assert response.json()["deputy"] is None


# --- decide and sign ----------------------------------------------------------------------------


def test_the_chair_does_not_decide_the_vice_chair_decides_and_signs_r20a(world, client, api_client):
    application = chair_opined(world)
    body = {"outcome": "approve"}
    client.force_login(world.chair)
    assert_page_refused(client.post(_page(application, "decide"), body))
    api_client.force_authenticate(fresh(world.chair))
    assert_refused_r20a(api_client.post(_api(application, "decide"), body, format="json"))
    assert not Decision.objects.exists()
    # A member with no office does not take over.
    api_client.force_authenticate(fresh(world.member))
    assert api_client.post(_api(application, "decide"), body, format="json").status_code in (
        403,
        404,
    )
    api_client.force_authenticate(fresh(world.vice_chair))
    response = api_client.post(_api(application, "decide"), body, format="json")
    assert response.status_code == 201, response.content
    decision = Decision.objects.get()
    assert decision.signed_by == world.vice_chair
    assert decision.signature_role == "vice_chair"
    assert decision.signature_name == world.vice_chair.display_name


def test_the_letter_names_the_officer_who_actually_signed_r20a(world):
    application = chair_opined(world)
    decision = services.application_decide(
        application_id=application.pk, outcome="approve", actor=fresh(world.vice_chair)
    )
    html = render_to_string(LETTER_TEMPLATE, services.letter_context(decision))
    assert f'副主任委员：<span class="name">{world.vice_chair.display_name}</span>' in html
    assert world.chair.display_name not in html.split("（盖章）")[1]


def test_a_signer_with_an_interest_is_refused_whatever_the_route_r20a(world):
    """The floor under every signature (tasks and admin call the same service)."""
    from ethics.errors import Conflict

    application = chair_opined(world)
    with pytest.raises(Conflict) as refused:
        services.decision_issue(
            application_id=application.pk, outcome="approve", actor=fresh(world.chair)
        )
    assert refused.value.rule == "R20a"


# --- nobody eligible ------------------------------------------------------------------------------


def test_nobody_eligible_is_409_and_the_institution_is_notified_r20a(world, client, api_client):
    application = chair_opined(world)
    services.conflict_declare(
        application_id=application.pk, actor=world.vice_chair, reason="同一课题组"
    )
    body = {"outcome": "approve"}
    client.force_login(world.chair)
    response = client.post(_page(application, "decide"), body)
    assert_page_refused(response)
    api_client.force_authenticate(fresh(world.chair))
    assert_refused_r20a(
        api_client.post(_api(application, "decide"), body, format="json"),
        code="no_eligible_officer",
    )
    assert not Decision.objects.exists()
    notes = Notification.objects.filter(recipient=world.admin, cause__contains="R20a")
    assert notes.count() == 2  # once per refused attempt: page, API
    assert AuditEvent.objects.filter(action="officers.none_eligible").count() == 2
    # The vice-chair, conflicted, is refused too; nobody else may.
    api_client.force_authenticate(fresh(world.vice_chair))
    assert api_client.post(_api(application, "decide"), body, format="json").status_code in (
        403,
        409,
    )


def test_one_vice_chair_free_of_interest_is_enough_boundary_r20a(world):
    """Two vice-chairs, one conflicted: the other acts (the boundary of 'nobody eligible')."""
    second = MembershipFactory(committee=world.committee, role="vice_chair", **world.term)
    application = chair_opined(world)
    services.conflict_declare(
        application_id=application.pk, actor=world.vice_chair, reason="同一课题组"
    )
    assert services.eligible_officer(world.committee, application, "decide") == second
    services.conflict_declare(application_id=application.pk, actor=second.user, reason="亲属")
    with pytest.raises(services.NoEligibleOfficer):
        services.eligible_officer(world.committee, application, "decide")


# --- confirm modifications ----------------------------------------------------------------------


def test_the_chair_does_not_confirm_modifications_of_own_project_r20a(world, client, api_client):
    application = chair_accepted(world, procedure="meeting")
    meeting_decision(  # R24: the meeting adopts it; the vice-chair presides (R20a)
        world,
        application_id=application.pk,
        outcome="approve_with_modifications",
        conditions="补充知情同意书",
        actor=fresh(world.vice_chair),
    )
    project = application.project
    assert project.lead_id == world.chair.pk
    # The lead (the chair) uploads and submits the modifications.
    services.document_upload(
        application_id=application.pk,
        slot="plan",
        upload=pdf_upload("plan-v2.pdf", minimal_pdf(b"modified")),
        actor=world.chair,
    )
    services.modifications_submit(application_id=application.pk, actor=world.chair)
    client.force_login(world.chair)
    assert_page_refused(client.post(_page(application, "confirm_modifications"), {}))
    api_client.force_authenticate(fresh(world.chair))
    assert_refused_r20a(
        api_client.post(_api(application, "confirm_modifications"), {}, format="json")
    )
    api_client.force_authenticate(fresh(world.vice_chair))
    response = api_client.post(_api(application, "confirm_modifications"), {}, format="json")
    assert response.status_code == 201, response.content
    assert Decision.objects.filter(stage="confirmation", signed_by=world.vice_chair).exists()


# --- preside (meetings) -------------------------------------------------------------------------


def _meeting_with_chair_project(world):
    application = under_meeting_review(
        world.committee, lead=world.chair, regimes=world.committee.regimes
    )
    meeting = meeting_services.meeting_schedule(
        committee=world.committee,
        starts_at=today_later(),  # never across Shanghai midnight
        actor=world.secretary,
    )
    item = meeting_services.agenda_add(
        meeting_id=meeting.pk, application_id=application.pk, actor=world.secretary
    )
    return meeting, item, application


def _open_and_vote(world, meeting, item, present):
    meeting_services.meeting_open(
        meeting_id=meeting.pk,
        present=[m.pk for m in present],
        presiding=world.chair_membership.pk,
        actor=world.secretary,
    )
    for membership in present:
        if membership.user_id == world.chair.pk:
            continue  # the chair leads the project and does not vote (R20a)
        meeting_services.vote_cast(
            item_id=item.pk, choice="approve", membership_id=membership.pk, actor=world.secretary
        )


def _item_page(item, action):
    return reverse("meetings:item-action", args=[item.meeting_id, item.pk, action])


def _item_api(item, action):
    return f"/api/v1/meetings/{item.meeting_id}/items/{item.pk}/{action}/"


def test_the_chair_does_not_preside_over_own_item_the_vice_chair_signs_r20a(
    world, client, api_client
):
    meeting, item, application = _meeting_with_chair_project(world)
    _open_and_vote(world, meeting, item, world.members)
    client.force_login(world.chair)
    assert_page_refused(client.post(_item_page(item, "conclude"), {"confirm": "1"}))
    api_client.force_authenticate(fresh(world.chair))
    assert_refused_r20a(
        api_client.post(_item_api(item, "conclude"), {"confirm": True}, format="json"),
        code="conflict_of_interest",
    )
    api_client.force_authenticate(fresh(world.secretary))
    response = api_client.post(_item_api(item, "conclude"), {"confirm": True}, format="json")
    assert response.status_code == 200, response.content
    decision = Decision.objects.get(application=application)
    assert decision.signed_by == world.vice_chair
    assert decision.signature_role == "vice_chair"
    event = AuditEvent.objects.filter(action="item.conclude").latest("pk")
    assert event.after["presided_by"] == world.vice_chair_membership.pk


def test_no_officer_present_to_preside_is_409_and_the_institution_is_told_r20a(
    world, client, api_client
):
    meeting, item, application = _meeting_with_chair_project(world)
    present = [m for m in world.members if m.pk != world.vice_chair_membership.pk]
    _open_and_vote(world, meeting, item, present)
    client.force_login(world.secretary)
    assert_page_refused(client.post(_item_page(item, "conclude"), {"confirm": "1"}))
    api_client.force_authenticate(fresh(world.secretary))
    assert_refused_r20a(
        api_client.post(_item_api(item, "conclude"), {"confirm": True}, format="json"),
        code="no_eligible_officer",
    )
    assert not Decision.objects.filter(application=application).exists()
    assert Notification.objects.filter(recipient=world.admin, cause__contains="R20a").count() == 2


# --- what a conflicted officer sees -------------------------------------------------------------


def test_a_conflicted_officer_sees_no_reviewers_or_opinions_r20a(world, api_client):
    from reviews import policies
    from reviews.models import Opinion, ReviewerAssignment

    application = chair_opined(world)
    chair = fresh(world.chair)
    assert not policies.may_see_opinions(chair, application)
    assert not policies.may_see_tally(chair, application)
    assert not policies.AssignmentPolicy().visible(chair, ReviewerAssignment.objects.all()).exists()
    assert not policies.OpinionPolicy().visible(chair, Opinion.objects.all()).exists()
    services.conflict_declare(
        application_id=application.pk, actor=world.vice_chair, reason="同一课题组"
    )
    vice = fresh(world.vice_chair)
    assert not policies.may_open_materials(vice, application)
    assert not policies.AssignmentPolicy().visible(vice, ReviewerAssignment.objects.all()).exists()


def test_the_chair_leading_the_project_sees_its_page_as_a_researcher_does_r20a(world, client):
    application = chair_opined(world)
    client.force_login(world.chair)
    response = client.get(reverse("reviews:application-detail", args=[application.pk]))
    assert response.status_code == 200
    # No rounds with their reviewers and opinions, no "who did what" in the timeline.
    assert response.context["officer"] is False
    assert response.context["reviews"] == []
    assert {e.action for e in response.context["timeline"]} <= {
        "application.create",
        "application.submit",
        "application.accept",
        "document.upload",
    }
    client.force_login(world.vice_chair)
    response = client.get(reverse("reviews:application-detail", args=[application.pk]))
    assert response.context["officer"] is True
    assert len(response.context["reviews"]) == 1


# --- the deputy's page --------------------------------------------------------------------------


def test_the_deputy_page_hides_from_outsiders_and_keeps_its_query_count_r20a(
    world, client, django_assert_max_num_queries
):
    page = reverse("committees:deputy-designate", args=[world.committee.pk])
    client.force_login(world.stranger)
    assert client.get(page).status_code == 404
    client.force_login(world.outsider)
    assert client.get(page).status_code == 404
    client.force_login(world.member)
    assert client.get(page).status_code == 403
    client.force_login(world.chair)
    with django_assert_max_num_queries(15):
        response = client.get(page)
    assert response.status_code == 200
    assert 'name="deputy"' in response.content.decode()
    with django_assert_max_num_queries(15):
        response = client.get(reverse("committees:committee-detail", args=[world.committee.pk]))
    assert 'id="deputy"' in response.content.decode()


# --- the committee's determinations (R16, R37, R46) ---------------------------------------------


def test_the_chair_does_not_propose_the_listing_of_own_project_r37_r20a(world, client, api_client):
    """R20a over R37: the chair, leading the project, takes no part in its annex-list
    determination: proposing is refused on the page and the API; the secretary proposes."""
    application = chair_submitted(world, determined=False)
    body = {"listing": "not_listed"}
    client.force_login(world.chair)
    assert_page_refused(client.post(_page(application, "propose_listing"), body))
    api_client.force_authenticate(fresh(world.chair))
    assert_refused_r20a(api_client.post(_api(application, "propose_listing"), body, format="json"))
    application.project.refresh_from_db()
    assert not application.project.listing_proposal
    api_client.force_authenticate(fresh(world.secretary))
    response = api_client.post(_api(application, "propose_listing"), body, format="json")
    assert response.status_code == 200, response.content


def test_the_chair_does_not_classify_an_amendment_of_own_project_r46_r20a(
    world, client, api_client
):
    """R20a over R46: whether the chair's own amendment is a major change is classified by
    another officer; the chair is refused on the page and the API."""
    application = chair_opined(world)
    services.application_decide(
        application_id=application.pk, outcome="approve", actor=fresh(world.vice_chair)
    )
    amendment = services.application_create(
        project_id=application.project_id, actor=world.chair, kind="amendment"
    )
    for item in checklist.missing_slots("amendment", application.project.scope, set()):
        services.document_upload(
            application_id=amendment.pk,
            slot=item.slot,
            upload=pdf_upload(f"{item.slot}.pdf"),
            actor=world.chair,
        )
    amendment = services.application_submit(application_id=amendment.pk, actor=world.chair)
    body = {"classification": "minor", "reasons": "仅调整访谈提纲"}
    client.force_login(world.chair)
    assert_page_refused(client.post(_page(amendment, "classify_amendment"), body))
    api_client.force_authenticate(fresh(world.chair))
    assert_refused_r20a(api_client.post(_api(amendment, "classify_amendment"), body, format="json"))
    amendment.refresh_from_db()
    assert amendment.major_classification == ""  # not yet classified
    api_client.force_authenticate(fresh(world.secretary))
    response = api_client.post(_api(amendment, "classify_amendment"), body, format="json")
    assert response.status_code == 200, response.content
