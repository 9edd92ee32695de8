"""R20a, R23, R24, N4: recusals, votes, the 2/3 threshold, the NHC majority and deferral."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ethics.errors import Conflict, IllegalTransition
from ethics.models import AuditEvent
from meetings import services
from meetings.models import Vote
from reviews.models import Decision
from tests.meetings.conftest import application, opened, schedule, vote_all
from tests.world import build_world

pytestmark = pytest.mark.django_db

APPROVE = "approve"
AWM = "approve_with_modifications"


def conclude(world, item, **kwargs):
    return services.item_conclude(item_id=item.pk, actor=world.secretary, **kwargs)


def test_seven_present_four_votes_is_below_two_thirds_and_defers_r24(world):
    _meeting, [item] = opened(world)
    vote_all(world, item, [APPROVE] * 4 + ["disapprove", "abstain", "resubmit"])
    item = conclude(world, item)
    assert item.status == "deferred"
    assert item.outcome is None
    assert item.decision is None
    assert item.tally["counts"][APPROVE] == 4
    assert item.tally["present"] == 7
    assert item.tally["threshold"] == 5
    item.application.refresh_from_db()
    assert item.application.status == "under_review"


def test_seven_present_five_votes_adopts_r24(world):
    _meeting, [item] = opened(world)
    vote_all(world, item, [APPROVE] * 5 + ["disapprove", "abstain"])
    item = conclude(world, item)
    assert item.status == "concluded"
    assert item.outcome == APPROVE
    decision = item.decision
    assert decision.outcome == APPROVE
    assert decision.tally["counts"][APPROVE] == 5
    assert decision.tally["threshold"] == 5
    assert decision.tally["meeting"] == item.meeting_id
    assert decision.signed_by == world.chair
    item.application.refresh_from_db()
    assert item.application.status == "decided"


def test_six_present_exactly_two_thirds_adopts_r24_yishang(world):
    _meeting, [item] = opened(world, present=world.members[:6])
    vote_all(world, item, [APPROVE] * 4 + ["disapprove", "disapprove"])
    item = conclude(world, item)
    assert item.outcome == APPROVE
    assert item.tally["present"] == 6
    assert item.tally["threshold"] == 4


def test_abstentions_and_silent_members_count_in_the_base_r24(world):
    _meeting, [item] = opened(world)
    # Four approvals, three present members who did not vote: 4 < 2/3 of 7.
    vote_all(world, item, [APPROVE] * 4)
    item = conclude(world, item)
    assert item.status == "deferred"
    assert item.tally["not_voted"] == 3


def test_a_recusal_lowers_the_base_r20a_r24(world):
    _meeting, [item] = opened(world)
    recused = world.members[6]
    services.recusal_record(
        item_id=item.pk, membership_id=recused.pk, reason="项目合作者", actor=world.secretary
    )
    vote_all(world, item, [APPROVE] * 4 + ["disapprove", "disapprove"])
    item = conclude(world, item)
    assert item.outcome == APPROVE
    assert item.tally["present"] == 6
    assert item.tally["recused"] == 1


def test_a_recused_member_cannot_vote_r20a(world):
    _meeting, [item] = opened(world)
    member = world.members[5]
    services.recusal_record(
        item_id=item.pk, membership_id=member.pk, reason="x", actor=world.secretary
    )
    with pytest.raises(Conflict) as caught:
        services.vote_cast(
            item_id=item.pk, choice=APPROVE, membership_id=member.pk, actor=world.secretary
        )
    assert caught.value.code == "conflict_of_interest"
    assert caught.value.rule == "R20a"


def test_recusal_after_voting_withdraws_the_vote(world):
    _meeting, [item] = opened(world)
    member = world.members[5]
    services.vote_cast(
        item_id=item.pk, choice=APPROVE, membership_id=member.pk, actor=world.secretary
    )
    services.recusal_record(
        item_id=item.pk, membership_id=member.pk, reason="x", actor=world.secretary
    )
    assert not Vote.objects.filter(item=item, membership=member).exists()
    assert AuditEvent.objects.filter(action="vote.withdraw").count() == 1


def test_recusals_that_break_the_item_quorum_block_the_vote_r19(world):
    _meeting, [item] = opened(world, present=world.members[:5])
    services.recusal_record(
        item_id=item.pk, membership_id=world.members[4].pk, reason="x", actor=world.secretary
    )
    with pytest.raises(Conflict) as caught:
        services.vote_cast(
            item_id=item.pk,
            choice=APPROVE,
            membership_id=world.chair_membership.pk,
            actor=world.secretary,
        )
    assert caught.value.rule == "R19"
    assert caught.value.code == "no_quorum"
    with pytest.raises(Conflict) as info:
        conclude(world, item)
    assert (info.value.code, info.value.rule) == ("no_quorum", "R19")
    item = services.item_defer(item_id=item.pk, actor=world.secretary, reason="回避后不足法定人数")
    assert item.status == "deferred"


def test_a_member_votes_for_themself_after_declaring(world):
    _meeting, [item] = opened(world)
    member = world.members[3]
    with pytest.raises(Conflict) as caught:
        services.vote_cast(item_id=item.pk, choice=APPROVE, actor=member.user)
    assert caught.value.rule == "R20a"
    assert caught.value.code == "declaration_required"
    services.member_declare(item_id=item.pk, actor=member.user, conflicted=False)
    vote = services.vote_cast(item_id=item.pk, choice=APPROVE, actor=member.user)
    assert vote.membership == member
    assert vote.cast_by == member.user


def test_a_declared_conflict_recuses_and_forbids_voting_r20a(world):
    _meeting, [item] = opened(world)
    member = world.members[3]
    services.member_declare(item_id=item.pk, actor=member.user, conflicted=True, note="同课题组")
    assert item.recusals.filter(membership=member).exists()
    with pytest.raises(Conflict) as info:
        services.vote_cast(item_id=item.pk, choice=APPROVE, actor=member.user)
    assert (info.value.code, info.value.rule) == ("conflict_of_interest", "R20a")


def test_a_member_cannot_vote_for_another(world):
    _meeting, [item] = opened(world)
    with pytest.raises(PermissionDenied):
        services.vote_cast(
            item_id=item.pk,
            choice=APPROVE,
            membership_id=world.members[4].pk,
            actor=world.members[3].user,
        )


def test_changing_a_vote_replaces_it_and_is_audited(world):
    _meeting, [item] = opened(world)
    member = world.members[3]
    services.vote_cast(
        item_id=item.pk, choice=APPROVE, membership_id=member.pk, actor=world.secretary
    )
    services.vote_cast(item_id=item.pk, choice=AWM, membership_id=member.pk, actor=world.secretary)
    assert list(Vote.objects.filter(item=item).values_list("choice", flat=True)) == [AWM]
    change = AuditEvent.objects.get(action="vote.change")
    assert change.before["choice"] == APPROVE
    assert change.after["choice"] == AWM


def test_absent_members_do_not_vote_r19(world):
    _meeting, [item] = opened(world, present=world.members[:6])
    with pytest.raises(Conflict) as caught:
        services.vote_cast(
            item_id=item.pk,
            choice=APPROVE,
            membership_id=world.members[6].pk,
            actor=world.secretary,
        )
    assert caught.value.rule == "R19"
    assert caught.value.code == "not_present"


def test_tracking_choices_follow_the_application_kind(world):
    _meeting, [item] = opened(world, kind="tracking")
    item.application.project.status = "active"  # R28: only a running activity is tracked
    item.application.project.save()
    with pytest.raises(ValidationError) as info:
        services.vote_cast(
            item_id=item.pk,
            choice=APPROVE,
            membership_id=world.chair_membership.pk,
            actor=world.secretary,
        )
    assert info.value.error_dict["choice"][0].code == "invalid_choice"
    vote_all(world, item, ["continue"] * 7)
    assert conclude(world, item).outcome == "continue"


def test_conditions_are_required_for_approval_with_modifications_r23(world):
    _meeting, [item] = opened(world)
    vote_all(world, item, [AWM] * 7)
    with pytest.raises(ValidationError) as caught:
        conclude(world, item)
    assert caught.value.error_dict["conditions"][0].code == "conditions_required"
    item.refresh_from_db()
    assert item.status == "pending"
    assert not Decision.objects.exists()
    item = conclude(world, item, conditions="修改知情同意书第3条")
    assert item.decision.conditions == "修改知情同意书第3条"


def test_reasons_are_required_for_disapproval_r23(world):
    _meeting, [item] = opened(world)
    vote_all(world, item, ["disapprove"] * 7)
    with pytest.raises(ValidationError) as caught:
        conclude(world, item)
    assert "reasons" in caught.value.error_dict


def test_concluding_twice_gives_one_decision(world):
    _meeting, [item] = opened(world)
    vote_all(world, item, [APPROVE] * 7)
    first = conclude(world, item)
    second = conclude(world, item)
    assert first.decision_id == second.decision_id
    assert Decision.objects.count() == 1


def test_no_votes_after_conclusion(world):
    _meeting, [item] = opened(world)
    vote_all(world, item, [APPROVE] * 7)
    conclude(world, item)
    with pytest.raises(IllegalTransition) as info:
        services.vote_cast(
            item_id=item.pk,
            choice=AWM,
            membership_id=world.chair_membership.pk,
            actor=world.secretary,
        )
    assert (info.value.status, info.value.action) == ("concluded", "vote")


def test_nhc_needs_more_than_half_of_all_members_n4():
    # 15 members, 7 present: 5 votes pass R24 (5 >= 14/3) but not N4 (5 > 15/2 fails).
    world = build_world(size=15, regimes=("meas", "nhc"))
    _meeting, [item] = opened(world, present=world.members[:7])
    vote_all(world, item, [APPROVE] * 5 + ["disapprove", "abstain"])
    item = services.item_conclude(item_id=item.pk, actor=world.secretary, dissent="一名委员反对")
    assert item.status == "deferred"
    assert item.tally["threshold"] == 8
    assert item.tally["rules"] == ["R24", "N4"]


def test_nhc_adopts_with_more_than_half_of_all_members_n4():
    world = build_world(size=15, regimes=("meas", "nhc"))
    _meeting, [item] = opened(world, present=world.members[:10])
    vote_all(world, item, [APPROVE] * 8 + ["disapprove", "abstain"])
    with pytest.raises(ValidationError) as caught:
        services.item_conclude(item_id=item.pk, actor=world.secretary)
    assert caught.value.error_dict["dissent"][0].code == "dissent_required"
    item = services.item_conclude(
        item_id=item.pk, actor=world.secretary, dissent="一名委员认为风险较高"
    )
    assert item.outcome == APPROVE
    assert item.decision.tally["total_members"] == 15


def test_an_applicant_member_cannot_declare_no_conflict_r20a(world):
    from tests.factories import under_meeting_review

    meeting, _items = opened(world)
    member = world.members[3]
    own = under_meeting_review(world.committee, lead=member.user)
    item = services.agenda_add(meeting_id=meeting.pk, application_id=own.pk, actor=world.secretary)
    with pytest.raises(Conflict) as info:
        services.member_declare(item_id=item.pk, actor=member.user, conflicted=False)
    assert (info.value.code, info.value.rule) == ("applicant_conflict", "R20a")


def test_consultants_declare_no_direct_interest_r20(world):
    _meeting, [item] = opened(world)
    with pytest.raises(Conflict) as caught:
        services.consultant_admit(
            item_id=item.pk, name="孙顾问", declaration="", no_direct_interest=False,
            actor=world.secretary,
        )  # fmt: skip
    assert caught.value.code == "direct_interest"
    assert caught.value.rule == "R20"
    consultant = services.consultant_admit(
        item_id=item.pk, name="孙顾问", declaration="与本项目无直接利害关系",
        no_direct_interest=True, actor=world.secretary,
    )  # fmt: skip
    vote_all(world, item, [APPROVE] * 7)
    item = conclude(world, item)
    assert item.tally["consultants"] == 1
    assert item.tally["present"] == 7  # consultants never count or vote
    assert consultant.pk


def test_a_designated_vice_chair_presides_and_signs_the_decision_r18(world):
    meeting = schedule(world)
    item = services.agenda_add(
        meeting_id=meeting.pk, application_id=application(world).pk, actor=world.secretary
    )
    services.meeting_open(
        meeting_id=meeting.pk,
        present=[m.pk for m in world.members],
        presiding=world.vice_chair_membership.pk,
        designation="主任委员书面委托（2026年11月20日）",
        actor=world.secretary,
    )
    vote_all(world, item, [APPROVE] * 5 + ["disapprove", "abstain"])
    item = conclude(world, item)
    assert item.decision.outcome == APPROVE
    assert item.decision.signed_by == world.vice_chair
