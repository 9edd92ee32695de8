"""The project lifecycle after approval: tracking (R28, R45), amendments (R31a), closure (R61)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics import deadlines, regulations
from ethics import services as kernel
from ethics.models import DeadlineState, User
from ethics.selectors import working_calendar
from ethics.services import require, site_text
from reviews import clocks, workflow
from reviews.models import (
    Application,
    Decision,
    DecisionStage,
    Outcome,
    Project,
)
from reviews.services._common import (
    applicants,
    lock_project,
    notify_project,
    record,
    secretaries,
)
from reviews.workflow import Kind, ProjectAction, ProjectStatus

# --- the project lifecycle (R28, R31a, R45, R51, R58, R61) ------------------------------------


def project_move(
    project: Project, action: str, actor: User | None, *, reason: str = "", rule: str = ""
) -> Project:
    """Move a locked project along workflow.PROJECT_TRANSITIONS, audited (409 if not allowed)."""
    new = workflow.project_next_status(project.status, action)
    before = project.status
    project.status = new
    project.save(update_fields=["status", "updated_at"])
    record(
        actor,
        f"project.{action}",
        project,
        {"status": before},
        {"status": new, "rule": rule} if rule else {"status": new},
        reason,
    )
    return project


def _tracking_title(project: Project) -> str:
    return site_text(_("Tracking review of %(title)s"), title=project.title)


def tracking_schedule(project: Project, decision: Decision, actor: User | None) -> None:
    """R28/R45: the tracking clock restarts from the decision's next tracking review date."""
    kernel.deadline_close(kind=clocks.TRACKING_REVIEW, subject=project, actor=actor)
    if decision.next_tracking_due is None:
        return
    rules = decision.application.rules
    interval = regulations.tracking_interval(rules, listed=project.listed)
    kernel.deadline_open(
        kind=clocks.TRACKING_REVIEW,
        subject=project,
        due_at=deadlines.end_of_day(decision.next_tracking_due),
        title=_tracking_title(project),
        rule=interval.rule,
        committee_id=project.committee_id,
        actor=actor,
    )
    notify_project(
        [project.lead, *secretaries(project.committee_id)],
        project,
        _("Next tracking review of %(title)s is due by %(due)s"),
        f"tracking_review ({interval.rule})",
        due=f"{decision.next_tracking_due:%Y-%m-%d}",
    )


def _listed_registration(project: Project, decision: Decision, actor: User) -> None:
    """R51: register the listed activity within 30 days of the FINAL approval (§6.5)."""
    rules = decision.application.rules
    days = rules.listed_registration_days
    kernel.deadline_open(
        kind=clocks.LISTED_REGISTRATION,
        subject=project,
        due_at=deadlines.day_period_due_at(
            decision.decided_at,
            days.value,
            calendar=working_calendar(),
            roll_forward=rules.roll_forward_rest_days.value,
        ),
        title=site_text(_("Register the listed activity %(title)s"), title=project.title),
        rule=days.rule,
        committee_id=project.committee_id,
        actor=actor,
    )


def approval_take_effect(application: Application, decision: Decision, actor: User) -> None:
    """An approval that lets the activity proceed: project approved, tracking clock, filing."""
    project = application.project
    if application.kind == Kind.CLOSURE:
        closure_take_effect(application, actor)
        return
    if application.kind in workflow.APPROVING_KINDS:
        if project.status == ProjectStatus.PLANNED:
            project_move(project, ProjectAction.APPROVE, actor, rule="R58")
        tracking_schedule(project, decision, actor)
        if project.listed and decision.stage == DecisionStage.FINAL:
            _listed_registration(project, decision, actor)
        return
    if application.kind == Kind.AMENDMENT:
        # R31a: an amendment takes effect only with its approval; so does its team change (R20a).
        from reviews.services.team import amendment_team_apply

        amendment_team_apply(application, actor)
        record(
            actor,
            "amendment.effective",
            project,
            after={"application": application.ref, "decision": decision.number},
        )
        notify_project(
            applicants(project),
            project,
            _("The amendment %(ref)s of %(title)s is approved and takes effect"),
            "amendment.effective (R31a)",
            ref=application.ref or "",
        )


def tracking_outcome(application: Application, decision: Decision, actor: User) -> None:
    """R28: continue, suspend or terminate; suspension and termination tell the team."""
    project = application.project
    if decision.outcome == Outcome.CONTINUE:
        if project.status == ProjectStatus.SUSPENDED:
            project_move(project, ProjectAction.RESUME, actor, rule="R28")
        if application.kind == Kind.TRACKING:
            tracking_schedule(project, decision, actor)
        return
    if decision.outcome == Outcome.SUSPEND:
        if project.status != ProjectStatus.SUSPENDED:
            project_move(project, ProjectAction.SUSPEND, actor, rule="R28")
        if application.kind == Kind.TRACKING:
            tracking_schedule(project, decision, actor)
        title = _("%(title)s is suspended by the ethics committee (%(number)s)")
    else:
        project_move(project, ProjectAction.TERMINATE, actor, rule="R28")
        kernel.deadline_close(
            kind=clocks.TRACKING_REVIEW,
            subject=project,
            state=DeadlineState.WAIVED,
            actor=actor,
            reason="terminated",
        )
        title = _("%(title)s is terminated by the ethics committee (%(number)s)")
    notify_project(
        applicants(project), project, title, "project.status (R28)", number=decision.number
    )


def retention_years(application: Application) -> int:
    """R61: the rule set's minimum, lengthened (never shortened) by RECORD_RETENTION_YEARS."""
    configured = int(getattr(settings, "RECORD_RETENTION_YEARS", 0) or 0)
    return max(application.rules.retention_years.value, configured)


def closure_take_effect(application: Application, actor: User) -> None:
    """结题 ends tracking and starts the retention clock (R61); nothing is deleted before it ends."""
    project = lock_project(application.project_id)
    project_move(project, ProjectAction.COMPLETE, actor, rule="R61")
    now = timezone.now()
    project.closed_at = now
    project.retain_until = deadlines.add_months(
        timezone.localdate(now), 12 * retention_years(application)
    )
    project.save(update_fields=["closed_at", "retain_until", "updated_at"])
    kernel.deadline_close(
        kind=clocks.TRACKING_REVIEW,
        subject=project,
        state=DeadlineState.WAIVED,
        actor=actor,
        reason="closed",
    )
    record(
        actor,
        "project.retention",
        project,
        after={"retain_until": project.retain_until, "rule": "R61"},
    )
    notify_project(
        applicants(project),
        project,
        _("%(title)s is closed; its records are kept until at least %(until)s"),
        "project.complete (R61)",
        until=f"{project.retain_until:%Y-%m-%d}",
    )


@transaction.atomic
def project_start(*, project_id: int, actor: User) -> Project:
    """The lead starts an approved activity (R58: never before approval and re-review)."""
    project = lock_project(project_id)
    require(actor, "start", project)
    return project_move(project, ProjectAction.START, actor, rule="R58")
