"""Incidents (R30; BJ 五（一）、五（二）), the risk register (R36, R45) and funded programmes (R59).

Every state change here locks its row, checks the permission and the rules, writes the audit row
in the same transaction, opens or closes its kernel clock and notifies through the inbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from committees.models import Committee, Membership, Role
from committees.selectors import committee_rules
from ethics import audit, deadlines, jobs, pdf, regulations
from ethics.errors import Conflict
from ethics.models import DeadlineState, User
from ethics.regulations import Problem
from ethics.selectors import working_calendar
from ethics.services import deadline_close, deadline_open, invalid, notify, require, site_text
from oversight import incidents_clocks as clocks
from oversight.incidents_policies import in_project, manages
from oversight.models_incidents import (
    ApprovalStatement,
    Funding,
    Incident,
    IncidentFollowUp,
    IncidentStatus,
    RiskEntry,
    RiskLevel,
    RiskReview,
    Severity,
)
from reviews.models import Decision, Outcome, Project

STATEMENT_TEMPLATE = "pdf/oversight/approval_statement.html"


# --- people to tell ------------------------------------------------------------------------------


def officers(committee_id: int, roles: list[str]) -> list[User]:
    """The committee's people in `roles` (in term today)."""
    today = timezone.localdate()
    return [
        m.user
        for m in Membership.objects.in_term(on=today)
        .filter(committee_id=committee_id, role__in=roles)
        .select_related("user")
        .order_by("role", "id")
    ]


def handlers(committee_id: int) -> list[User]:
    """Who handles an incident: the secretaries, else the chair."""
    return officers(committee_id, [Role.SECRETARY]) or officers(committee_id, [Role.CHAIR])


def escalation_recipients(committee: Committee) -> list[User]:
    """B4: the chair (and vice-chairs) and the institution's admins."""
    admins = list(
        User.objects.filter(
            institution_id=committee.institution_id, institution_admin=True, is_active=True
        ).order_by("id")
    )
    return [*officers(committee.pk, [Role.CHAIR, Role.VICE_CHAIR]), *admins]


def _project_people(project: Project) -> list[User]:
    return [project.lead, *project.team.all()]


# --- incidents -----------------------------------------------------------------------------------


def report_due(aware_at: datetime, rules: regulations.RuleSet) -> datetime:
    """R30: when the report of an incident is due, counted in hours from becoming aware."""
    return deadlines.hour_period_due_at(aware_at, rules.incident_report_hours.value)


def is_late(reported_at: datetime, due_at: datetime) -> bool:
    """R30: a report at the due moment or later is late (the period is exclusive)."""
    return reported_at >= due_at


def _incident_url(incident: Incident) -> str:
    return reverse("oversight:incident-detail", args=[incident.pk])


def _snapshot(incident: Incident) -> dict[str, Any]:
    return {"status": incident.status, "severity": incident.severity, "kind": incident.kind}


@transaction.atomic
def incident_report(
    *,
    project_id: int,
    kind: str,
    severity: str,
    title: str,
    description: str,
    aware_at: datetime,
    actor: User,
    measures: str = "",
) -> Incident:
    """Report an incident on a project (R30): the clock, the handlers told, escalation if due."""
    project = Project.objects.select_related("committee").get(pk=project_id)
    if not (
        in_project(actor, project) or manages(actor, project.committee_id, project.institution_id)
    ):
        raise PermissionDenied
    now = timezone.now()
    if aware_at > now:
        raise invalid(
            "aware_at", _("The moment of becoming aware cannot be in the future."), "future"
        )
    rules = committee_rules(project.committee)
    due = report_due(aware_at, rules)
    incident = Incident.objects.create(
        project=project,
        committee=project.committee,
        kind=kind,
        severity=severity,
        title=title.strip(),
        description=description.strip(),
        measures=measures.strip(),
        aware_at=aware_at,
        reported_at=now,
        report_due_at=due,
        reported_late=is_late(now, due),
        reported_by=actor,
    )
    audit.record(
        actor=actor,
        action="incident.report",
        target=incident,
        after={**_snapshot(incident), "late": incident.reported_late},
    )
    deadline_open(
        kind=clocks.INCIDENT_FOLLOWUP,
        subject=incident,
        due_at=deadlines.day_period_due_at(
            now,
            rules.incident_followup_days.value,
            calendar=working_calendar(),
            roll_forward=rules.roll_forward_rest_days.value,
        ),
        # The committee's members see its clocks (registry.policies.DeadlinePolicy), not its
        # incidents: the clock names the incident by number only.
        title=site_text(_("Follow-up report on incident no. %(number)s"), number=incident.pk),
        rule="R30",
        committee_id=project.committee_id,
        actor=actor,
    )
    notify(
        recipients=handlers(project.committee_id),
        title=_("Ethics incident reported: %(title)s"),
        params={"title": incident.title},
        url=_incident_url(incident),
        cause="incident.report",
    )
    # B4: a serious incident, or one reported late, goes to the chair and the institution at once.
    if severity == Severity.SERIOUS or incident.reported_late:
        reason = site_text(
            _("Serious incident") if severity == Severity.SERIOUS else _("Reported late (R30)")
        )
        _escalate(incident, actor=actor, reason=reason, now=now)
    return incident


def _escalate(incident: Incident, *, actor: User, reason: str, now: datetime) -> None:
    before = _snapshot(incident)
    incident.status = IncidentStatus.ESCALATED
    incident.escalated_at = now
    incident.escalated_by = actor
    incident.escalation_reason = reason
    incident.save(update_fields=["status", "escalated_at", "escalated_by", "escalation_reason"])
    audit.record(
        actor=actor,
        action="incident.escalate",
        target=incident,
        before=before,
        after=_snapshot(incident),
        reason=reason,
    )
    notify(
        recipients=escalation_recipients(incident.committee),
        title=_("Ethics incident escalated: %(title)s"),
        params={"title": incident.title},
        url=_incident_url(incident),
        cause="incident.escalate",
    )


def _locked_incident(incident_id: int) -> Incident:
    return (
        Incident.objects.select_for_update(of=("self",))
        .select_related("project", "committee")
        .get(pk=incident_id)
    )


def _refuse_closed(incident: Incident) -> None:
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict("incident_closed", _("The incident is closed."), rule="R30")


@transaction.atomic
def incident_follow_up(*, incident_id: int, note: str, actor: User) -> IncidentFollowUp:
    """Add a follow-up entry; the first one meets the follow-up clock (R30)."""
    incident = _locked_incident(incident_id)
    _refuse_closed(incident)
    require(actor, "follow_up", incident)
    entry = IncidentFollowUp.objects.create(
        incident=incident, note=note.strip(), author=actor, created_at=timezone.now()
    )
    audit.record(
        actor=actor, action="incident.follow_up", target=incident, after={"followup": entry.pk}
    )
    deadline_close(kind=clocks.INCIDENT_FOLLOWUP, subject=incident, actor=actor)
    recipients = [*handlers(incident.committee_id), *_project_people(incident.project)]
    notify(
        recipients=[u for u in recipients if u.pk != actor.pk],
        title=_("Follow-up on ethics incident: %(title)s"),
        params={"title": incident.title},
        url=_incident_url(incident),
        cause="incident.follow_up",
    )
    return entry


@transaction.atomic
def incident_escalate(*, incident_id: int, reason: str, actor: User) -> Incident:
    """Escalate an open incident to the chair and the institution (B4)."""
    incident = _locked_incident(incident_id)
    _refuse_closed(incident)
    if incident.status == IncidentStatus.ESCALATED:
        raise Conflict("incident_escalated", _("The incident is already escalated."), rule="R30")
    require(actor, "escalate", incident)
    _escalate(incident, actor=actor, reason=reason.strip(), now=timezone.now())
    return incident


def closure_problems(incident: Incident, followups: int) -> list[Problem]:
    """R30: a serious incident closes only after a follow-up entry says how it was handled."""
    if incident.severity == Severity.SERIOUS and followups == 0:
        return [
            Problem(
                "incident_needs_follow_up",
                "R30",
                _("A serious incident needs a follow-up entry before it is closed."),
            )
        ]
    return []


@transaction.atomic
def incident_close(*, incident_id: int, summary: str, actor: User) -> Incident:
    """Close an incident with a summary (the committee's officers)."""
    incident = _locked_incident(incident_id)
    _refuse_closed(incident)
    require(actor, "close", incident)
    problems = closure_problems(incident, incident.followups.count())
    if problems:
        raise Conflict(
            "incident_not_closable",
            _("The incident cannot be closed yet."),
            rule="R30",
            problems=[p.as_dict() for p in problems],
        )
    before = _snapshot(incident)
    incident.status = IncidentStatus.CLOSED
    incident.closed_at = timezone.now()
    incident.closed_by = actor
    incident.closure_summary = summary.strip()
    incident.save(update_fields=["status", "closed_at", "closed_by", "closure_summary"])
    audit.record(
        actor=actor,
        action="incident.close",
        target=incident,
        before=before,
        after=_snapshot(incident),
        reason=incident.closure_summary,
    )
    deadline_close(
        kind=clocks.INCIDENT_FOLLOWUP,
        subject=incident,
        state=DeadlineState.WAIVED,
        actor=actor,
        reason=incident.closure_summary,
    )
    notify(
        recipients=[incident.reported_by, incident.project.lead],
        title=_("Ethics incident closed: %(title)s"),
        params={"title": incident.title},
        url=_incident_url(incident),
        cause="incident.close",
    )
    return incident


def lazy_text(text: Any, **params: Any) -> Promise:
    """A translated message with its parameters, read in the reader's language when shown."""
    return cast(Promise, lazy(lambda: str(text) % params, str)())


# --- the risk register ---------------------------------------------------------------------------


def latest_review_on(today: date, rules: regulations.RuleSet) -> date:
    """R45: the furthest next review date allowed from `today`."""
    return deadlines.add_months(today, rules.risk_review_months.value)


def review_date_problems(
    next_review_on: date, today: date, rules: regulations.RuleSet
) -> list[Problem]:
    """R45: the next review is at most `risk_review_months` away."""
    latest = latest_review_on(today, rules)
    if next_review_on <= latest:
        return []
    return [
        Problem(
            "risk_review_too_far",
            "R45",
            lazy_text(
                _(
                    "The next review may be at most %(months)s months away (on or before %(latest)s)."
                ),
                months=rules.risk_review_months.value,
                latest=latest.isoformat(),
            ),
        )
    ]


def register_problems(project: Project, level: str) -> list[Problem]:
    """R36 / BJ 五（一）: the register holds listed activities and high-risk ones."""
    if project.listed or level == RiskLevel.HIGH:
        return []
    return [
        Problem(
            "risk_not_listed_or_high",
            "R36",
            _("Only listed activities and high risks are kept in the risk register."),
        )
    ]


def _past(field: str, day: date, today: date) -> None:
    if day < today:
        raise invalid(field, _("The date cannot be in the past."), "past")


def _open_review_clock(entry: RiskEntry, actor: User) -> None:
    deadline_open(
        kind=clocks.RISK_REVIEW,
        subject=entry,
        due_at=deadlines.end_of_day(entry.next_review_on),
        title=site_text(_("Risk register review no. %(number)s"), number=entry.pk),
        rule="R45",
        committee_id=entry.committee_id,
        actor=actor,
    )


@transaction.atomic
def risk_register(
    *,
    project_id: int,
    title: str,
    level: str,
    owner: User,
    next_review_on: date,
    actor: User,
    description: str = "",
    measures: str = "",
) -> RiskEntry:
    """Enter a risk of a listed or high-risk activity in the register, with its review clock."""
    project = (
        Project.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=project_id)
    )
    if not manages(actor, project.committee_id, project.institution_id):
        raise PermissionDenied
    today = timezone.localdate()
    _past("next_review_on", next_review_on, today)
    rules = committee_rules(project.committee)
    problems = register_problems(project, level) + review_date_problems(
        next_review_on, today, rules
    )
    if problems:
        raise Conflict(
            "risk_not_registrable",
            _("The risk cannot be entered in the register."),
            rule=problems[0].rule,
            problems=[p.as_dict() for p in problems],
        )
    entry = RiskEntry.objects.create(
        project=project,
        committee=project.committee,
        title=title.strip(),
        description=description.strip(),
        level=level,
        measures=measures.strip(),
        owner=owner,
        next_review_on=next_review_on,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="risk.register",
        target=entry,
        after={"level": level, "next_review_on": next_review_on.isoformat(), "owner": owner.pk},
    )
    _open_review_clock(entry, actor)
    notify(
        recipients=[owner],
        title=_("You own a risk in the register: %(title)s"),
        params={"title": entry.title},
        url=reverse("oversight:risk-detail", args=[entry.pk]),
        cause="risk.register",
    )
    return entry


def _locked_entry(entry_id: int) -> RiskEntry:
    return (
        RiskEntry.objects.select_for_update(of=("self",))
        .select_related("project", "committee")
        .get(pk=entry_id)
    )


def _refuse_closed_entry(entry: RiskEntry) -> None:
    if entry.closed_at is not None:
        raise Conflict("risk_closed", _("The risk is closed."), rule="R45")


@transaction.atomic
def risk_review(
    *, entry_id: int, level: str, next_review_on: date, actor: User, note: str = ""
) -> RiskReview:
    """Record a review of a risk: its level now and the next review date (R45)."""
    entry = _locked_entry(entry_id)
    _refuse_closed_entry(entry)
    require(actor, "review", entry)
    today = timezone.localdate()
    _past("next_review_on", next_review_on, today)
    problems = review_date_problems(next_review_on, today, committee_rules(entry.committee))
    if problems:
        raise Conflict(
            "risk_review_too_far",
            _("The next review date is too far away."),
            rule="R45",
            problems=[p.as_dict() for p in problems],
        )
    review = RiskReview.objects.create(
        entry=entry,
        reviewed_on=today,
        level=level,
        note=note.strip(),
        next_review_on=next_review_on,
        reviewed_by=actor,
    )
    before = {"level": entry.level, "next_review_on": entry.next_review_on.isoformat()}
    entry.level = level
    entry.last_reviewed_on = today
    entry.next_review_on = next_review_on
    entry.save(update_fields=["level", "last_reviewed_on", "next_review_on"])
    audit.record(
        actor=actor,
        action="risk.review",
        target=entry,
        before=before,
        after={"level": level, "next_review_on": next_review_on.isoformat()},
    )
    deadline_close(kind=clocks.RISK_REVIEW, subject=entry, actor=actor)
    _open_review_clock(entry, actor)
    return review


@transaction.atomic
def risk_close(*, entry_id: int, reason: str, actor: User) -> RiskEntry:
    """Take a risk out of the register (the activity ended, the risk is gone); history stays."""
    entry = _locked_entry(entry_id)
    _refuse_closed_entry(entry)
    require(actor, "close", entry)
    entry.closed_at = timezone.now()
    entry.save(update_fields=["closed_at"])
    audit.record(actor=actor, action="risk.close", target=entry, reason=reason.strip())
    deadline_close(
        kind=clocks.RISK_REVIEW,
        subject=entry,
        state=DeadlineState.WAIVED,
        actor=actor,
        reason=reason.strip(),
    )
    return entry


# --- funded programmes (R59) ---------------------------------------------------------------------


def _duplicate(project_id: int, funder: str, grant_number: str, exclude: int | None) -> None:
    rows = Funding.objects.filter(
        project_id=project_id, funder=funder, grant_number=grant_number, removed_at=None
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    if rows.exists():
        raise Conflict(
            "funding_duplicate",
            _("This grant is already recorded for the project."),
            rule="R59",
        )


def _funding_snapshot(funding: Funding) -> dict[str, Any]:
    return {
        "funder": funding.funder,
        "programme": funding.programme,
        "grant_number": funding.grant_number,
    }


@transaction.atomic
def funding_add(
    *, project_id: int, funder: str, grant_number: str, actor: User, programme: str = ""
) -> Funding:
    """Record a funded programme behind a project (the lead or the team, R59)."""
    project = Project.objects.select_for_update(of=("self",)).get(pk=project_id)
    if not (actor.is_superuser or in_project(actor, project)):
        raise PermissionDenied
    funder, grant_number = funder.strip(), grant_number.strip()
    _duplicate(project.pk, funder, grant_number, None)
    funding = Funding.objects.create(
        project=project,
        funder=funder,
        programme=programme.strip(),
        grant_number=grant_number,
        created_by=actor,
    )
    audit.record(
        actor=actor, action="funding.add", target=funding, after=_funding_snapshot(funding)
    )
    return funding


def _locked_funding(funding_id: int) -> Funding:
    funding = (
        Funding.objects.select_for_update(of=("self",)).select_related("project").get(pk=funding_id)
    )
    if funding.removed_at is not None:
        raise Conflict("funding_removed", _("The funding record was removed."), rule="R59")
    return funding


@transaction.atomic
def funding_update(*, funding_id: int, actor: User, **changes: Any) -> Funding:
    """Correct a funding record (funder, programme, grant number)."""
    funding = _locked_funding(funding_id)
    require(actor, "change", funding)
    before = _funding_snapshot(funding)
    for name in ("funder", "programme", "grant_number"):
        if changes.get(name) is not None and name in changes:
            setattr(funding, name, str(changes[name]).strip())
    _duplicate(funding.project_id, funding.funder, funding.grant_number, funding.pk)
    funding.save(update_fields=["funder", "programme", "grant_number"])
    audit.record(
        actor=actor,
        action="funding.change",
        target=funding,
        before=before,
        after=_funding_snapshot(funding),
    )
    return funding


@transaction.atomic
def funding_remove(*, funding_id: int, actor: User) -> Funding:
    """Remove a funding record (kept as history; its statements stay verifiable)."""
    funding = _locked_funding(funding_id)
    require(actor, "remove", funding)
    funding.removed_at = timezone.now()
    funding.save(update_fields=["removed_at"])
    audit.record(
        actor=actor, action="funding.remove", target=funding, before=_funding_snapshot(funding)
    )
    return funding


# Decisions that change whether a project holds an approval: the latest of these decides.
STANDING_OUTCOMES = (
    Outcome.APPROVE,
    Outcome.APPROVE_WITH_MODIFICATIONS,
    Outcome.CONTINUE,
    Outcome.SUSPEND,
    Outcome.TERMINATE,
    Outcome.DISAPPROVE,
)


def approvals_for(project_ids: list[int]) -> dict[int, Decision]:
    """{project id: the decision under which it holds an approval now}, in one query."""
    latest: dict[int, Decision] = {}
    rows = (
        Decision.objects.filter(
            application__project_id__in=project_ids, outcome__in=STANDING_OUTCOMES
        )
        .exclude(stage="preliminary")
        .select_related("application", "committee")
        .order_by("-decided_at", "-id")
    )
    for decision in rows:
        latest.setdefault(decision.application.project_id, decision)
    return {pid: d for pid, d in latest.items() if d.grants_approval}


class Standing:
    VALID = "valid"
    LAPSING = "lapsing"
    LAPSED = "lapsed"
    NONE = "none"


STANDING_LABELS: dict[str, Any] = {
    Standing.VALID: _("Valid approval"),
    Standing.LAPSING: _("Approval lapses soon"),
    Standing.LAPSED: _("Approval lapsed"),
    Standing.NONE: _("No valid approval"),
}


def standing(decision: Decision | None, today: date, within_days: int) -> str:
    """R59: whether a funded project holds a valid approval, one lapsing within `within_days`
    (its next tracking review falls due by then), a lapsed one, or none."""
    if decision is None:
        return Standing.NONE
    until = decision.next_tracking_due
    if until is None:
        return Standing.VALID
    if until < today:
        return Standing.LAPSED
    if until <= today + timedelta(days=within_days):
        return Standing.LAPSING
    return Standing.VALID


def _certified(
    funding: Funding, decision: Decision, valid_until: date | None, at: datetime
) -> dict[str, Any]:
    return {
        "kind": "funder_statement",
        "funding": funding.pk,
        "funder": funding.funder,
        "programme": funding.programme,
        "grant_number": funding.grant_number,
        "project": funding.project.title,
        "decision": decision.number,
        "committee": decision.committee.name,
        "valid_until": valid_until,
        "issued_at": at,
    }


@transaction.atomic
def statement_issue(*, funding_id: int, actor: User) -> ApprovalStatement:
    """Issue the ethics-approval statement for the funder from the decision in force (R59);
    refused (409) without a valid approval. The PDF renders in the background."""
    funding = _locked_funding(funding_id)
    require(actor, "issue_statement", funding)
    decision = approvals_for([funding.project_id]).get(funding.project_id)
    today = timezone.localdate()
    if decision is None or standing(decision, today, 0) == Standing.LAPSED:
        raise Conflict(
            "no_valid_approval",
            _("The project holds no valid ethics approval to state."),
            rule="R59",
            problems=[
                Problem(
                    "no_valid_approval",
                    "R58",
                    _("Approval statements are issued only from an approval in force."),
                ).as_dict()
            ],
        )
    now = timezone.now()
    code = pdf.verification_hash(_certified(funding, decision, decision.next_tracking_due, now))
    statement = ApprovalStatement.objects.create(
        funding=funding,
        decision=decision,
        valid_until=decision.next_tracking_due,
        code=code,
        issued_by=actor,
        issued_at=now,
    )
    audit.record(
        actor=actor,
        action="statement.issue",
        target=funding,
        after={"statement": statement.pk, "decision": decision.number, "code": code},
    )
    jobs.enqueue("oversight.render_statement", statement_id=statement.pk)
    return statement


def statement_url(code: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("letter-verify", args=[code])


def statement_render(*, statement_id: int) -> ApprovalStatement:
    """Render the statement's PDF once (the code certifies its fields, not the file)."""
    statement = ApprovalStatement.objects.select_related(
        "funding__project__lead", "decision__committee__institution"
    ).get(pk=statement_id)
    if statement.pdf:
        return statement
    url = statement_url(statement.code)
    data = pdf.render(
        STATEMENT_TEMPLATE,
        {
            "statement": statement,
            "funding": statement.funding,
            "project": statement.funding.project,
            "decision": statement.decision,
            "committee": statement.decision.committee,
            "decided_on": timezone.localtime(statement.decision.decided_at).date(),
            "issued_on": timezone.localtime(statement.issued_at).date(),
            "verify_url": url,
            "qr_svg": pdf.qr_svg(url),
        },
    )
    with transaction.atomic():
        locked = ApprovalStatement.objects.select_for_update(of=("self",)).get(pk=statement_id)
        if locked.pdf:
            return locked
        locked.pdf.save(f"statement-{locked.pk}.pdf", ContentFile(data), save=False)
        locked.rendered_at = timezone.now()
        locked.save(update_fields=["pdf", "rendered_at"])
        audit.record(
            actor=None,
            action="statement.render",
            target=locked.funding,
            after={"code": locked.code},
        )
    return locked


@transaction.atomic
def statement_open(*, statement_id: int, actor: User) -> ApprovalStatement:
    """Permission-check a statement download and audit it."""
    statement = ApprovalStatement.objects.select_related("funding__project").get(pk=statement_id)
    require(actor, "download", statement)
    if not statement.pdf:
        raise Conflict("statement_not_ready", _("The statement is still being prepared."))
    audit.record(
        actor=actor,
        action="statement.download",
        target=statement.funding,
        after={"statement": statement.pk, "code": statement.code},
    )
    return statement


@dataclass(frozen=True)
class StatementCheck:
    """What anyone may read about an approval statement by its code (no people, no project)."""

    code: str
    funder: str
    grant_number: str
    decision_number: str
    committee: str
    institution: str
    issued_on: date
    valid_until: date | None
    status_label: str
    template: str = "oversight/incidents/_statement_verify.html"

    def as_data(self) -> dict[str, Any]:
        return {
            "document": "funder_statement",
            "code": self.code,
            "funder": self.funder,
            "grant_number": self.grant_number,
            "number": self.decision_number,
            "committee": self.committee,
            "institution": self.institution,
            "issued_on": self.issued_on,
            "valid_until": self.valid_until,
            "status_label": self.status_label,
        }


def statement_check(code: str) -> StatementCheck | None:
    """The public record of the statement printing `code` (ethics.hooks.verify_code), or None."""
    statement = (
        ApprovalStatement.objects.select_related(
            "funding", "decision__committee__institution", "decision__application"
        )
        .filter(code=code)
        .first()
    )
    if statement is None:
        return None
    current = approvals_for([statement.decision.application.project_id]).get(
        statement.decision.application.project_id
    )
    state = standing(current, timezone.localdate(), 0) if current else Standing.NONE
    if current is not None and current.pk != statement.decision_id:
        label = str(_("A later decision now governs the approval"))
    else:
        label = str(STANDING_LABELS[state])
    return StatementCheck(
        code=statement.code,
        funder=statement.funding.funder,
        grant_number=statement.funding.grant_number,
        decision_number=statement.decision.number,
        committee=statement.decision.committee.name,
        institution=statement.decision.committee.institution.name,
        issued_on=timezone.localtime(statement.issued_at).date(),
        valid_until=statement.valid_until,
        status_label=label,
    )
