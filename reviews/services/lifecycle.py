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
from reviews.services.determinations import partner_approvals_problem
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


def listed_update_open(
    project: Project, rules: regulations.RuleSet, actor: User | None, *, event: str
) -> None:
    """R51 "及时更新": a listed activity's registration is updated after an approved amendment,
    a suspension, a termination or the closure, within the registration period of the event.

    The registry opens the update filing from this clock (registry.services.FILING_FOR_DEADLINE).
    """
    if not project.listed:
        return
    days = rules.listed_registration_days
    kernel.deadline_open(
        kind=clocks.LISTED_UPDATE,
        subject=project,
        due_at=deadlines.day_period_due_at(
            timezone.now(),
            days.value,
            calendar=working_calendar(),
            roll_forward=rules.roll_forward_rest_days.value,
        ),
        title=site_text(
            _("Update the registration of the listed activity %(title)s"), title=project.title
        ),
        rule=days.rule,
        committee_id=project.committee_id,
        actor=actor,
    )
    record(actor, "project.listed_update_due", project, after={"event": event, "rule": "R51"})


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
        listed_update_open(project, application.rules, actor, event="amendment")
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
    if project.status == ProjectStatus.TERMINATED and decision.outcome != Outcome.TERMINATE:
        project_move(project, ProjectAction.REINSTATE, actor, rule="R27")  # an upheld appeal
    if decision.outcome == Outcome.CONTINUE:
        if project.status == ProjectStatus.SUSPENDED:
            project_move(project, ProjectAction.RESUME, actor, rule="R28")
        if application.kind == Kind.TRACKING or decision.next_tracking_due is not None:
            tracking_schedule(project, decision, actor)
        return
    if decision.outcome == Outcome.SUSPEND:
        if project.status != ProjectStatus.SUSPENDED:
            project_move(project, ProjectAction.SUSPEND, actor, rule="R28")
        if application.kind == Kind.TRACKING:
            tracking_schedule(project, decision, actor)
        title = _("%(title)s is suspended by the ethics committee (%(number)s)")
        listed_update_open(project, application.rules, actor, event="suspension")
    else:
        if project.status != ProjectStatus.TERMINATED:  # an appeal may confirm it (R27)
            project_move(project, ProjectAction.TERMINATE, actor, rule="R28")
            retention_start(project, retention_years(application), actor, event="termination")
        kernel.deadline_close(
            kind=clocks.TRACKING_REVIEW,
            subject=project,
            state=DeadlineState.WAIVED,
            actor=actor,
            reason="terminated",
        )
        title = _("%(title)s is terminated by the ethics committee (%(number)s)")
        listed_update_open(project, application.rules, actor, event="termination")
    notify_project(
        applicants(project), project, title, "project.status (R28)", number=decision.number
    )


def retention_years(application: Application) -> int:
    """R61: the rule set's minimum, lengthened (never shortened) by RECORD_RETENTION_YEARS."""
    configured = int(getattr(settings, "RECORD_RETENTION_YEARS", 0) or 0)
    return max(application.rules.retention_years.value, configured)


def retention_start(project: Project, years: int, actor: User | None, *, event: str) -> None:
    """R61: a closed record is kept at least `years` from the day it closed; the date is set
    on the event (closure, termination, disapproval, withdrawal) and nothing is deleted before.

    The caller holds the project row lock.
    """
    now = timezone.now()
    project.closed_at = now
    project.retain_until = deadlines.add_months(timezone.localdate(now), 12 * years)
    project.save(update_fields=["closed_at", "retain_until", "updated_at"])
    record(
        actor,
        "project.retention",
        project,
        after={"retain_until": project.retain_until, "event": event, "rule": "R61"},
    )


def closure_take_effect(application: Application, actor: User) -> None:
    """结题 ends tracking and starts the retention clock (R61); nothing is deleted before it ends."""
    project = lock_project(application.project_id)
    project_move(project, ProjectAction.COMPLETE, actor, rule="R61")
    retention_start(project, retention_years(application), actor, event="closure")
    kernel.deadline_close(
        kind=clocks.TRACKING_REVIEW,
        subject=project,
        state=DeadlineState.WAIVED,
        actor=actor,
        reason="closed",
    )
    listed_update_open(project, application.rules, actor, event="closure")
    notify_project(
        applicants(project),
        project,
        _("%(title)s is closed; its records are kept until at least %(until)s"),
        "project.complete (R61)",
        until=f"{project.retain_until:%Y-%m-%d}",
    )


def exemption_take_effect(application: Application, actor: User) -> None:
    """N10: the committee exempted the activity from ethics review; a planned activity may then
    start (no approval and no tracking review follow)."""
    project = lock_project(application.project_id)
    if project.status == ProjectStatus.PLANNED:
        project_move(project, ProjectAction.APPROVE, actor, rule="N10")
    notify_project(
        applicants(project),
        project,
        _("%(title)s is exempt from ethics review"),
        "project.exempt (N10)",
    )


def closed_without_approval(application: Application, actor: User, *, event: str) -> None:
    """R61: an initial application disapproved or withdrawn while the activity is still only
    planned closes the record; its retention date is set now."""
    if application.kind != Kind.INITIAL:
        return
    project = lock_project(application.project_id)
    if project.status != ProjectStatus.PLANNED:
        return
    retention_start(project, retention_years(application), actor, event=event)


@transaction.atomic
def project_start(*, project_id: int, actor: User) -> Project:
    """The lead starts an approved activity (R58: never before approval and re-review; R16: an
    international one only with its partner approvals on file or a recorded waiver)."""
    project = lock_project(project_id)
    require(actor, "start", project)
    workflow.project_next_status(project.status, ProjectAction.START)
    problem = partner_approvals_problem(project)
    if problem is not None:
        raise problem
    return project_move(project, ProjectAction.START, actor, rule="R58")
