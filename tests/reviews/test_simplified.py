"""The simplified procedure (R32-R35), conflicts of interest (R20a) and the emergency path (R48-R49)."""

import pytest
from django.core.exceptions import PermissionDenied

from ethics import regulations
from ethics.errors import Conflict
from ethics.models import AuditEvent
from reviews import services
from reviews.models import Application, Decision
from tests.reviews.conftest import accepted, assigned, declare_and_opine

pytestmark = pytest.mark.django_db

MIN_REVIEWERS = regulations.MEAS.simplified_min_reviewers.value


def test_fewer_than_the_minimum_reviewers_is_refused(world):
    """R33: at least two designated members."""
    application = accepted(world)
    with pytest.raises(Conflict) as info:
        services.application_assign(
            application_id=application.pk,
            membership_ids=[m.pk for m in world.members[2 : 2 + MIN_REVIEWERS - 1]],
            actor=world.chair,
        )
    assert info.value.code == "too_few_reviewers"
    assert info.value.rule == "R33"
    assert not application.reviews.get().assignments.exists()


def test_exactly_the_minimum_is_enough(world):
    _application, assignments = assigned(world, reviewers=world.members[2 : 2 + MIN_REVIEWERS])
    assert len(assignments) == MIN_REVIEWERS


def test_only_the_chair_designates_simplified_reviewers(world):
    """R33: designated by the chair, not by the secretary."""
    application = accepted(world)
    with pytest.raises(PermissionDenied):
        services.application_assign(
            application_id=application.pk,
            membership_ids=[m.pk for m in world.members[2:4]],
            actor=world.secretary,
        )


def test_secretary_assigns_for_meeting_review(world):
    application = accepted(world, procedure="meeting", grounds="")
    created = services.application_assign(
        application_id=application.pk, membership_ids=[world.members[3].pk], actor=world.secretary
    )
    assert len(created) == 1


def test_all_approve_then_the_chair_decides(world):
    """R33-R34: unanimous approval; the chair issues the decision with the tally."""
    application, (a1, a2) = assigned(world)
    declare_and_opine(a1, "approve")
    declare_and_opine(a2, "approve")
    decision = services.application_decide(
        application_id=application.pk, outcome="approve", actor=world.chair
    )
    assert decision.tally == {"procedure": "simplified", "reviewers": 2, "verdicts": {"approve": 2}}
    assert decision.signature_name == world.chair.display_name
    assert Application.objects.get(pk=application.pk).status == "decided"


def test_all_approve_with_modifications(world):
    application, (a1, a2) = assigned(world)
    declare_and_opine(a1, "approve_with_modifications")
    declare_and_opine(a2, "approve_with_modifications")
    with pytest.raises(Conflict) as info:  # R34: only the agreed outcome
        services.application_decide(
            application_id=application.pk, outcome="approve", actor=world.chair
        )
    assert info.value.code == "outcome_not_agreed"
    assert info.value.rule == "R34"
    decision = services.application_decide(
        application_id=application.pk,
        outcome="approve_with_modifications",
        conditions="补充数据脱敏方案",
        actor=world.chair,
    )
    assert decision.conditions == "补充数据脱敏方案"


def test_decision_waits_for_every_opinion(world):
    application, (a1, _a2) = assigned(world)
    declare_and_opine(a1, "approve")
    with pytest.raises(Conflict) as info:
        services.application_decide(
            application_id=application.pk, outcome="approve", actor=world.chair
        )
    assert info.value.rule == "R33"
    assert info.value.code == "opinions_pending"


def test_secretary_cannot_decide(world):
    application, (a1, a2) = assigned(world)
    declare_and_opine(a1, "approve")
    declare_and_opine(a2, "approve")
    with pytest.raises(PermissionDenied):
        services.application_decide(
            application_id=application.pk, outcome="approve", actor=world.secretary
        )


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        ("disapprove", None, "negative_opinion"),
        ("resubmit", None, "negative_opinion"),
        ("doubt", None, "doubt"),
        ("request_meeting", None, "meeting_requested"),
        ("approve", "approve_with_modifications", "disagreement"),
    ],
)
def test_conversion_to_meeting_review(world, first, second, reason):
    """R34: a negative opinion, doubt, a request or disagreement converts; R35 reason recorded."""
    application, (a1, a2) = assigned(world)
    declare_and_opine(a1, first)
    if second:
        declare_and_opine(a2, second)
    application.refresh_from_db()
    review = application.reviews.get()
    assert application.procedure == "meeting"
    assert review.procedure == "meeting"
    assert review.converted_from == "simplified"
    assert review.conversion_reason == reason
    assert review.ready_for_meeting_at is not None
    event = AuditEvent.objects.get(action="review.convert")
    assert event.after["reason"] == reason
    assert event.after["rule"] == "R34"
    with pytest.raises(Conflict) as info:
        services.application_decide(
            application_id=application.pk, outcome="approve", actor=world.chair
        )
    assert info.value.rule == "R24"
    assert info.value.code == "meeting_review"


def test_conversion_keeps_the_clock(world):
    application, (a1, _a2) = assigned(world)
    due = application.due_at
    declare_and_opine(a1, "doubt")
    application.refresh_from_db()
    assert application.due_at == due
    assert application.status == "under_review"


def test_opinion_needs_a_no_conflict_declaration_first(world):
    """R20a: materials and the worksheet open only after the declaration."""
    _application, (a1, _a2) = assigned(world)
    with pytest.raises(Conflict) as info:
        services.opinion_record(assignment_id=a1.pk, verdict="approve", actor=a1.membership.user)
    assert info.value.rule == "R20a"
    assert info.value.code == "coi_not_declared"


def test_conflicted_member_cannot_give_an_opinion_or_be_assigned_again(world):
    application, (a1, _a2) = assigned(world)
    user = a1.membership.user
    services.assignment_declare(
        assignment_id=a1.pk, conflicted=True, note="是项目合作者", actor=user
    )
    with pytest.raises(Conflict) as info:
        services.opinion_record(assignment_id=a1.pk, verdict="approve", actor=user)
    assert (info.value.code, info.value.rule) == ("coi_not_declared", "R20a")
    with pytest.raises(Conflict) as info:
        services.application_assign(
            application_id=application.pk, membership_ids=[a1.membership.pk], actor=world.chair
        )
    assert info.value.code == "member_conflicted"
    assert info.value.rule == "R20a"


def test_conflict_drops_below_minimum_until_another_member_is_assigned(world):
    application, (a1, a2) = assigned(world)
    services.assignment_declare(
        assignment_id=a1.pk, conflicted=True, note="亲属关系", actor=a1.membership.user
    )
    declare_and_opine(a2, "approve")
    with pytest.raises(Conflict) as info:
        services.application_decide(
            application_id=application.pk, outcome="approve", actor=world.chair
        )
    assert info.value.code == "too_few_reviewers"
    assert info.value.rule == "R33"
    (a3,) = services.application_assign(
        application_id=application.pk, membership_ids=[world.members[5].pk], actor=world.chair
    )
    declare_and_opine(a3, "approve")
    decision = services.application_decide(
        application_id=application.pk, outcome="approve", actor=world.chair
    )
    assert decision.tally["reviewers"] == 2


def test_project_team_member_on_the_committee_cannot_be_assigned(world):
    """R20a: a member who is on the project is conflicted by relationship."""
    member = world.members[3]
    application = accepted(world)
    application.project.team.add(member.user)
    with pytest.raises(Conflict) as info:
        services.application_assign(
            application_id=application.pk,
            membership_ids=[member.pk, world.members[4].pk],
            actor=world.chair,
        )
    assert info.value.rule == "R20a"
    assert info.value.code == "member_conflicted"


def test_reviewer_cannot_speak_for_another(world):
    _application, (a1, a2) = assigned(world)
    with pytest.raises(PermissionDenied):
        services.assignment_declare(assignment_id=a1.pk, conflicted=False, actor=a2.membership.user)


def test_emergency_review_by_one_member_cannot_decide_against_their_opinion_r49(world):
    """R48-R49: one reviewer's disapproval no longer lets the chair approve: the round becomes
    an emergency meeting (tests/reviews/test_emergency.py covers the procedure)."""
    application = accepted(world, procedure="emergency", grounds="突发公共卫生事件")
    (a1,) = services.application_assign(
        application_id=application.pk, membership_ids=[world.members[2].pk], actor=world.secretary
    )
    declare_and_opine(a1, "disapprove")
    with pytest.raises(Conflict) as info:
        services.application_decide(
            application_id=application.pk, outcome="approve", actor=world.chair
        )
    assert (info.value.code, info.value.rule) == ("meeting_review", "R24")
    assert Decision.objects.count() == 0


# --- N9 under NHC: the participating-site confirmation ---------------------------------------


def _nhc_submitted():
    from tests.reviews.conftest import submitted
    from tests.world import build_world

    world = build_world(regimes=("meas", "nhc"))
    application = submitted(world)
    assert application.regimes == ["meas", "nhc"]
    return world, application


def test_participating_site_confirmation_is_accepted_under_nhc_api_n9(api_client):
    world, application = _nhc_submitted()
    api_client.force_authenticate(world.secretary)
    response = api_client.post(
        f"/api/v1/applications/{application.pk}/accept/",
        {"procedure": "simplified", "grounds": "participating_site_confirmation"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["procedure"] == "simplified"


def test_participating_site_confirmation_is_accepted_under_nhc_page_n9(client):
    from django.urls import reverse

    world, application = _nhc_submitted()
    client.force_login(world.secretary)
    response = client.post(
        reverse("reviews:application-action", args=[application.pk, "accept"]),
        {"procedure": "simplified", "grounds": "participating_site_confirmation"},
    )
    assert response.status_code == 302
    assert Application.objects.get(pk=application.pk).procedure == "simplified"


def test_participating_site_confirmation_is_refused_under_meas_alone_n9(world, api_client):
    from tests.reviews.conftest import submitted

    application = submitted(world)
    api_client.force_authenticate(world.secretary)
    response = api_client.post(
        f"/api/v1/applications/{application.pk}/accept/",
        {"procedure": "simplified", "grounds": "participating_site_confirmation"},
        format="json",
    )
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["rule"]) == (
        "simplified_ground_not_allowed",
        "R32",
    )
