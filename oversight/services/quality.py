"""Quality control (B1; BJ 三(二), 五(一)) and the re-review expert pool (R40, B11).

Every state change here: one transaction, the row locked, the permission and the rules checked,
an audit event, the clocks opened or closed through the kernel.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Committee, FieldOfWork, Membership
from committees.policies import may_manage_committee
from committees.selectors import effective_rules
from ethics import audit, deadlines, hooks, regulations
from ethics import services as kernel
from ethics.errors import Conflict
from ethics.models import Institution, User
from ethics.regulations import Problem
from ethics.services import invalid, require, site_text
from oversight import quality_checklist, quality_clocks
from oversight.models_quality import (
    SHORTCOMINGS,
    AuditSample,
    CorrectiveAction,
    CorrectiveState,
    EvaluationItem,
    EvaluationState,
    ExpertInterest,
    Finding,
    PanelSeat,
    PoolExpert,
    QualityAudit,
    RereviewPanel,
    SampleFinding,
    SelfEvaluation,
)
from oversight.quality_policies import may_keep_pool, may_organise_panel
from reviews.models import Application, ConflictDeclaration, Project, ReReview, ReReviewState
from reviews.policies import is_conflicted

#: The most reviews one audit samples (a page of findings stays workable).
MAX_SAMPLE = 100


def _conflict(code: str, message: Any, rule: str, problems: Sequence[Problem] = ()) -> Conflict:
    return Conflict(code, message, rule=rule, problems=[p.as_dict() for p in problems])


def _lock_committee(committee_id: int, actor: User) -> Committee:
    committee = Committee.objects.select_for_update(of=("self",)).filter(pk=committee_id).first()
    if committee is None or not may_manage_committee(actor, committee):
        raise PermissionDenied
    return committee


def _lock_evaluation(evaluation_id: int, actor: User) -> SelfEvaluation:
    evaluation = (
        SelfEvaluation.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=evaluation_id)
    )
    require(actor, "change", evaluation)
    return evaluation


def _require_open(evaluation: SelfEvaluation) -> None:
    if evaluation.state != EvaluationState.OPEN:
        raise Conflict(
            "evaluation_closed",
            _("The self-evaluation is closed; it can no longer change."),
            rule="B1",
        )


def _check_period(start: date | None, end: date | None) -> tuple[date, date]:
    if start is None:
        raise invalid("period_start", _("A date is required."), "required")
    if end is None:
        raise invalid("period_end", _("A date is required."), "required")
    if end < start:
        raise invalid("period_end", _("The period cannot end before it starts."), "invalid")
    if end > timezone.localdate():
        raise invalid("period_end", _("The date cannot be in the future."), "invalid")
    return start, end


# --- self-evaluation (B1) -----------------------------------------------------------------------


@transaction.atomic
def evaluation_open(
    *, committee_id: int, period_start: date | None, period_end: date | None, actor: User
) -> SelfEvaluation:
    """B1: open a self-evaluation of the period with every checklist item to answer."""
    committee = _lock_committee(committee_id, actor)
    start, end = _check_period(period_start, period_end)
    if SelfEvaluation.objects.filter(committee=committee, state=EvaluationState.OPEN).exists():
        raise Conflict(
            "evaluation_in_progress",
            _("A self-evaluation of this committee is in progress; close it first."),
            rule="B1",
        )
    evaluation = SelfEvaluation.objects.create(
        committee=committee, period_start=start, period_end=end, opened_by=actor
    )
    EvaluationItem.objects.bulk_create(
        EvaluationItem(evaluation=evaluation, code=code, position=n)
        for n, code in enumerate(quality_checklist.codes(), start=1)
    )
    audit.record(
        actor=actor,
        action="quality.evaluation_open",
        target=evaluation,
        after={"period_start": start.isoformat(), "period_end": end.isoformat(), "rule": "B1"},
    )
    return evaluation


@transaction.atomic
def item_answer(
    *, evaluation_id: int, item_id: int, finding: str, evidence: str, actor: User
) -> EvaluationItem:
    """B1: answer one checklist item with its finding and the evidence for it."""
    evaluation = _lock_evaluation(evaluation_id, actor)
    _require_open(evaluation)
    item = (
        EvaluationItem.objects.select_for_update(of=("self",))
        .filter(pk=item_id, evaluation=evaluation)
        .first()
    )
    if item is None:
        raise invalid("item", _("This item is not on the self-evaluation."), "does_not_exist")
    if finding not in Finding.values:
        raise invalid("finding", _("Choose a finding."), "invalid_choice")
    if not evidence.strip():
        raise invalid("evidence", _("Give the evidence for the finding."), "required")
    before = {"finding": item.finding}
    item.finding = finding
    item.evidence = evidence.strip()
    item.answered_by = actor
    item.answered_at = timezone.now()
    item.save(update_fields=["finding", "evidence", "answered_by", "answered_at"])
    audit.record(
        actor=actor,
        action="quality.item_answer",
        target=evaluation,
        before=before,
        after={"item": item.code, "finding": finding, "rule": "B1"},
    )
    return item


@transaction.atomic
def corrective_add(
    *,
    evaluation_id: int,
    description: str,
    actor: User,
    due_on: date | None = None,
    owner: User | None = None,
    item_id: int | None = None,
) -> CorrectiveAction:
    """B1: a corrective action with its due date on a clock (reminders to its owner)."""
    evaluation = _lock_evaluation(evaluation_id, actor)
    _require_open(evaluation)
    if not description.strip():
        raise invalid("description", _("Describe the corrective action."), "required")
    item = None
    if item_id is not None:
        item = EvaluationItem.objects.filter(pk=item_id, evaluation=evaluation).first()
        if item is None:
            raise invalid("item", _("This item is not on the self-evaluation."), "does_not_exist")
    today = timezone.localdate()
    rules = effective_rules(evaluation.committee)
    due_on = due_on or today + timedelta(days=rules.corrective_action_days.value)
    if due_on < today:
        raise invalid("due_on", _("The due date cannot be in the past."), "invalid")
    action = CorrectiveAction.objects.create(
        evaluation=evaluation,
        item=item,
        description=description.strip(),
        owner=owner,
        due_on=due_on,
        created_by=actor,
    )
    kernel.deadline_open(
        kind=quality_clocks.CORRECTIVE_ACTION,
        subject=action,
        due_at=deadlines.end_of_day(due_on),
        title=site_text(_("Corrective action: %(what)s"), what=action.description[:80]),
        rule="B1",
        committee_id=evaluation.committee_id,
        actor=actor,
    )
    audit.record(
        actor=actor,
        action="quality.corrective_add",
        target=evaluation,
        after={"corrective_action": action.pk, "due_on": due_on.isoformat(), "rule": "B1"},
    )
    if owner is not None:
        kernel.notify(
            recipients=[owner],
            title=_("You are responsible for a corrective action due on %(due)s"),
            params={"due": due_on.isoformat()},
            url=_evaluation_url(evaluation),
            cause="quality.corrective_add (B1)",
        )
    return action


@transaction.atomic
def corrective_close(
    *, evaluation_id: int, action_id: int, outcome: str, actor: User
) -> CorrectiveAction:
    """B1: record what was done; the action's clock is met."""
    evaluation = _lock_evaluation(evaluation_id, actor)
    action = (
        CorrectiveAction.objects.select_for_update(of=("self",))
        .filter(pk=action_id, evaluation=evaluation)
        .first()
    )
    if action is None:
        raise invalid(
            "action", _("This corrective action is not on the self-evaluation."), "does_not_exist"
        )
    if action.state != CorrectiveState.OPEN:
        raise Conflict(
            "corrective_done", _("The corrective action is already completed."), rule="B1"
        )
    if not outcome.strip():
        raise invalid("outcome", _("Say what was done."), "required")
    action.state = CorrectiveState.DONE
    action.outcome = outcome.strip()
    action.closed_by = actor
    action.closed_at = timezone.now()
    action.save(update_fields=["state", "outcome", "closed_by", "closed_at"])
    kernel.deadline_close(kind=quality_clocks.CORRECTIVE_ACTION, subject=action, actor=actor)
    audit.record(
        actor=actor,
        action="quality.corrective_close",
        target=evaluation,
        before={"state": CorrectiveState.OPEN},
        after={"corrective_action": action.pk, "state": action.state, "rule": "B1"},
    )
    return action


def closure_problems(evaluation: SelfEvaluation) -> list[Problem]:
    """B1: every item answered, and every shortcoming with a corrective action."""
    problems: list[Problem] = []
    items = list(evaluation.items.annotate(actions=Count("corrective_actions")))
    for item in items:
        name = quality_checklist.label(item.code)
        if not item.finding:
            problems.append(
                Problem(
                    "evaluation_item_unanswered",
                    "B1",
                    regulations.lazy_message(_("“%(item)s” is not answered."), item=name),
                    {"item": item.code},
                )
            )
        elif item.finding in SHORTCOMINGS and not item.actions:
            problems.append(
                Problem(
                    "evaluation_shortcoming_without_action",
                    "B1",
                    regulations.lazy_message(
                        _("“%(item)s” found a shortcoming but has no corrective action."), item=name
                    ),
                    {"item": item.code},
                )
            )
    return problems


@transaction.atomic
def evaluation_close(*, evaluation_id: int, summary: str, actor: User) -> SelfEvaluation:
    """B1: close the self-evaluation once every item is answered (409 with every gap)."""
    evaluation = _lock_evaluation(evaluation_id, actor)
    _require_open(evaluation)
    if not summary.strip():
        raise invalid("summary", _("Summarise the self-evaluation."), "required")
    problems = closure_problems(evaluation)
    if problems:
        raise _conflict(
            "evaluation_incomplete",
            _("The self-evaluation cannot be closed yet."),
            "B1",
            problems,
        )
    evaluation.state = EvaluationState.CLOSED
    evaluation.summary = summary.strip()
    evaluation.closed_by = actor
    evaluation.closed_at = timezone.now()
    evaluation.save(update_fields=["state", "summary", "closed_by", "closed_at"])
    audit.record(
        actor=actor,
        action="quality.evaluation_close",
        target=evaluation,
        before={"state": EvaluationState.OPEN},
        after={"state": EvaluationState.CLOSED, "rule": "B1"},
    )
    return evaluation


def _evaluation_url(evaluation: SelfEvaluation) -> str:
    from django.urls import reverse

    return reverse("oversight:quality-evaluation-detail", args=[evaluation.pk])


# --- quality audit of past reviews (B1) ---------------------------------------------------------


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=deadlines.SHANGHAI)


def population_ids(committee: Committee, start: date, end: date) -> list[int]:
    """The decided applications of the committee in the period, by id (what a seed draws from)."""
    return list(
        Application.objects.filter(
            committee=committee,
            decided_at__gte=_day_start(start),
            decided_at__lt=_day_start(end + timedelta(days=1)),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def draw(ids: Sequence[int], size: int, seed: str) -> list[int]:
    """The sample: ``random.Random(seed).sample(ids, size)`` (all of them when fewer)."""
    return random.Random(seed).sample(list(ids), min(size, len(ids)))  # noqa: S311 - not crypto


@transaction.atomic
def audit_draw(
    *,
    committee_id: int,
    period_start: date | None,
    period_end: date | None,
    size: int,
    actor: User,
    seed: str = "",
) -> QualityAudit:
    """B1: sample `size` decided applications of the period at random; the seed is recorded so
    the same sample can be drawn again."""
    committee = _lock_committee(committee_id, actor)
    start, end = _check_period(period_start, period_end)
    if not 1 <= size <= MAX_SAMPLE:
        raise invalid("size", _("Sample between 1 and 100 reviews."), "invalid")
    seed = seed.strip() or secrets.token_hex(8)
    ids = population_ids(committee, start, end)
    if not ids:
        raise Conflict(
            "audit_nothing_to_sample",
            _("The committee decided no application in this period."),
            rule="B1",
        )
    chosen = draw(ids, size, seed)
    quality_audit = QualityAudit.objects.create(
        committee=committee,
        period_start=start,
        period_end=end,
        requested_size=size,
        seed=seed,
        population=len(ids),
        created_by=actor,
    )
    AuditSample.objects.bulk_create(
        AuditSample(audit=quality_audit, application_id=pk, position=n)
        for n, pk in enumerate(chosen, start=1)
    )
    audit.record(
        actor=actor,
        action="quality.audit_draw",
        target=quality_audit,
        after={
            "seed": seed,
            "population": len(ids),
            "sampled": chosen,
            "rule": "B1",
        },
    )
    return quality_audit


@transaction.atomic
def sample_record(
    *, audit_id: int, sample_id: int, finding: str, notes: str, actor: User
) -> AuditSample:
    """B1: the auditor's finding on one sampled review (never by someone conflicted, R20a)."""
    quality_audit = (
        QualityAudit.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=audit_id)
    )
    require(actor, "change", quality_audit)
    sample = (
        AuditSample.objects.select_for_update(of=("self",))
        .select_related("application")
        .filter(pk=sample_id, audit=quality_audit)
        .first()
    )
    if sample is None:
        raise invalid("sample", _("This review is not in the sample."), "does_not_exist")
    if finding not in SampleFinding.values:
        raise invalid("finding", _("Choose a finding."), "invalid_choice")
    if finding == SampleFinding.ISSUE and not notes.strip():
        raise invalid("notes", _("Describe the issue found."), "required")
    if is_conflicted(actor, sample.application):
        raise Conflict(
            "auditor_conflicted",
            _(
                "You declared a conflict of interest on this application; another officer audits it."
            ),
            rule="R20a",
        )
    before = {"finding": sample.finding}
    sample.finding = finding
    sample.notes = notes.strip()
    sample.auditor = actor
    sample.recorded_at = timezone.now()
    sample.save(update_fields=["finding", "notes", "auditor", "recorded_at"])
    audit.record(
        actor=actor,
        action="quality.sample_record",
        target=quality_audit,
        before=before,
        after={"application": sample.application_id, "finding": finding, "rule": "B1"},
    )
    return sample


# --- the annual report (B1) ---------------------------------------------------------------------


def annual_figures(committee: Committee, year: int) -> dict[str, int]:
    """Quality control's figures of one year for the annual report (B1): self-evaluations
    opened and closed, shortcomings found, corrective actions (opened in the year, completed in
    it, still open at its end), quality audits, reviews sampled and issues found."""
    start, end = _day_start(date(year, 1, 1)), _day_start(date(year + 1, 1, 1))
    in_year = Q(opened_at__gte=start, opened_at__lt=end)
    evaluations = SelfEvaluation.objects.filter(committee=committee)
    actions = CorrectiveAction.objects.filter(evaluation__committee=committee)
    audits = QualityAudit.objects.filter(
        committee=committee, created_at__gte=start, created_at__lt=end
    )
    evaluated = evaluations.aggregate(
        opened=Count("id", filter=in_year),
        closed=Count("id", filter=Q(closed_at__gte=start, closed_at__lt=end)),
    )
    acted = actions.aggregate(
        opened=Count("id", filter=Q(created_at__gte=start, created_at__lt=end)),
        closed=Count("id", filter=Q(closed_at__gte=start, closed_at__lt=end)),
        still_open=Count(
            "id",
            filter=Q(created_at__lt=end) & (Q(closed_at__isnull=True) | Q(closed_at__gte=end)),
        ),
    )
    sampled = AuditSample.objects.filter(audit__in=audits).aggregate(
        samples=Count("id"),
        issues=Count("id", filter=Q(finding=SampleFinding.ISSUE)),
    )
    return {
        "self_evaluations": evaluated["opened"],
        "self_evaluations_closed": evaluated["closed"],
        "findings": EvaluationItem.objects.filter(
            evaluation__in=evaluations.filter(in_year), finding__in=SHORTCOMINGS
        ).count(),
        "corrective_actions": acted["opened"],
        "corrective_actions_closed": acted["closed"],
        "corrective_actions_open": acted["still_open"],
        "quality_audits": audits.count(),
        "reviews_sampled": sampled["samples"],
        "reviews_with_issues": sampled["issues"],
    }


# --- the re-review expert pool (R40, B11) -------------------------------------------------------


@transaction.atomic
def expert_add(
    *,
    actor: User,
    name: str,
    fields_of_work: Iterable[str],
    committee: Committee | None = None,
    authority: str = "",
    user: User | None = None,
    institution: Institution | None = None,
    affiliation: str = "",
    declared_interests: str = "",
) -> PoolExpert:
    """B11: put an expert in the pool kept by a regional committee or by an authority."""
    if (committee is None) == (not authority):
        raise invalid(
            "committee", _("Name either the keeping committee or the keeping authority."), "invalid"
        )
    if committee is not None:
        committee = Committee.objects.select_for_update(of=("self",)).get(pk=committee.pk)
    if not may_keep_pool(actor, committee):
        raise PermissionDenied
    codes = list(dict.fromkeys(fields_of_work))
    if not codes:
        raise invalid("fields_of_work", _("Name at least one field."), "required")
    if any(code not in FieldOfWork.values for code in codes):
        raise invalid("fields_of_work", _("Choose fields from the list."), "invalid_choice")
    name = name.strip() or (user.get_full_name() or user.get_username() if user else "")
    if not name:
        raise invalid("name", _("Give the expert's name."), "required")
    if user is not None and PoolExpert.objects.filter(user=user, active=True).exists():
        raise Conflict("expert_in_pool", _("This person is already in the pool."), rule="B11")
    expert = PoolExpert.objects.create(
        committee=committee,
        authority=authority,
        user=user,
        name=name,
        fields_of_work=codes,
        institution=institution or (user.institution if user else None),
        affiliation=affiliation.strip(),
        declared_interests=declared_interests.strip(),
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="pool.expert_add",
        target=expert,
        after={"name": expert.name, "fields": codes, "rule": "B11"},
    )
    return expert


@transaction.atomic
def interest_add(
    *,
    expert_id: int,
    description: str,
    actor: User,
    institution: Institution | None = None,
    project: Project | None = None,
) -> ExpertInterest:
    """R40: an interest the expert declared in an institution or a project."""
    expert = (
        PoolExpert.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=expert_id)
    )
    require(actor, "change", expert)
    if institution is None and project is None:
        raise invalid("institution", _("Name the institution or the project."), "required")
    if not description.strip():
        raise invalid("description", _("Describe the interest."), "required")
    interest = ExpertInterest.objects.create(
        expert=expert,
        institution=institution,
        project=project,
        description=description.strip(),
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="pool.interest_add",
        target=expert,
        after={
            "institution": institution.pk if institution else None,
            "project": project.pk if project else None,
            "rule": "R40",
        },
    )
    return interest


def _problem(code: str, message: Any, **values: Any) -> Problem:
    return Problem(
        code,
        "R40",
        regulations.lazy_message(message, **values),
        {k: str(v) for k, v in values.items()},
    )


def panel_problems(
    rereview: ReReview, experts: Sequence[PoolExpert], rules: regulations.RuleSet
) -> list[Problem]:
    """R40 (B11): at least the minimum of experts, none on the originating committee's roster or
    from its institution or the project's, none with a declared interest or conflict."""
    application = rereview.application
    committee = application.committee
    institutions = {committee.institution_id, application.project.institution_id}
    problems: list[Problem] = []
    minimum = rules.rereview_panel_min
    if len(experts) < minimum.value:
        problems.append(
            _problem(
                "rereview_panel_too_small",
                _("The re-review panel has %(size)s experts; at least %(required)s are required."),
                size=len(experts),
                required=minimum.value,
            )
        )
    user_ids = {e.user_id for e in experts if e.user_id}
    roster = set(
        Membership.objects.in_term(on=timezone.localdate())
        .filter(committee=committee, user_id__in=user_ids)
        .values_list("user_id", flat=True)
    )
    user_institutions = dict(
        User.objects.filter(pk__in=user_ids).values_list("pk", "institution_id")
    )
    declared = set(
        ConflictDeclaration.objects.active()
        .filter(application=application, user_id__in=user_ids)
        .values_list("user_id", flat=True)
    )
    interested = set(
        ExpertInterest.objects.filter(expert__in=[e.pk for e in experts])
        .filter(Q(project_id=application.project_id) | Q(institution_id__in=institutions))
        .values_list("expert_id", flat=True)
    )
    for expert in experts:
        if not expert.active:
            problems.append(
                _problem(
                    "rereview_panel_expert_left",
                    _("%(name)s is no longer in the expert pool."),
                    name=expert.name,
                )
            )
        if expert.user_id in roster:
            problems.append(
                _problem(
                    "rereview_panel_overlap",
                    _("%(name)s sits on the committee that did the preliminary review."),
                    name=expert.name,
                )
            )
        from_institution = expert.institution_id in institutions or (
            expert.user_id is not None and user_institutions.get(expert.user_id) in institutions
        )
        if from_institution:
            problems.append(
                _problem(
                    "rereview_panel_same_institution",
                    _("%(name)s is from the originating institution."),
                    name=expert.name,
                )
            )
        if expert.pk in interested or expert.user_id in declared:
            problems.append(
                _problem(
                    "rereview_panel_declared_conflict",
                    _("%(name)s declared an interest in this project or its institution."),
                    name=expert.name,
                )
            )
    return problems


def _expert_users(experts: Sequence[PoolExpert]) -> list[User]:
    """The accounts of the experts who are users of the system (external experts have none)."""
    ids = [e.user_id for e in experts if e.user_id is not None]
    return list(User.objects.filter(pk__in=ids).order_by("pk")) if ids else []


def banned_problems(rereview: ReReview, experts: Sequence[PoolExpert]) -> list[Problem]:
    """R57: the blocking eligibility problems of the seated experts' accounts (a ban in force)."""
    return [
        problem
        for user in _expert_users(experts)
        for problem in hooks.eligibility_problems(user, "reviewer", subject=rereview.application)
        if not hooks.is_warning(problem)
    ]


def seated_experts(rereview: ReReview) -> list[PoolExpert] | None:
    """The experts seated for the re-review, or None when no panel was seated from the pool."""
    panel = RereviewPanel.objects.filter(rereview=rereview).first()
    if panel is None:
        return None
    return [
        seat.expert
        for seat in PanelSeat.objects.filter(panel=panel).select_related("expert").order_by("id")
    ]


@transaction.atomic
def panel_seat(*, rereview_id: int, experts: Sequence[PoolExpert], actor: User) -> RereviewPanel:
    """R40: seat the panel for one re-review from the pool, checked first (409 with every
    problem); a panel may be seated again until the opinion is recorded."""
    rereview = (
        ReReview.objects.select_for_update(of=("self",))
        .select_related("application__committee", "application__project")
        .get(pk=rereview_id)
    )
    if not may_organise_panel(actor, rereview):
        raise PermissionDenied
    if rereview.state not in (ReReviewState.PREPARING, ReReviewState.SUBMITTED):
        raise Conflict(
            "rereview_already_recorded",
            _("The re-review opinion is already recorded; its panel cannot change."),
            rule="R40",
        )
    experts = list(dict.fromkeys(experts))
    problems = panel_problems(rereview, experts, rereview.application.rules)
    # R57: a banned expert is not seated (the sanctions' eligibility check, through the kernel).
    try:
        hooks.require_eligible(_expert_users(experts), "reviewer", subject=rereview.application)
    except Conflict as banned:
        if not problems:
            raise
        raise Conflict(
            problems[0].code,
            _("The re-review panel does not meet R40."),
            rule="R40",
            problems=[*(p.as_dict() for p in problems), *banned.problems],
        ) from banned
    if problems:
        raise _conflict(
            problems[0].code, _("The re-review panel does not meet R40."), "R40", problems
        )
    panel, created = RereviewPanel.objects.get_or_create(
        rereview=rereview, defaults={"seated_by": actor}
    )
    before = {"experts": list(panel.seats.values_list("expert_id", flat=True))}
    if not created:
        panel.seats.all().delete()
        panel.seated_by = actor
        panel.seated_at = timezone.now()
        panel.save(update_fields=["seated_by", "seated_at"])
    PanelSeat.objects.bulk_create(PanelSeat(panel=panel, expert=e) for e in experts)
    audit.record(
        actor=actor,
        action="pool.panel_seat",
        target=rereview.application,
        before=before if not created else None,
        after={"rereview": rereview.pk, "experts": [e.pk for e in experts], "rule": "R40"},
    )
    return panel


def panel_check(rereview: ReReview, panel_size: int) -> list[Problem]:
    """Registered with reviews (register_panel_check): before an opinion is recorded, the seated
    panel is checked again (an interest declared since counts) and the stated size must be the
    number seated. R40 is a gate: without a panel seated from the pool no opinion is recorded."""
    experts = seated_experts(rereview)
    if experts is None:
        return [
            _problem(
                "rereview_panel_not_seated",
                _("Seat the re-review panel from the expert pool before recording its opinion."),
            )
        ]
    problems = panel_problems(rereview, experts, rereview.application.rules)
    problems += banned_problems(rereview, experts)  # a ban that came into force since seating
    if panel_size != len(experts):
        problems.append(
            _problem(
                "rereview_panel_size_differs",
                _("The panel size given (%(given)s) is not the %(seated)s experts seated."),
                given=panel_size,
                seated=len(experts),
            )
        )
    return problems
