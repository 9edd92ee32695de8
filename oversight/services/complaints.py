"""Every state change of complaints (R55) and investigations (R56).

Each service owns its transaction, locks the case, checks the permission and the workflow,
writes the audit row (never the reporter's name or contact: the trail is read beyond the
officers) and opens or closes the case's clocks. The clocks carry no committee id, so the
deadlines pages (seen by every member) do not show that a case exists; the reminders go to the
officers handling it (`complaint_handlers`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees import services as committee_services
from committees.models import Committee
from committees.selectors import committee_rules
from ethics import audit, jobs, pdf, regulations
from ethics import services as kernel
from ethics.deadlines import day_period_due_at, end_of_day
from ethics.errors import Conflict
from ethics.models import Institution, User
from ethics.selectors import working_calendar
from ethics.services import require, site_text
from oversight import complaints_clocks as clocks
from oversight import complaints_selectors as selectors
from oversight.complaints_workflow import (
    TRIAGE,
    ComplaintAction,
    InvestigationAction,
    complaint_next,
    investigation_next,
)
from oversight.models_complaints import (
    Complaint,
    ComplaintMessage,
    ComplaintStatus,
    CorrectiveMeasure,
    Evidence,
    HandlingBody,
    Investigation,
    InvestigationStatus,
    InvestigationStep,
    Origin,
    ReferralPackage,
    ReferralState,
    StepKind,
)


def _rules(case: Complaint | Investigation) -> regulations.RuleSet:
    if case.committee is not None:
        return committee_rules(case.committee)
    return regulations.MEAS


def complaint_url(complaint: Complaint) -> str:
    return reverse("oversight:complaint-detail", args=[complaint.pk])


def investigation_url(investigation: Investigation) -> str:
    return reverse("oversight:investigation-detail", args=[investigation.pk])


def _lock(pk: int) -> Complaint:
    return Complaint.objects.select_for_update(of=("self",)).select_related("committee").get(pk=pk)


def _lock_investigation(pk: int) -> Investigation:
    return (
        Investigation.objects.select_for_update(of=("self",)).select_related("committee").get(pk=pk)
    )


# --- complaints (R55) ---------------------------------------------------------------------------


def new_receipt_code() -> str:
    """An unguessable receipt code (192 random bits, 32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


@transaction.atomic
def complaint_submit(
    *,
    institution: Institution,
    committee: Committee | None,
    subject_kind: str,
    summary: str,
    description: str,
    anonymous: bool,
    reporter_kind: str,
    reporter_name: str = "",
    reporter_contact: str = "",
    project_text: str = "",
    person_text: str = "",
) -> tuple[Complaint, str]:
    """Receive a complaint from anyone (R55): the case, its acknowledgement clock and the receipt
    code the reporter keeps (only its hash is stored). No account is linked to it."""
    if committee is not None and committee.institution_id != institution.pk:
        raise kernel.invalid(
            "committee", _("This committee does not belong to that institution."), "mismatch"
        )
    code = new_receipt_code()
    complaint = Complaint.objects.create(
        institution=institution,
        committee=committee,
        subject_kind=subject_kind,
        summary=summary,
        description=description,
        anonymous=anonymous,
        reporter_kind=reporter_kind,
        reporter_name="" if anonymous else reporter_name,
        reporter_contact="" if anonymous else reporter_contact,
        project_text=project_text,
        person_text=person_text,
        receipt_hash=selectors.receipt_hash(code),
    )
    audit.record(
        actor=None,
        action="complaint.submit",
        target=complaint,
        after={"status": complaint.status, "subject_kind": subject_kind, "anonymous": anonymous},
        reason="R55",
    )
    rules = _rules(complaint)
    days = rules.complaint_acknowledge_days
    kernel.deadline_open(
        kind=clocks.COMPLAINT_ACKNOWLEDGE,
        subject=complaint,
        due_at=day_period_due_at(complaint.received_at, days.value, calendar=working_calendar()),
        title=site_text(_("Acknowledge %(case)s"), case=str(complaint)),
        rule=days.rule,
    )
    kernel.notify(
        recipients=selectors.complaint_handlers(complaint),
        title=_("A complaint was received: %(case)s"),
        params={"case": str(complaint)},
        url=complaint_url(complaint),
        cause="complaint.submit (R55)",
    )
    return complaint, code


def _message(complaint: Complaint, actor: User, body: str, to_reporter: bool) -> None:
    if body:
        ComplaintMessage.objects.create(
            complaint=complaint, created_by=actor, body=body, to_reporter=to_reporter
        )


def _move(complaint: Complaint, action: ComplaintAction) -> tuple[str, str]:
    """Move the complaint along its table; returns (before, after) for the audit row."""
    new = complaint_next(complaint.status, action)
    before = complaint.status
    complaint.status = new
    return before, new


@transaction.atomic
def complaint_acknowledge(*, complaint_id: int, actor: User, message: str = "") -> Complaint:
    """Acknowledge receipt (R55): the acknowledgement clock is met, the handling clock starts."""
    complaint = _lock(complaint_id)
    require(actor, "acknowledge", complaint)
    before, new = _move(complaint, ComplaintAction.ACKNOWLEDGE)
    complaint.acknowledged_at = timezone.now()
    complaint.save(update_fields=["status", "acknowledged_at", "updated_at"])
    audit.record(
        actor=actor,
        action="complaint.acknowledge",
        target=complaint,
        before={"status": before},
        after={"status": new},
        reason="R55",
    )
    _message(complaint, actor, message, to_reporter=True)
    kernel.deadline_close(kind=clocks.COMPLAINT_ACKNOWLEDGE, subject=complaint, actor=actor)
    days = _rules(complaint).complaint_handling_days
    kernel.deadline_open(
        kind=clocks.COMPLAINT_HANDLING,
        subject=complaint,
        due_at=day_period_due_at(
            complaint.acknowledged_at, days.value, calendar=working_calendar()
        ),
        title=site_text(_("Handle %(case)s"), case=str(complaint)),
        rule=days.rule,
        actor=actor,
    )
    return complaint


@transaction.atomic
def complaint_triage(
    *,
    complaint_id: int,
    actor: User,
    outcome: str,
    reason: str = "",
    referred_to: str = "",
    message: str = "",
) -> Complaint:
    """Triage an acknowledged complaint (R55): not accepted (with reasons), accepted, or referred
    to a named body. Not accepted and referred end the handling clock."""
    complaint = _lock(complaint_id)
    require(actor, "triage", complaint)
    action = TRIAGE.get(outcome)
    if action is None:
        raise kernel.invalid("outcome", _("Choose accepted, not accepted or referred."), "invalid")
    problems = []
    if action == ComplaintAction.NOT_ACCEPT and not reason.strip():
        problems.append(_("A complaint that is not accepted needs the reasons."))
    if action == ComplaintAction.REFER and not referred_to.strip():
        problems.append(_("A referral names the body it goes to."))
    if problems:
        raise Conflict(
            "triage_incomplete",
            _("The triage cannot be recorded."),
            rule="R55",
            problems=[
                {"code": "triage_incomplete", "rule": "R55", "message": str(p)} for p in problems
            ],
        )
    before, new = _move(complaint, action)
    audit.record(
        actor=actor,
        action=(
            "complaint.accept"
            if action == ComplaintAction.ACCEPT
            else "complaint.not_accept"
            if action == ComplaintAction.NOT_ACCEPT
            else "complaint.refer"
        ),
        target=complaint,
        before={"status": before},
        after={"status": new, "referred_to": referred_to},
        reason="R55",
    )
    complaint.triaged_at = timezone.now()
    complaint.triage_reason = reason
    complaint.referred_to = referred_to if action == ComplaintAction.REFER else ""
    complaint.save(
        update_fields=["status", "triaged_at", "triage_reason", "referred_to", "updated_at"]
    )
    _message(complaint, actor, message, to_reporter=True)
    if action != ComplaintAction.ACCEPT:
        kernel.deadline_close(kind=clocks.COMPLAINT_HANDLING, subject=complaint, actor=actor)
    return complaint


@transaction.atomic
def complaint_link(
    *, complaint_id: int, actor: User, projects: list[Any], persons: list[User]
) -> Complaint:
    """Link the projects and the people the complaint concerns (R55); the list replaces the
    previous one. A linked person no longer sees the case (nor ever did)."""
    complaint = _lock(complaint_id)
    require(actor, "link", complaint)
    if not complaint.is_open:
        raise Conflict("complaint_closed", _("A closed complaint cannot be changed."), rule="R55")
    before = {
        "projects": sorted(complaint.projects.values_list("pk", flat=True)),
        "persons": sorted(complaint.persons.values_list("pk", flat=True)),
    }
    if actor in persons:
        raise Conflict(
            "own_case",
            _("You cannot link yourself to a case you handle; ask another officer."),
            rule="R55",
        )
    complaint.projects.set(projects)
    complaint.persons.set(persons)
    audit.record(
        actor=actor,
        action="complaint.link",
        target=complaint,
        before=before,
        after={
            "projects": sorted(p.pk for p in projects),
            "persons": sorted(p.pk for p in persons),
        },
        reason="R55",
    )
    return complaint


@transaction.atomic
def complaint_message(
    *, complaint_id: int, actor: User, body: str, to_reporter: bool
) -> ComplaintMessage:
    """A message to the reporter (shown on the receipt page) or an internal note."""
    complaint = _lock(complaint_id)
    require(actor, "message", complaint)
    note = ComplaintMessage.objects.create(
        complaint=complaint, created_by=actor, body=body, to_reporter=to_reporter
    )
    audit.record(
        actor=actor,
        action="complaint.message",
        target=complaint,
        after={"to_reporter": to_reporter, "message": note.pk},
    )
    return note


@transaction.atomic
def complaint_close(*, complaint_id: int, actor: User, reason: str, message: str = "") -> Complaint:
    """Close an accepted complaint once handled (R55); the handling clock is met."""
    complaint = _lock(complaint_id)
    require(actor, "close", complaint)
    if complaint.investigations.filter(status=InvestigationStatus.OPEN).exists():
        raise Conflict(
            "investigation_open",
            _("An investigation of this complaint is still open."),
            rule="R56",
        )
    before, new = _move(complaint, ComplaintAction.CLOSE)
    audit.record(
        actor=actor,
        action="complaint.close",
        target=complaint,
        before={"status": before},
        after={"status": new},
        reason="R55",
    )
    complaint.closed_at = timezone.now()
    complaint.save(update_fields=["status", "closed_at", "updated_at"])
    _message(complaint, actor, reason, to_reporter=False)  # how it was handled, for the file
    _message(complaint, actor, message, to_reporter=True)
    kernel.deadline_close(
        kind=clocks.COMPLAINT_HANDLING, subject=complaint, actor=actor, reason=reason
    )
    return complaint


# --- investigations (R56) -----------------------------------------------------------------------


def _open(
    *,
    actor: User,
    institution: Institution,
    committee: Committee | None,
    complaint: Complaint | None,
    title: str,
    scope: str,
    handling_body: str,
    projects: list[Any],
    persons: list[User],
) -> Investigation:
    if handling_body not in HandlingBody.values:
        raise kernel.invalid("handling_body", _("Choose the handling body."), "invalid")
    if actor in persons:
        raise Conflict(
            "own_case",
            _("You cannot open an investigation concerning yourself; ask another officer."),
            rule="R56",
        )
    investigation = Investigation.objects.create(
        institution=institution,
        committee=committee,
        complaint=complaint,
        origin=Origin.COMPLAINT if complaint else Origin.OWN_INITIATIVE,
        handling_body=handling_body,
        title=title,
        scope=scope,
        created_by=actor,
    )
    investigation.projects.set(projects)
    investigation.persons.set(persons)
    audit.record(
        actor=actor,
        action="investigation.open",
        target=investigation,
        after={
            "origin": investigation.origin,
            "handling_body": handling_body,
            "complaint": complaint.pk if complaint else None,
            "projects": sorted(p.pk for p in projects),
            "persons": sorted(p.pk for p in persons),
        },
        reason="R56",
    )
    return investigation


@transaction.atomic
def investigation_open_from_complaint(
    *,
    complaint_id: int,
    actor: User,
    title: str,
    scope: str = "",
    handling_body: str = HandlingBody.UNIT,
) -> Investigation:
    """Open an investigation of an accepted complaint (R56), with its links."""
    complaint = _lock(complaint_id)
    require(actor, "investigate", complaint)
    if complaint.status != ComplaintStatus.ACCEPTED:
        raise Conflict(
            "complaint_not_accepted",
            _("Only an accepted complaint is investigated."),
            rule="R56",
        )
    return _open(
        actor=actor,
        institution=complaint.institution,
        committee=complaint.committee,
        complaint=complaint,
        title=title,
        scope=scope,
        handling_body=handling_body,
        projects=list(complaint.projects.all()),
        persons=list(complaint.persons.all()),
    )


@transaction.atomic
def investigation_open(
    *,
    actor: User,
    committee: Committee,
    title: str,
    scope: str = "",
    handling_body: str = HandlingBody.UNIT,
    projects: list[Any] | None = None,
    persons: list[User] | None = None,
) -> Investigation:
    """Open an investigation on the institution's own initiative (R56)."""
    from committees.policies import may_manage_committee

    if not may_manage_committee(actor, committee):
        raise kernel.invalid("committee", _("Choose a committee you manage."), "does_not_exist")
    return _open(
        actor=actor,
        institution=committee.institution,
        committee=committee,
        complaint=None,
        title=title,
        scope=scope,
        handling_body=handling_body,
        projects=projects or [],
        persons=persons or [],
    )


def _require_open(investigation: Investigation) -> None:
    if investigation.status != InvestigationStatus.OPEN:
        raise Conflict(
            "investigation_not_open",
            _("The investigation is no longer open."),
            rule="R56",
        )


@transaction.atomic
def investigation_step_add(
    *,
    investigation_id: int,
    actor: User,
    kind: str,
    happened_on: date,
    title: str,
    interviewee: str = "",
    notes: str = "",
) -> InvestigationStep:
    """Record a step, an interview or a finding of fact (R56)."""
    investigation = _lock_investigation(investigation_id)
    require(actor, "record", investigation)
    _require_open(investigation)
    if kind == StepKind.INTERVIEW and not interviewee.strip():
        raise kernel.invalid("interviewee", _("Name who was interviewed."), "required")
    step = InvestigationStep.objects.create(
        investigation=investigation,
        kind=kind,
        happened_on=happened_on,
        title=title,
        interviewee=interviewee,
        notes=notes,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="investigation.step",
        target=investigation,
        after={"step": step.pk, "kind": kind, "on": happened_on},
        reason="R56",
    )
    return step


@transaction.atomic
def evidence_add(*, investigation_id: int, actor: User, title: str, file: UploadedFile) -> Evidence:
    """Attach an evidence document (checked like every upload: ethics/uploads.py)."""
    investigation = _lock_investigation(investigation_id)
    require(actor, "record", investigation)
    _require_open(investigation)
    evidence = Evidence(investigation=investigation, title=title, created_by=actor)
    committee_services.attach_file(evidence, file)
    evidence.save()
    audit.record(
        actor=actor,
        action="investigation.evidence",
        target=investigation,
        after={"evidence": evidence.pk, "sha256": evidence.sha256, "size": evidence.size},
        reason="R56",
    )
    committee_services.quarantine_record(evidence, actor, committee_id=investigation.committee_id)
    return evidence


@transaction.atomic
def investigation_conclude(
    *, investigation_id: int, actor: User, finding: str, conclusion: str
) -> Investigation:
    """Record the conclusion (R56); it rests on at least one recorded finding of fact."""
    investigation = _lock_investigation(investigation_id)
    require(actor, "conclude", investigation)
    new = investigation_next(investigation.status, InvestigationAction.CONCLUDE)
    if not investigation.steps.filter(kind=StepKind.FINDING).exists():
        raise Conflict(
            "no_finding",
            _("Record at least one finding before concluding."),
            rule="R56",
        )
    before = investigation.status
    investigation.status = new
    investigation.finding = finding
    investigation.conclusion = conclusion
    investigation.concluded_at = timezone.now()
    investigation.save(
        update_fields=["status", "finding", "conclusion", "concluded_at", "updated_at"]
    )
    audit.record(
        actor=actor,
        action="investigation.conclude",
        target=investigation,
        before={"status": before},
        after={"status": new, "finding": finding},
        reason="R56",
    )
    return investigation


@transaction.atomic
def measure_add(
    *,
    investigation_id: int,
    actor: User,
    description: str,
    due_on: date,
    responsible: User | None = None,
) -> CorrectiveMeasure:
    """Order a corrective measure with its due date; its clock reminds the people handling it."""
    investigation = _lock_investigation(investigation_id)
    require(actor, "record", investigation)
    if investigation.status == InvestigationStatus.CLOSED:
        _require_open(investigation)
    if due_on < timezone.localdate():
        raise kernel.invalid("due_on", _("This date cannot be in the past."), "past_date")
    measure = CorrectiveMeasure.objects.create(
        investigation=investigation,
        description=description,
        due_on=due_on,
        responsible=responsible,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="investigation.measure",
        target=investigation,
        after={
            "measure": measure.pk,
            "due_on": due_on,
            "responsible": getattr(responsible, "pk", None),
        },
        reason="R56",
    )
    kernel.deadline_open(
        kind=clocks.CORRECTIVE_MEASURE,
        subject=measure,
        due_at=end_of_day(due_on),
        title=site_text(_("Corrective measure of %(case)s"), case=str(investigation)),
        rule="R56",
        actor=actor,
    )
    return measure


@transaction.atomic
def measure_complete(
    *, investigation_id: int, actor: User, measure: CorrectiveMeasure, completed_on: date, note: str
) -> CorrectiveMeasure:
    """Record that a corrective measure was carried out; its clock is met."""
    investigation = _lock_investigation(investigation_id)
    require(actor, "record", investigation)
    locked = CorrectiveMeasure.objects.select_for_update(of=("self",)).get(
        pk=measure.pk, investigation=investigation
    )
    if locked.completed_on is not None:
        raise Conflict("measure_done", _("This measure is already recorded as done."), rule="R56")
    locked.completed_on = completed_on
    locked.completion_note = note
    locked.save(update_fields=["completed_on", "completion_note"])
    audit.record(
        actor=actor,
        action="investigation.measure_done",
        target=investigation,
        after={"measure": locked.pk, "completed_on": completed_on},
        reason="R56",
    )
    kernel.deadline_close(kind=clocks.CORRECTIVE_MEASURE, subject=locked, actor=actor)
    return locked


@transaction.atomic
def investigation_close(*, investigation_id: int, actor: User) -> Investigation:
    """Close a concluded investigation once every corrective measure is done (R56)."""
    investigation = _lock_investigation(investigation_id)
    require(actor, "close", investigation)
    new = investigation_next(investigation.status, InvestigationAction.CLOSE)
    open_measures = list(investigation.measures.filter(completed_on=None))
    if open_measures:
        raise Conflict(
            "measures_open",
            _("Every corrective measure must be done before the investigation closes."),
            rule="R56",
            problems=[
                {"code": "measure_open", "rule": "R56", "message": m.description}
                for m in open_measures
            ],
        )
    before = investigation.status
    investigation.status = new
    investigation.closed_at = timezone.now()
    investigation.save(update_fields=["status", "closed_at", "updated_at"])
    audit.record(
        actor=actor,
        action="investigation.close",
        target=investigation,
        before={"status": before},
        after={"status": new},
        reason="R56",
    )
    return investigation


# --- the referral package (R56) -----------------------------------------------------------------


@transaction.atomic
def referral_prepare(*, investigation_id: int, actor: User, authority: str) -> ReferralPackage:
    """Queue the referral package (PDF) of a concluded investigation to the competent authority."""
    investigation = _lock_investigation(investigation_id)
    require(actor, "refer", investigation)
    if investigation.status == InvestigationStatus.OPEN:
        raise Conflict(
            "investigation_open",
            _("Conclude the investigation before preparing its referral package."),
            rule="R56",
        )
    version = (investigation.referrals.aggregate(v=Max("version"))["v"] or 0) + 1
    package = ReferralPackage.objects.create(
        investigation=investigation, version=version, authority=authority, requested_by=actor
    )
    audit.record(
        actor=actor,
        action="investigation.referral",
        target=investigation,
        after={"version": version, "authority": authority},
        reason="R56",
    )
    jobs.enqueue("oversight.render_referral", package_id=package.pk)
    return package


def referral_content(package: ReferralPackage) -> dict[str, Any]:
    """What the referral package certifies (its verification hash covers exactly this)."""
    inv = package.investigation
    return {
        "number": inv.number,
        "version": package.version,
        "authority": package.authority,
        "institution": inv.institution.name,
        "committee": inv.committee.name if inv.committee else "",
        "complaint": inv.complaint.number if inv.complaint else "",
        "handling_body": inv.handling_body,
        "title": inv.title,
        "scope": inv.scope,
        "finding": inv.finding,
        "conclusion": inv.conclusion,
        "steps": [
            [s.kind, s.happened_on, s.title, s.interviewee, s.notes]
            for s in inv.steps.order_by("happened_on", "id")
        ],
        "evidence": [[e.title, e.original_name, e.sha256] for e in inv.evidence.order_by("id")],
        "measures": [
            [m.description, m.due_on, m.completed_on] for m in inv.measures.order_by("due_on", "id")
        ],
    }


@transaction.atomic
def referral_render(*, package_id: int) -> ReferralPackage:
    """Render the referral package's PDF once (idempotent)."""
    package = (
        ReferralPackage.objects.select_for_update(of=("self",))
        .select_related("investigation__institution", "investigation__committee")
        .get(pk=package_id)
    )
    if package.state == ReferralState.READY:
        return package
    data = referral_content(package)
    code = pdf.verification_hash(data)
    investigation = package.investigation
    url = settings.SITE_URL.rstrip("/") + reverse("oversight:referral-verify", args=[code])
    content = pdf.render(
        "pdf/oversight/referral.html",
        {
            "package": package,
            "investigation": investigation,
            "steps": investigation.steps.order_by("happened_on", "id"),
            "evidence": investigation.evidence.order_by("id"),
            "measures": investigation.measures.order_by("due_on", "id"),
            "code": code,
            "verify_url": url,
            "qr_svg": pdf.qr_svg(url),
            "rendered_at": timezone.now(),
        },
    )
    package.pdf.save(
        f"referral-{investigation.pk}-v{package.version}.pdf", ContentFile(content), save=False
    )
    package.pdf_sha256 = hashlib.sha256(content).hexdigest()
    package.verification_hash = code
    package.state = ReferralState.READY
    package.rendered_at = timezone.now()
    package.error = ""
    package.save()
    audit.record(
        actor=None,
        action="investigation.referral_render",
        target=investigation,
        after={"version": package.version, "hash": code, "pdf_sha256": package.pdf_sha256},
    )
    return package


def referral_render_failed(*, package_id: int, error: str) -> None:
    ReferralPackage.objects.filter(pk=package_id).exclude(state=ReferralState.READY).update(
        state=ReferralState.FAILED, error=error[:2000]
    )


# --- the annual report's figures ----------------------------------------------------------------


def annual_figures(committee: Committee, year: int) -> dict[str, int]:
    """The complaints and investigations of `committee` received or opened in `year` (R55, R56):
    counts only, for the annual report (reports.figures wires them in)."""
    complaints = Complaint.objects.filter(committee=committee, received_at__year=year)
    by_status = dict(
        complaints.values_list("status").annotate(n=models.Count("id")).values_list("status", "n")
    )
    investigations = Investigation.objects.filter(committee=committee, created_at__year=year)
    inv = investigations.aggregate(
        opened=models.Count("id"),
        from_complaints=models.Count("id", filter=models.Q(origin=Origin.COMPLAINT)),
        concluded=models.Count("id", filter=~models.Q(status=InvestigationStatus.OPEN)),
        violations=models.Count("id", filter=models.Q(finding__in=["substantiated", "partly"])),
    )
    measures = CorrectiveMeasure.objects.filter(investigation__in=investigations).aggregate(
        ordered=models.Count("id"),
        done=models.Count("id", filter=models.Q(completed_on__isnull=False)),
    )
    return {
        "complaints_received": sum(by_status.values()),
        "complaints_accepted": by_status.get(ComplaintStatus.ACCEPTED, 0)
        + by_status.get(ComplaintStatus.CLOSED, 0),
        "complaints_not_accepted": by_status.get(ComplaintStatus.NOT_ACCEPTED, 0),
        "complaints_referred": by_status.get(ComplaintStatus.REFERRED, 0),
        "complaints_open": sum(
            by_status.get(s, 0)
            for s in (
                ComplaintStatus.RECEIVED,
                ComplaintStatus.ACKNOWLEDGED,
                ComplaintStatus.ACCEPTED,
            )
        ),
        "investigations_opened": inv["opened"] or 0,
        "investigations_from_complaints": inv["from_complaints"] or 0,
        "investigations_concluded": inv["concluded"] or 0,
        "violations_found": inv["violations"] or 0,
        "measures_ordered": measures["ordered"] or 0,
        "measures_done": measures["done"] or 0,
    }
