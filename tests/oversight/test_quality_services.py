"""Quality control (B1; BJ 三(二), 五(一)): self-evaluations, corrective actions on clocks,
quality audits of past reviews with a recorded seed, and the annual report's figures."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ethics import deadlines
from ethics.errors import Conflict
from ethics.models import AuditEvent, Deadline, DeadlineState
from ethics.services import deadlines_scan
from oversight import quality_checklist, quality_clocks
from oversight.models_quality import CorrectiveState, EvaluationState, SampleFinding
from oversight.services import quality as services
from reviews.models import ConflictDeclaration
from tests.oversight.quality_helpers import answer_all, decided, open_evaluation, today

pytestmark = pytest.mark.django_db


# --- self-evaluation --------------------------------------------------------------------------


def test_opening_copies_every_checklist_item_b1(world):
    evaluation = open_evaluation(world)
    assert [i.code for i in evaluation.items.order_by("position")] == quality_checklist.codes()
    assert AuditEvent.objects.filter(action="quality.evaluation_open").count() == 1


def test_one_evaluation_in_progress_at_a_time_b1(world):
    open_evaluation(world)
    with pytest.raises(Conflict) as refused:
        open_evaluation(world)
    assert refused.value.rule == "B1"


def test_period_must_be_ordered_and_past_b1(world):
    with pytest.raises(ValidationError):
        open_evaluation(world, period_start=today(), period_end=today() - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        open_evaluation(world, period_end=today() + dt.timedelta(days=1))


@pytest.mark.parametrize("role", ["member", "researcher", "outsider"])
def test_only_who_manages_the_committee_opens_one_b1(world, role):
    with pytest.raises(PermissionDenied):
        open_evaluation(world, actor=getattr(world, role))


def test_the_institution_admin_may_open_one_b1(world):
    assert open_evaluation(world, actor=world.admin).state == EvaluationState.OPEN


def test_a_finding_needs_its_evidence_b1(world):
    evaluation = open_evaluation(world)
    item = evaluation.items.first()
    with pytest.raises(ValidationError) as refused:
        services.item_answer(
            evaluation_id=evaluation.pk,
            item_id=item.pk,
            finding="conforms",
            evidence="  ",
            actor=world.secretary,
        )
    assert "evidence" in refused.value.error_dict


def test_closing_lists_every_gap_at_once_b1(world):
    evaluation = open_evaluation(world)
    items = list(evaluation.items.order_by("position"))
    services.item_answer(
        evaluation_id=evaluation.pk,
        item_id=items[0].pk,
        finding="not_conforms",
        evidence="两名委员任期已满",
        actor=world.secretary,
    )
    with pytest.raises(Conflict) as refused:
        services.evaluation_close(
            evaluation_id=evaluation.pk, summary="总结", actor=world.secretary
        )
    problems = refused.value.problems
    assert refused.value.rule == "B1"
    assert len(problems) == len(items)  # 12 unanswered + 1 shortcoming without an action
    assert problems[0]["code"] == "evaluation_shortcoming_without_action"
    assert {p["code"] for p in problems[1:]} == {"evaluation_item_unanswered"}


def test_an_answered_evaluation_with_its_actions_closes_b1(world):
    evaluation = open_evaluation(world)
    answer_all(world, evaluation)
    item = evaluation.items.first()
    services.item_answer(
        evaluation_id=evaluation.pk,
        item_id=item.pk,
        finding="partly",
        evidence="部分会议记录缺签字",
        actor=world.secretary,
    )
    services.corrective_add(
        evaluation_id=evaluation.pk,
        description="补签会议记录",
        item_id=item.pk,
        actor=world.secretary,
    )
    closed = services.evaluation_close(
        evaluation_id=evaluation.pk, summary="总体符合", actor=world.secretary
    )
    assert closed.state == EvaluationState.CLOSED
    with pytest.raises(Conflict):
        services.item_answer(
            evaluation_id=evaluation.pk,
            item_id=item.pk,
            finding="conforms",
            evidence="x",
            actor=world.secretary,
        )


# --- corrective actions on clocks -------------------------------------------------------------


def test_a_corrective_action_runs_on_a_clock_to_its_due_date_b1(world):
    evaluation = open_evaluation(world)
    due = today() + dt.timedelta(days=10)
    action = services.corrective_add(
        evaluation_id=evaluation.pk,
        description="修订利益冲突管理制度",
        due_on=due,
        owner=world.member,
        actor=world.secretary,
    )
    clock = Deadline.objects.get(kind=quality_clocks.CORRECTIVE_ACTION, subject_id=action.pk)
    assert clock.due_at == deadlines.end_of_day(due)
    assert clock.committee_id == world.committee.pk
    assert clock.rule == "B1"
    services.corrective_close(
        evaluation_id=evaluation.pk, action_id=action.pk, outcome="已修订", actor=world.secretary
    )
    clock.refresh_from_db()
    assert clock.state == DeadlineState.MET
    action.refresh_from_db()
    assert action.state == CorrectiveState.DONE
    with pytest.raises(Conflict):
        services.corrective_close(
            evaluation_id=evaluation.pk, action_id=action.pk, outcome="再次", actor=world.secretary
        )


def test_without_a_date_the_rule_sets_default_applies_b1(world):
    evaluation = open_evaluation(world)
    action = services.corrective_add(
        evaluation_id=evaluation.pk, description="培训", actor=world.secretary
    )
    days = world.committee.effective_rules().corrective_action_days
    assert (days.value, days.rule, days.unverified) == (30, "B1", True)
    assert action.due_on == today() + dt.timedelta(days=30)


def test_a_due_date_in_the_past_is_refused_b1(world):
    evaluation = open_evaluation(world)
    with pytest.raises(ValidationError):
        services.corrective_add(
            evaluation_id=evaluation.pk,
            description="x",
            due_on=today() - dt.timedelta(days=1),
            actor=world.secretary,
        )


def test_the_owner_is_reminded_once_however_often_the_scan_runs_b1(world):
    from ethics.models import Reminder

    evaluation = open_evaluation(world)
    action = services.corrective_add(
        evaluation_id=evaluation.pk,
        description="整改",
        due_on=today() + dt.timedelta(days=5),
        owner=world.member,
        actor=world.secretary,
    )
    clock = Deadline.objects.get(kind=quality_clocks.CORRECTIVE_ACTION, subject_id=action.pk)
    deadlines_scan()
    deadlines_scan()
    reminded = Reminder.objects.filter(deadline=clock, recipient=world.member)
    assert reminded.count() == 1


# --- quality audits of past reviews -----------------------------------------------------------


def test_the_sample_is_drawn_again_from_its_seed_b1(world):
    day = today() - dt.timedelta(days=10)
    decided(world, day, n=8)
    first = services.audit_draw(
        committee_id=world.committee.pk,
        period_start=day,
        period_end=day,
        size=3,
        seed="abc123",
        actor=world.secretary,
    )
    again = services.audit_draw(
        committee_id=world.committee.pk,
        period_start=day,
        period_end=day,
        size=3,
        seed="abc123",
        actor=world.secretary,
    )
    picked = list(first.samples.order_by("position").values_list("application_id", flat=True))
    assert picked == list(
        again.samples.order_by("position").values_list("application_id", flat=True)
    )
    ids = services.population_ids(world.committee, day, day)
    assert picked == services.draw(ids, 3, "abc123")
    assert first.population == 8
    assert len(picked) == 3


def test_a_seed_is_made_and_recorded_when_none_is_given_b1(world):
    day = today() - dt.timedelta(days=3)
    decided(world, day, n=2)
    drawn = services.audit_draw(
        committee_id=world.committee.pk,
        period_start=day,
        period_end=day,
        size=5,
        actor=world.secretary,
    )
    assert len(drawn.seed) == 16
    assert drawn.samples.count() == 2  # fewer than asked: all of them
    event = AuditEvent.objects.get(action="quality.audit_draw")
    assert event.after["seed"] == drawn.seed


def test_the_period_counts_its_first_and_last_day_only_b1(world):
    start = today() - dt.timedelta(days=40)
    end = today() - dt.timedelta(days=10)
    decided(world, start - dt.timedelta(days=1))
    inside = decided(world, start) + decided(world, end)
    decided(world, end + dt.timedelta(days=1))
    ids = services.population_ids(world.committee, start, end)
    assert ids == sorted(a.pk for a in inside)


def test_nothing_decided_nothing_to_sample_b1(world):
    with pytest.raises(Conflict) as refused:
        services.audit_draw(
            committee_id=world.committee.pk,
            period_start=today(),
            period_end=today(),
            size=3,
            actor=world.secretary,
        )
    assert refused.value.rule == "B1"


def _one_sample(world):
    day = today() - dt.timedelta(days=2)
    decided(world, day)
    drawn = services.audit_draw(
        committee_id=world.committee.pk,
        period_start=day,
        period_end=day,
        size=1,
        actor=world.secretary,
    )
    return drawn, drawn.samples.get()


def test_an_issue_needs_its_description_b1(world):
    drawn, sample = _one_sample(world)
    with pytest.raises(ValidationError):
        services.sample_record(
            audit_id=drawn.pk, sample_id=sample.pk, finding="issue", notes="", actor=world.secretary
        )
    services.sample_record(
        audit_id=drawn.pk,
        sample_id=sample.pk,
        finding="issue",
        notes="决定书未写明理由",
        actor=world.secretary,
    )
    sample.refresh_from_db()
    assert sample.finding == SampleFinding.ISSUE
    assert sample.auditor == world.secretary


def test_a_conflicted_officer_does_not_audit_that_review_r20a(world):
    drawn, sample = _one_sample(world)
    ConflictDeclaration.objects.create(
        user=world.chair, application=sample.application, source="standing", reason="合作者"
    )
    with pytest.raises(Conflict) as refused:
        services.sample_record(
            audit_id=drawn.pk,
            sample_id=sample.pk,
            finding="no_issue",
            notes="",
            actor=world.chair,
        )
    assert refused.value.rule == "R20a"


# --- the annual report ------------------------------------------------------------------------


def test_annual_figures_count_the_years_records_b1(world):
    evaluation = open_evaluation(world)
    answer_all(world, evaluation)
    items = list(evaluation.items.order_by("position")[:2])
    for item in items:
        services.item_answer(
            evaluation_id=evaluation.pk,
            item_id=item.pk,
            finding="not_conforms",
            evidence="问题",
            actor=world.secretary,
        )
    first = services.corrective_add(
        evaluation_id=evaluation.pk, description="一", item_id=items[0].pk, actor=world.secretary
    )
    services.corrective_add(
        evaluation_id=evaluation.pk, description="二", item_id=items[1].pk, actor=world.secretary
    )
    services.corrective_close(
        evaluation_id=evaluation.pk, action_id=first.pk, outcome="完成", actor=world.secretary
    )
    services.evaluation_close(
        evaluation_id=evaluation.pk, summary="年度自评", actor=world.secretary
    )
    drawn, sample = _one_sample(world)
    services.sample_record(
        audit_id=drawn.pk, sample_id=sample.pk, finding="issue", notes="缺", actor=world.secretary
    )
    figures = services.annual_figures(world.committee, today().year)
    assert figures == {
        "self_evaluations": 1,
        "self_evaluations_closed": 1,
        "findings": 2,
        "corrective_actions": 2,
        "corrective_actions_closed": 1,
        "corrective_actions_open": 1,
        "quality_audits": 1,
        "reviews_sampled": 1,
        "reviews_with_issues": 1,
    }
    assert set(services.annual_figures(world.committee, today().year - 1).values()) == {0}
    assert set(services.annual_figures(world.other_committee, today().year).values()) == {0}
