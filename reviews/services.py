"""Every state change of reviews: projects, applications, documents, review rounds, decisions.

Each service owns its transaction, locks the application row, checks permission, moves the status
along workflow.TRANSITIONS, writes the audit row, opens or closes the decision clock and notifies.
The meetings issue decides meeting reviews through ``decision_issue`` with a tally.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from committees.models import VOTING_ROLES, Committee, Membership, Role
from committees.selectors import committee_may_review
from committees.services import attach_file
from ethics import audit, deadlines, pdf, policies, regulations
from ethics import services as kernel
from ethics.errors import Conflict
from ethics.models import DeadlineKind, DeadlineState, User
from ethics.selectors import working_calendar
from reviews import checklist, numbering, workflow
from reviews.models import (
    Application,
    CoiState,
    Decision,
    Document,
    DocumentVersion,
    NumberSequence,
    Opinion,
    Outcome,
    Project,
    ProjectStatus,
    Review,
    ReviewerAssignment,
    ReviewState,
)
from reviews.workflow import Action, Kind, Procedure, Status, Verdict

LETTER_TEMPLATE = "pdf/reviews/letter.html"
LETTER_TEMPLATE_VERSION = "1"

PROJECT_FIELDS = (
    "title",
    "scope",
    "listed_item",
    "international",
    "planned_start",
    "planned_end",
)


def _require(actor: User, action: str, obj: models.Model) -> None:
    if not policies.may(actor, action, obj):
        raise PermissionDenied


def _invalid(field: str, message: Any, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _site_text(text: Any, **params: Any) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text) % params if params else str(text)


def _lock(application_id: int) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("project", "committee")
        .get(pk=application_id)
    )


def _move(application: Application, action: Action, actor: User) -> Status:
    """Table first (409 for an impossible action), then the actor's role (403)."""
    new = workflow.next_status(application.status, action)
    _require(actor, action, application)
    return new


def _application_url(application: Application) -> str:
    return reverse("reviews:application-detail", args=[application.pk])


def _officers(committee_id: int, roles: Iterable[str]) -> list[User]:
    today = timezone.localdate()
    rows = Membership.objects.filter(
        committee_id=committee_id,
        role__in=list(roles),
        ended_on=None,
        term_start__lte=today,
        term_end__gte=today,
    ).select_related("user")
    return [row.user for row in rows]


def secretaries(committee_id: int) -> list[User]:
    """Who handles intake: the secretaries, or the chair if the committee has none."""
    return _officers(committee_id, [Role.SECRETARY]) or _officers(committee_id, [Role.CHAIR])


def applicants(project: Project) -> list[User]:
    return [project.lead, *project.team.all()]


def _notify(
    recipients: list[User], application: Application, title: Any, cause: str, **params: Any
) -> None:
    kernel.notify(
        recipients=recipients,
        title=title,
        params={"ref": application.ref or "", "title": application.project.title, **params},
        url=_application_url(application),
        cause=cause,
    )


def _record(
    actor: User | None,
    action: str,
    target: models.Model,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
) -> None:
    audit.record(
        actor=actor,
        action=action,
        target=target,
        before=dict(before or {}),
        after=dict(after or {}),
        reason=reason,
    )


# --- projects (R11, R12, R16, R17, R36-R37) ---------------------------------------------------


def _clean_scope(scope: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(scope))
    unknown = [code for code in chosen if code not in checklist.Scope.values]
    if unknown:
        raise _invalid("scope", _("Unknown scope category."), "invalid_choice")
    return chosen


def _clean_listed(listed_item: int | None, on: date) -> str:
    """R37: a listed activity names an item of the annex list in force (R36); returns its version."""
    if listed_item is None:
        return ""
    try:
        regulations.annex_item(int(listed_item), on)
    except ValueError:
        raise _invalid(
            "listed_item", _("Not an item of the annex list in force (R36)."), "invalid_choice"
        ) from None
    return regulations.annex_list_on(on).version


def _check_period(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise _invalid("planned_end", _("The planned end is before the start."), "invalid")


@transaction.atomic
def project_create(
    *,
    actor: User,
    title: str,
    committee: Committee,
    institution_id: int | None = None,
    scope: Iterable[str] = (),
    listed_item: int | None = None,
    international: bool = False,
    planned_start: date | None = None,
    planned_end: date | None = None,
    team: Iterable[User] = (),
    lead: User | None = None,
) -> Project:
    """A researcher registers a 科技活动 to be reviewed by their own or an entrusted committee (R17)."""
    institution_id = institution_id or actor.institution_id
    if institution_id is None:
        raise _invalid("institution", _("The project needs an institution."), "required")
    today = timezone.localdate()
    if not committee_may_review(committee, institution_id, today):
        raise Conflict(
            "committee_not_competent",
            _("This committee reviews only its own institution's projects or entrusted ones."),
            rule="R17",
        )
    _check_period(planned_start, planned_end)
    if not title.strip():
        raise _invalid("title", _("A title is required."), "required")
    project = Project.objects.create(
        title=title.strip(),
        lead=lead or actor,
        institution_id=institution_id,
        committee=committee,
        scope=_clean_scope(scope),
        listed_item=listed_item,
        annex_version=_clean_listed(listed_item, today),
        international=international,
        planned_start=planned_start,
        planned_end=planned_end,
        created_by=actor,
    )
    members = [user for user in team if user.pk != project.lead_id]
    project.team.set(members)
    _record(
        actor,
        "project.create",
        project,
        after={
            **{name: getattr(project, name) for name in PROJECT_FIELDS},
            "committee": committee.pk,
            "team": [user.pk for user in members],
        },
    )
    return project


@transaction.atomic
def project_update(*, project_id: int, actor: User, data: Mapping[str, Any]) -> Project:
    """Change a project's particulars while it is planned; team changes grant or end access."""
    project = Project.objects.select_for_update().get(pk=project_id)
    _require(actor, "change", project)
    if project.status != ProjectStatus.PLANNED:
        raise Conflict("project_not_planned", _("Only a planned project can be changed."))
    changed = [k for k in PROJECT_FIELDS if k in data and data[k] != getattr(project, k)]
    before = {k: getattr(project, k) for k in changed}
    for key in changed:
        setattr(project, key, data[key])
    if "scope" in changed:
        project.scope = _clean_scope(project.scope)
    if "listed_item" in changed:
        project.annex_version = _clean_listed(project.listed_item, timezone.localdate())
    _check_period(project.planned_start, project.planned_end)
    project.save()
    after = {k: getattr(project, k) for k in changed}
    if "team" in data:
        team = [user for user in data["team"] if user.pk != project.lead_id]
        before["team"] = list(project.team.values_list("pk", flat=True))
        project.team.set(team)
        after["team"] = [user.pk for user in team]
    if after:
        _record(actor, "project.update", project, before=before, after=after)
    return project


@transaction.atomic
def project_prescreen(*, project_id: int, actor: User, answers: Mapping[str, bool]) -> Project:
    """R11/R12: the Art. 2 questions decide whether review is needed; the answer is recorded."""
    project = Project.objects.select_for_update().get(pk=project_id)
    _require(actor, "prescreen", project)
    clean = {q.key: bool(answers.get(q.key)) for q in checklist.PRESCREEN}
    result = checklist.prescreen(clean)
    before = {"scope": project.scope, "review_required": project.review_required}
    project.prescreen = clean
    project.review_required = result.review_required
    project.prescreened_at = timezone.now()
    project.scope = result.scope
    project.save(
        update_fields=["prescreen", "review_required", "prescreened_at", "scope", "updated_at"]
    )
    _record(
        actor,
        "project.prescreen",
        project,
        before=before,
        after={"answers": clean, "scope": result.scope, "review_required": result.review_required},
    )
    return project


# --- applications and documents (R13, R14) ----------------------------------------------------


def _regimes_for(project: Project) -> list[str]:
    """The NHC regime applies on top of MEAS only where the research involves humans (§6.1)."""
    codes = project.committee.regime_codes
    human = bool(set(project.scope) & checklist.HUMAN_SCOPES)
    return [code for code in codes if code != "nhc" or human] or ["meas"]


@transaction.atomic
def application_create(
    *, project_id: int, actor: User, kind: str = Kind.INITIAL, summary: str = ""
) -> Application:
    """Start a draft application of `kind` for a project."""
    project = Project.objects.select_related("committee").get(pk=project_id)
    _require(actor, "apply", project)
    if kind not in Kind.values:
        raise _invalid("kind", _("Unknown application kind."), "invalid_choice")
    application = Application.objects.create(
        project=project,
        committee=project.committee,
        kind=kind,
        regimes=_regimes_for(project),
        summary=summary,
        created_by=actor,
    )
    _record(actor, "application.create", application, after={"kind": kind, "project": project.pk})
    return application


def _present_slots(application: Application) -> set[str]:
    return set(
        Document.objects.filter(application=application, versions__isnull=False)
        .values_list("slot", flat=True)
        .distinct()
    )


def checklist_problems(application: Application) -> list[dict[str, str]]:
    """Every missing document and every document awaiting correction, with its rule (R13, R14)."""
    project = application.project
    problems = [
        {
            "code": "missing_document",
            "rule": item.rule,
            "slot": item.slot.value,
            "message": str(item.label),
        }
        for item in checklist.missing_slots(
            application.kind, project.scope, _present_slots(application)
        )
    ]
    for doc in Document.objects.filter(application=application, correction_requested=True):
        problems.append(
            {
                "code": "correction_requested",
                "rule": "R14",
                "slot": doc.slot,
                "message": doc.correction_note or str(doc.get_slot_display()),
            }
        )
    return problems


@transaction.atomic
def document_upload(
    *, application_id: int, slot: str, upload: UploadedFile, actor: User
) -> DocumentVersion:
    """Add a new version of one document (SHA-256, checked type and size); nothing is replaced."""
    application = _lock(application_id)
    _require(actor, "upload", application)
    if slot not in checklist.slots_for(application.kind):
        raise _invalid(
            "slot",
            _("This document is not part of this application's checklist."),
            "invalid_choice",
        )
    document, _created = Document.objects.get_or_create(application=application, slot=slot)
    editable = application.status in workflow.EDITABLE
    correcting = application.status in workflow.OPEN_STATUSES and document.correction_requested
    if not (editable or correcting):
        raise Conflict(
            "documents_locked",
            _(
                "Documents can be changed in a draft, after a return, or when a correction is requested."
            ),
        )
    version = DocumentVersion(
        document=document,
        version=(document.versions.aggregate(n=Max("version"))["n"] or 0) + 1,
        uploaded_by=actor,
    )
    attach_file(version, upload)
    version.save()
    _record(
        actor,
        "document.upload",
        application,
        after={
            "slot": slot,
            "version": version.version,
            "sha256": version.sha256,
            "name": version.original_name,
        },
    )
    if correcting:
        document.correction_requested = False
        document.save(update_fields=["correction_requested"])
        _notify(
            secretaries(application.committee_id),
            application,
            _("Corrected document uploaded for %(ref)s"),
            "document.upload",
        )
    return version


@transaction.atomic
def document_request_correction(
    *, application_id: int, slot: str, note: str, actor: User
) -> Document:
    """Ask for one document to be corrected without returning the application (users.md #3)."""
    application = _lock(application_id)
    _require(actor, "request_correction", application)
    if application.status not in workflow.OPEN_STATUSES:
        raise Conflict("not_open", _("Corrections are requested while the application is open."))
    if slot not in checklist.slots_for(application.kind):
        raise _invalid(
            "slot",
            _("This document is not part of this application's checklist."),
            "invalid_choice",
        )
    if not note.strip():
        raise _invalid("note", _("Say what needs to be corrected."), "required")
    document, _created = Document.objects.get_or_create(application=application, slot=slot)
    document.correction_requested = True
    document.correction_note = note.strip()
    document.save(update_fields=["correction_requested", "correction_note"])
    _record(actor, "document.correction_requested", application, after={"slot": slot}, reason=note)
    _notify(
        applicants(application.project),
        application,
        _("Please correct a document of %(ref)s: %(note)s"),
        "document.correction_requested",
        note=note.strip(),
    )
    return document


@transaction.atomic
def document_open(*, version_id: int, actor: User) -> DocumentVersion:
    """Permission-check a document download and audit it."""
    version = DocumentVersion.objects.select_related("document__application__project").get(
        pk=version_id
    )
    _require(actor, "download", version)
    _record(
        actor,
        "document.download",
        version.document.application,
        after={"slot": version.document.slot, "version": version.version, "sha256": version.sha256},
    )
    return version


# --- intake (R11-R14) -------------------------------------------------------------------------


@transaction.atomic
def application_submit(*, application_id: int, actor: User) -> Application:
    """Submit a complete application, or refuse with every missing item at once (R13, R14)."""
    application = _lock(application_id)
    new = _move(application, Action.SUBMIT, actor)
    project = application.project
    if application.kind == Kind.INITIAL and not project.scope:
        raise Conflict(
            "scope_required",
            _("Answer the scope questions first: the committee needs the Art. 2 categories."),
            rule="R12",
        )
    problems = checklist_problems(application)
    if problems:
        raise Conflict(
            "checklist_incomplete",
            _("The application is incomplete; every missing item is listed."),
            rule="R13",
            problems=problems,
        )
    before = application.status
    now = timezone.now()
    if not application.ref:
        year = timezone.localtime(now).year
        sequence = numbering.next_number(
            committee_id=application.committee_id, year=year, kind=NumberSequence.Kind.APPLICATION
        )
        application.ref = numbering.application_ref(application.committee_id, year, sequence)
    application.status = new
    application.submitted_at = now
    application.missing_items = []
    application.save()
    _record(
        actor,
        "application.submit",
        application,
        {"status": before},
        {"status": new, "ref": application.ref},
    )
    _notify(
        secretaries(application.committee_id),
        application,
        _("New application %(ref)s: %(title)s"),
        "application.submit",
    )
    return application


@transaction.atomic
def application_return(
    *, application_id: int, missing: Iterable[str], actor: User, note: str = ""
) -> Application:
    """Return for completion with all missing items in one notice (R14, 一次性完整告知)."""
    application = _lock(application_id)
    new = _move(application, Action.RETURN, actor)
    auto = [p["slot"] for p in checklist_problems(application)]
    items = list(dict.fromkeys([*auto, *(m.strip() for m in missing if m and m.strip())]))
    if not items:
        raise _invalid("missing", _("List every missing or defective item (R14)."), "required")
    labels = dict(checklist.Slot.choices)
    application.status = new
    application.missing_items = items
    application.status_reason = note
    application.save()
    _record(
        actor,
        "application.return",
        application,
        {"status": Status.SUBMITTED},
        {"status": new, "missing": items},
        note,
    )
    _notify(
        applicants(application.project),
        application,
        _("%(ref)s was returned; missing: %(missing)s"),
        "application.return (R14)",
        missing="; ".join(_site_text(labels[i]) if i in labels else i for i in items),
    )
    return application


@transaction.atomic
def application_not_accept(*, application_id: int, reason: str, actor: User) -> Application:
    """Refuse to accept, with a reason (R14)."""
    application = _lock(application_id)
    new = _move(application, Action.NOT_ACCEPT, actor)
    if not reason.strip():
        raise _invalid("reason", _("Give the reason for not accepting."), "required")
    application.status = new
    application.status_reason = reason.strip()
    application.save()
    _record(
        actor,
        "application.not_accept",
        application,
        {"status": Status.SUBMITTED},
        {"status": new},
        reason,
    )
    _notify(
        applicants(application.project),
        application,
        _("%(ref)s was not accepted"),
        "application.not_accept",
    )
    return application


def decision_due_at(
    rules: regulations.RuleSet, procedure: str, accepted_at: datetime
) -> tuple[datetime, str]:
    """R25/N5: 30 days (Civil Code counting, rest days rolled); R48/N5: 72 clock hours."""
    if procedure == Procedure.EMERGENCY:
        return (
            deadlines.hour_period_due_at(accepted_at, rules.emergency_hours.value),
            rules.emergency_hours.rule,
        )
    return (
        deadlines.day_period_due_at(
            accepted_at,
            rules.decision_days.value,
            calendar=working_calendar(),
            roll_forward=rules.roll_forward_rest_days.value,
        ),
        rules.decision_days.rule,
    )


def _check_grounds(rules: regulations.RuleSet, procedure: str, grounds: str) -> None:
    if procedure == Procedure.SIMPLIFIED:
        # R32 / N9: one of the grounds every applicable regime allows.
        problems = [
            p
            for p in regulations.simplified_problems(
                grounds, rules.simplified_min_reviewers.value, rules=rules
            )
            if p.code == "simplified_ground_not_allowed"
        ]
        if problems:
            raise Conflict(
                problems[0].code,
                problems[0].message,
                rule=problems[0].rule,
                problems=[p.as_dict() for p in problems],
            )
    if procedure == Procedure.EMERGENCY and not grounds.strip():
        raise Conflict(
            "emergency_basis_required",
            _("The emergency procedure needs its emergency basis (R47)."),
            rule="R47",
        )


@transaction.atomic
def application_accept(
    *, application_id: int, procedure: str, actor: User, grounds: str = "", note: str = ""
) -> Application:
    """Accept with a procedure and its grounds; starts the decision clock (R14, R15, R25, R48)."""
    application = _lock(application_id)
    new = _move(application, Action.ACCEPT, actor)
    if procedure not in Procedure.values:
        raise _invalid(
            "procedure", _("Choose meeting, simplified or emergency review."), "invalid_choice"
        )
    rules = application.rules
    _check_grounds(rules, procedure, grounds)
    now = timezone.now()
    due_at, rule = decision_due_at(rules, procedure, now)
    rounds = application.reviews.count()
    review = Review.objects.create(
        application=application,
        round=rounds + 1,
        procedure=procedure,
        grounds=grounds.strip()[:50] if procedure == Procedure.SIMPLIFIED else "",
        grounds_note=note or (grounds if procedure != Procedure.SIMPLIFIED else ""),
        accepted_at=now,
        accepted_by=actor,
        due_at=due_at,
        clock_rule=rule,
        ready_for_meeting_at=now if procedure == Procedure.MEETING else None,
    )
    application.status = new
    application.procedure = procedure
    application.accepted_at = now
    application.due_at = due_at
    application.missing_items = []
    application.save()
    kernel.deadline_open(
        kind=DeadlineKind.DECISION,
        subject=review,
        due_at=due_at,
        title=_site_text(_("Decide on %(ref)s"), ref=application.ref),
        rule=rule,
        committee_id=application.committee_id,
        actor=actor,
    )
    _record(
        actor,
        "application.accept",
        application,
        {"status": Status.SUBMITTED},
        {"status": new, "procedure": procedure, "grounds": grounds, "due_at": due_at, "rule": rule},
    )
    _notify(
        applicants(application.project),
        application,
        _("%(ref)s was accepted for %(procedure)s; decision due %(due)s"),
        "application.accept",
        procedure=_site_text(Procedure(procedure).label),
        due=f"{timezone.localtime(due_at):%Y-%m-%d %H:%M}",
    )
    return application


def open_review(application: Application) -> Review:
    review = Review.objects.filter(application=application, state=ReviewState.OPEN).first()
    if review is None:
        raise Conflict("no_open_review", _("The application has no open review round."))
    return review


@transaction.atomic
def application_extend(
    *, application_id: int, due_at: datetime, reason: str, actor: User
) -> Application:
    """R25: an extension needs a reason and an explicit new due date; both are audited."""
    application = _lock(application_id)
    _move(application, Action.EXTEND, actor)
    if not reason.strip():
        raise _invalid("reason", _("An extension needs a reason (R25)."), "required")
    review = open_review(application)
    if due_at <= review.due_at:
        raise _invalid(
            "due_at", _("The new due date must be later than the current one."), "invalid"
        )
    from ethics.selectors import deadlines_for_subject

    clock = (
        deadlines_for_subject(review)
        .filter(kind=DeadlineKind.DECISION, state__in=["open", "overdue"])
        .first()
    )
    if clock is not None:
        kernel.deadline_extend(deadline_id=clock.pk, due_at=due_at, reason=reason, actor=actor)
    before = review.due_at
    review.due_at = due_at
    review.save(update_fields=["due_at"])
    application.due_at = due_at
    application.save(update_fields=["due_at", "updated_at"])
    _record(
        actor,
        "application.extend",
        application,
        {"due_at": before},
        {"due_at": due_at, "rule": "R25"},
        reason,
    )
    _notify(
        applicants(application.project),
        application,
        _("The decision on %(ref)s is now due %(due)s"),
        "application.extend (R25)",
        due=f"{timezone.localtime(due_at):%Y-%m-%d %H:%M}",
    )
    return application


@transaction.atomic
def application_withdraw(*, application_id: int, actor: User, reason: str = "") -> Application:
    """Withdraw at any point before a decision; an open round closes and its clock is waived."""
    application = _lock(application_id)
    new = _move(application, Action.WITHDRAW, actor)
    before = application.status
    for review in Review.objects.filter(application=application, state=ReviewState.OPEN):
        review.state = ReviewState.CLOSED
        review.closed_at = timezone.now()
        review.save(update_fields=["state", "closed_at"])
        kernel.deadline_close(
            kind=DeadlineKind.DECISION,
            subject=review,
            state=DeadlineState.WAIVED,
            actor=actor,
            reason="withdrawn",
        )
    application.status = new
    application.status_reason = reason
    application.save()
    _record(actor, "application.withdraw", application, {"status": before}, {"status": new}, reason)
    if application.submitted_at:
        _notify(
            secretaries(application.committee_id),
            application,
            _("%(ref)s was withdrawn"),
            "application.withdraw",
        )
    return application


# --- reviewers, conflicts and opinions (R20a, R33-R35) -----------------------------------------


def _active_assignments(review: Review) -> list[ReviewerAssignment]:
    return list(
        review.assignments.exclude(coi_state=CoiState.CONFLICTED).select_related(
            "opinion", "membership__user"
        )
    )


@transaction.atomic
def application_assign(
    *, application_id: int, membership_ids: Iterable[int], actor: User
) -> list[ReviewerAssignment]:
    """Designate reviewers; for the simplified procedure the chair designates ≥ 2 (R33)."""
    application = _lock(application_id)
    _move(application, Action.ASSIGN, actor)
    review = open_review(application)
    if review.procedure == Procedure.SIMPLIFIED and not policies.may(actor, "decide", application):
        # R33: simplified reviewers are designated by the chair.
        raise PermissionDenied
    ids = list(dict.fromkeys(int(pk) for pk in membership_ids))
    if not ids:
        raise _invalid("reviewers", _("Choose at least one member."), "required")
    today = timezone.localdate()
    members = list(
        Membership.objects.select_related("user").filter(
            pk__in=ids,
            committee_id=application.committee_id,
            role__in=VOTING_ROLES,
            ended_on=None,
            term_start__lte=today,
            term_end__gte=today,
        )
    )
    if len(members) != len(ids):
        raise _invalid(
            "reviewers", _("Only current members of this committee can review."), "invalid_choice"
        )
    project = application.project
    team = {project.lead_id, *project.team.values_list("pk", flat=True)}
    conflicted = set(
        ReviewerAssignment.objects.filter(
            review__application=application, coi_state=CoiState.CONFLICTED
        ).values_list("membership_id", flat=True)
    )
    blocked = [m for m in members if m.user_id in team or m.pk in conflicted]
    if blocked:
        raise Conflict(
            "member_conflicted",
            _("A member with a conflict of interest cannot be assigned."),
            rule="R20a",
            problems=[
                {
                    "code": "member_conflicted",
                    "rule": "R20a",
                    "membership": str(m.pk),
                    "message": m.user.display_name,
                }
                for m in blocked
            ],
        )
    existing = set(review.assignments.values_list("membership_id", flat=True))
    created = [
        ReviewerAssignment.objects.create(review=review, membership=m, assigned_by=actor)
        for m in members
        if m.pk not in existing
    ]
    if review.procedure == Procedure.SIMPLIFIED:
        rules = application.rules
        count = len(_active_assignments(review))
        problems = [
            p
            for p in regulations.simplified_problems(review.grounds, count, rules=rules)
            if p.code == "too_few_reviewers"
        ]
        if problems:
            raise Conflict(
                problems[0].code,
                problems[0].message,
                rule=problems[0].rule,
                problems=[p.as_dict() for p in problems],
            )
    _record(
        actor,
        "review.assign",
        review,
        after={"memberships": [a.membership_id for a in created], "procedure": review.procedure},
    )
    for assignment in created:
        kernel.notify(
            recipients=[assignment.membership.user],
            title=_("You were asked to review %(ref)s"),
            params={"ref": application.ref},
            url=reverse("reviews:assignment-detail", args=[assignment.pk]),
            cause="review.assign",
        )
    return created


def _lock_assignment(assignment_id: int) -> tuple[Application, ReviewerAssignment]:
    application_id = ReviewerAssignment.objects.values_list(
        "review__application_id", flat=True
    ).get(pk=assignment_id)
    application = _lock(application_id)
    assignment = ReviewerAssignment.objects.select_related("review", "membership__user").get(
        pk=assignment_id
    )
    return application, assignment


@transaction.atomic
def assignment_declare(
    *, assignment_id: int, conflicted: bool, actor: User, note: str = ""
) -> ReviewerAssignment:
    """The member declares a conflict or none before the materials open (R20a)."""
    application, assignment = _lock_assignment(assignment_id)
    workflow.next_status(application.status, Action.DECLARE)
    _require(actor, "declare", assignment)
    if assignment.review.state != ReviewState.OPEN:
        raise Conflict("round_closed", _("This review round is closed."))
    if assignment.coi_state != CoiState.PENDING:
        raise Conflict("already_declared", _("The declaration was already made."), rule="R20a")
    if conflicted and not note.strip():
        raise _invalid("note", _("Describe the conflict of interest."), "required")
    assignment.coi_state = CoiState.CONFLICTED if conflicted else CoiState.NONE
    assignment.coi_note = note.strip()
    assignment.coi_declared_at = timezone.now()
    assignment.save(update_fields=["coi_state", "coi_note", "coi_declared_at"])
    _record(
        actor,
        "review.declare",
        assignment,
        after={"coi_state": assignment.coi_state, "rule": "R20a"},
        reason=note,
    )
    if conflicted:
        _notify(
            secretaries(application.committee_id)
            + _officers(application.committee_id, [Role.CHAIR]),
            application,
            _("A reviewer of %(ref)s declared a conflict; assign another member"),
            "review.declare (R20a)",
        )
    return assignment


def _agreed_verdict(assignments: list[ReviewerAssignment]) -> tuple[str | None, str]:
    """R34: (the verdict everyone agrees on, or None with the conversion reason)."""
    verdicts = [a.opinion.verdict for a in assignments if hasattr(a, "opinion")]
    if any(v in workflow.NEGATIVE_VERDICTS for v in verdicts):
        return None, "negative_opinion"
    if Verdict.DOUBT in verdicts:
        return None, "doubt"
    if Verdict.REQUEST_MEETING in verdicts:
        return None, "meeting_requested"
    if len(set(verdicts)) > 1:
        return None, "disagreement"
    if len(verdicts) < len(assignments):
        return None, ""  # still waiting for opinions
    return (verdicts[0] if verdicts else None), ""


def _convert_to_meeting(review: Review, reason: str, actor: User | None) -> None:
    """R34/R35: a simplified review goes to meeting review, with the reason recorded."""
    application = review.application
    now = timezone.now()
    review.converted_from = review.procedure
    review.procedure = Procedure.MEETING
    review.conversion_reason = reason
    review.converted_at = now
    review.ready_for_meeting_at = now
    review.save()
    application.procedure = Procedure.MEETING
    application.save(update_fields=["procedure", "updated_at"])
    _record(
        actor,
        "review.convert",
        application,
        {"procedure": Procedure.SIMPLIFIED},
        {"procedure": Procedure.MEETING, "reason": reason, "rule": "R34"},
    )
    _notify(
        secretaries(application.committee_id) + _officers(application.committee_id, [Role.CHAIR]),
        application,
        _("%(ref)s moves from simplified to meeting review (%(reason)s)"),
        "review.convert (R34)",
        reason=reason,
    )


@transaction.atomic
def opinion_record(
    *,
    assignment_id: int,
    verdict: str,
    actor: User,
    comments: str = "",
    worksheet: Mapping[str, Any] | None = None,
) -> Opinion:
    """A reviewer's opinion; under the simplified procedure it may convert the round (R34)."""
    application, assignment = _lock_assignment(assignment_id)
    workflow.next_status(application.status, Action.OPINION)
    _require(actor, "opinion", assignment)
    review = assignment.review
    if review.state != ReviewState.OPEN:
        raise Conflict("round_closed", _("This review round is closed."))
    if assignment.coi_state != CoiState.NONE:
        raise Conflict(
            "coi_not_declared",
            _("Declare that you have no conflict of interest before giving an opinion."),
            rule="R20a",
        )
    if verdict not in Verdict.values:
        raise _invalid("verdict", _("Unknown verdict."), "invalid_choice")
    if Opinion.objects.filter(assignment=assignment).exists():
        raise Conflict("opinion_exists", _("You have already given your opinion."))
    opinion = Opinion.objects.create(
        assignment=assignment, verdict=verdict, comments=comments, worksheet=dict(worksheet or {})
    )
    _record(actor, "review.opinion", opinion, after={"verdict": verdict, "review": review.pk})
    if review.procedure == Procedure.SIMPLIFIED:
        agreed, reason = _agreed_verdict(_active_assignments(review))
        if reason:
            _convert_to_meeting(review, reason, actor)
        elif agreed:
            _notify(
                _officers(application.committee_id, [Role.CHAIR]),
                application,
                _("All reviewers of %(ref)s agree; the chair can decide"),
                "review.opinion (R34)",
            )
    return opinion


# --- decisions (R23, R25, R26, R28, R45) ------------------------------------------------------


def _allowed_outcomes(kind: str) -> frozenset[str]:
    if kind == Kind.TRACKING:
        return frozenset(regulations.TRACKING_OUTCOMES)
    if kind in (Kind.RISK_REPORT, Kind.DEVIATION):
        return frozenset(regulations.REVIEW_OUTCOMES | regulations.TRACKING_OUTCOMES)
    return frozenset(regulations.REVIEW_OUTCOMES)


def next_tracking_due(application: Application, outcome: str, decided_on: date) -> date | None:
    """R28/R45: the next tracking review after an approval (6 months for listed activities)."""
    if outcome not in (Outcome.APPROVE, Outcome.APPROVE_WITH_MODIFICATIONS, Outcome.CONTINUE):
        return None
    rules = application.rules
    interval = regulations.tracking_interval(rules, listed=application.project.listed)
    return deadlines.month_period_due_on(
        decided_on,
        interval.value,
        calendar=working_calendar(),
        roll_forward=rules.roll_forward_rest_days.value,
    )


@transaction.atomic
def decision_issue(
    *,
    application_id: int,
    outcome: str,
    actor: User,
    conditions: str = "",
    reasons: str = "",
    tally: Mapping[str, Any] | None = None,
    meaning: str = "",
) -> Decision:
    """Issue the decision of the open round: numbered, signed, clock closed, letter queued.

    Every procedure ends here (meeting reviews via the meetings app, with their tally).
    """
    application = _lock(application_id)
    new = _move(application, Action.DECIDE, actor)
    if outcome not in _allowed_outcomes(application.kind):
        raise _invalid(
            "outcome",
            _("This outcome is not possible for this kind of application."),
            "invalid_choice",
        )
    problems = regulations.outcome_problems(
        regulations.Outcome(outcome), conditions=conditions, reasons=reasons
    )
    if problems:
        field = "conditions" if problems[0].code == "conditions_required" else "reasons"
        raise _invalid(field, problems[0].message, problems[0].code)
    review = open_review(application)
    now = timezone.now()
    year = timezone.localtime(now).year
    sequence = numbering.next_number(
        committee_id=application.committee_id, year=year, kind=NumberSequence.Kind.DECISION
    )
    decision = Decision.objects.create(
        application=application,
        review=review,
        committee_id=application.committee_id,
        outcome=outcome,
        conditions=conditions.strip(),
        reasons=reasons.strip(),
        tally=dict(tally or {}),
        decided_at=now,
        year=year,
        sequence=sequence,
        number=numbering.decision_number(application.committee_id, year, sequence),
        next_tracking_due=next_tracking_due(application, outcome, timezone.localdate(now)),
        signed_by=actor,
        signature_name=actor.display_name,
        signature_meaning=meaning or _site_text(_("Signed as chair: issues the review decision")),
        signed_at=now,
    )
    review.state = ReviewState.DECIDED
    review.closed_at = now
    review.save(update_fields=["state", "closed_at"])
    kernel.deadline_close(kind=DeadlineKind.DECISION, subject=review, actor=actor)
    before = application.status
    application.status = new
    application.decided_at = now
    application.save()
    project = application.project
    # Listed activities wait for expert re-review (R38) before the project counts as approved.
    if decision.is_approval and application.kind == Kind.INITIAL and not project.listed:
        Project.objects.filter(pk=project.pk).update(status=ProjectStatus.APPROVED)
        _record(
            actor,
            "project.approve",
            project,
            {"status": project.status},
            {"status": ProjectStatus.APPROVED},
        )
    _record(
        actor,
        "application.decide",
        application,
        {"status": before},
        {"status": new, "outcome": outcome, "number": decision.number, "tally": decision.tally},
    )
    _notify(
        applicants(project),
        application,
        _("Decision on %(ref)s: %(outcome)s"),
        "application.decide (R26)",
        outcome=_site_text(Outcome(outcome).label),
    )
    decision_id = decision.pk
    transaction.on_commit(lambda: _enqueue_letter(decision_id))
    return decision


def _enqueue_letter(decision_id: int) -> None:
    from reviews.tasks import render_letter_task

    render_letter_task.delay(decision_id)


def _simplified_tally(review: Review, outcome: str) -> dict[str, Any]:
    assignments = _active_assignments(review)
    agreed, _reason = _agreed_verdict(assignments)
    rules = review.application.rules
    problems = regulations.simplified_problems(review.grounds, len(assignments), rules=rules)
    if problems:
        raise Conflict(
            problems[0].code,
            problems[0].message,
            rule=problems[0].rule,
            problems=[p.as_dict() for p in problems],
        )
    if agreed is None:
        raise Conflict(
            "opinions_pending",
            _("Every designated reviewer must give an opinion first."),
            rule="R33",
        )
    if agreed not in workflow.SIMPLIFIED_APPROVING or outcome != agreed:
        raise Conflict(
            "outcome_not_agreed",
            _("The simplified procedure decides only the approval all reviewers agreed on."),
            rule="R34",
        )
    return {
        "procedure": Procedure.SIMPLIFIED,
        "reviewers": len(assignments),
        "verdicts": dict(Counter(a.opinion.verdict for a in assignments)),
    }


@transaction.atomic
def application_decide(
    *, application_id: int, outcome: str, actor: User, conditions: str = "", reasons: str = ""
) -> Decision:
    """The chair decides a simplified (R33-R34) or emergency (R48-R49) review."""
    application = _lock(application_id)
    workflow.next_status(application.status, Action.DECIDE)
    _require(actor, Action.DECIDE, application)
    review = open_review(application)
    if review.procedure == Procedure.MEETING:
        raise Conflict("meeting_review", _("This application is decided by a meeting."), rule="R15")
    if review.procedure == Procedure.SIMPLIFIED:
        tally = _simplified_tally(review, outcome)
    else:
        assignments = _active_assignments(review)
        if not assignments or any(not hasattr(a, "opinion") for a in assignments):
            # R49: the emergency procedure does not lower the standard of review.
            raise Conflict(
                "opinions_pending",
                _("Every assigned reviewer must give an opinion first."),
                rule="R49",
            )
        tally = {
            "procedure": Procedure.EMERGENCY,
            "reviewers": len(assignments),
            "verdicts": dict(Counter(a.opinion.verdict for a in assignments)),
        }
    return decision_issue(
        application_id=application_id,
        outcome=outcome,
        actor=actor,
        conditions=conditions,
        reasons=reasons,
        tally=tally,
    )


# --- decision letters (R26) -------------------------------------------------------------------


def letter_context(decision: Decision) -> dict[str, Any]:
    application = decision.application
    project = application.project
    regime = regulations.Regime(application.rules.regime)
    certified = {
        "number": decision.number,
        "ref": application.ref,
        "committee": application.committee.name,
        "project": project.title,
        "outcome": decision.outcome,
        "conditions": decision.conditions,
        "reasons": decision.reasons,
        "decided_at": decision.decided_at,
        "next_tracking_due": decision.next_tracking_due,
        "signed_by": decision.signature_name,
    }
    return {
        "decision": decision,
        "application": application,
        "project": project,
        "committee": application.committee,
        "outcome_zh": regulations.outcome_term_zh(regulations.Outcome(decision.outcome), regime),
        "is_approval": decision.is_approval,
        "procedure": application.procedure,
        "decided_on": timezone.localtime(decision.decided_at).date(),
        "hash": pdf.verification_hash(certified),
    }


def letter_render(*, decision_id: int) -> Decision:
    """Render the 批件/意见 PDF once per (decision, template version) and store it with its hash."""
    decision = Decision.objects.select_related(
        "application__project", "application__committee"
    ).get(pk=decision_id)
    if decision.letter and decision.letter_template_version == LETTER_TEMPLATE_VERSION:
        return decision
    context = letter_context(decision)
    data = pdf.render(LETTER_TEMPLATE, context)
    with transaction.atomic():
        locked = Decision.objects.select_for_update().get(pk=decision_id)
        if locked.letter and locked.letter_template_version == LETTER_TEMPLATE_VERSION:
            return locked
        locked.letter.save(f"{locked.number}.pdf", ContentFile(data), save=False)
        locked.letter_hash = context["hash"]
        locked.letter_template_version = LETTER_TEMPLATE_VERSION
        locked.letter_rendered_at = timezone.now()
        locked.save(
            update_fields=["letter", "letter_hash", "letter_template_version", "letter_rendered_at"]
        )
        _record(
            None,
            "letter.render",
            decision.application,
            after={"number": locked.number, "hash": locked.letter_hash},
        )
    return locked


@transaction.atomic
def letter_open(*, decision_id: int, actor: User) -> Decision:
    """Permission-check a letter download and audit it."""
    decision = Decision.objects.select_related("application__project").get(pk=decision_id)
    _require(actor, "download", decision)
    if not decision.letter:
        raise Conflict("letter_not_ready", _("The letter is still being prepared."))
    _record(
        actor,
        "letter.download",
        decision.application,
        after={"number": decision.number, "hash": decision.letter_hash},
    )
    return decision
