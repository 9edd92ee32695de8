"""Applications and their versioned documents (R13, R14; users.md #3)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from committees.services import attach_file, may_open_quarantined, quarantine_record
from ethics.errors import Conflict
from ethics.files import previewable
from ethics.models import User
from ethics.services import invalid, require
from reviews import checklist, workflow
from reviews.models import (
    Application,
    Decision,
    Document,
    DocumentVersion,
    Outcome,
    Project,
)
from reviews.services._common import (
    applicants,
    latest_decision,
    lock_application,
    notify_application,
    record,
    secretaries,
)
from reviews.services.team import amendment_team_change
from reviews.workflow import Kind, Status

# --- applications and documents (R13, R14) ----------------------------------------------------


def _regimes_for(project: Project) -> list[str]:
    """The NHC regime applies on top of MEAS only where the research involves humans (§6.1)."""
    codes = project.committee.regime_codes
    human = bool(set(project.scope) & checklist.HUMAN_SCOPES)
    return [code for code in codes if code != "nhc" or human] or ["meas"]


@transaction.atomic
def application_create(
    *,
    project_id: int,
    actor: User,
    kind: str = Kind.INITIAL,
    summary: str = "",
    major_change: bool = False,
    team_add: Iterable[User] = (),
    team_remove: Iterable[User] = (),
) -> Application:
    """Start a draft application of `kind` for a project.

    The team is frozen from the first submission (R20a): only an amendment proposes a change
    (`team_add`, `team_remove`), applied when the committee approves it.

    Amendments, tracking reports, risk and deviation reports and closure exist only for an
    approved activity (R28, R30, R31a); an appeal is filed against a decision (R27, see
    ``appeal_file``).
    """
    project = Project.objects.select_related("committee").get(pk=project_id)
    require(actor, "apply", project)
    if kind not in Kind.values:
        raise invalid("kind", _("Unknown application kind."), "invalid_choice")
    if kind == Kind.APPEAL:
        raise Conflict(
            "appeal_via_decision",
            _("An appeal is filed against a decision: use the appeal action of that application."),
            rule="R27",
        )
    if kind == Kind.EXEMPTION and "nhc" not in _regimes_for(project):
        raise Conflict(
            "exemption_needs_nhc",
            _("Exemption from ethics review exists only for research under the NHC measures."),
            rule="N10",
        )
    if kind in workflow.FOLLOW_UP_KINDS and project.status not in workflow.RUNNING_PROJECT:
        raise Conflict(
            "project_not_approved",
            _("This kind of application needs an approved activity."),
            rule="R31a" if kind == Kind.AMENDMENT else "R28",
        )
    team_add, team_remove = list(team_add), list(team_remove)
    change: dict[str, list[int]] = {}
    if team_add or team_remove:
        if kind != Kind.AMENDMENT:
            raise invalid(
                "team_add", _("Only an amendment application changes the team (R20a)."), "invalid"
            )
        change = amendment_team_change(project, team_add, team_remove)
    application = new_application(project, actor, kind, summary, major_change=major_change)
    if change:
        application.team_change = change
        application.save(update_fields=["team_change"])
        record(actor, "application.team_change", application, after={**change, "rule": "R20a"})
    return application


def new_application(
    project: Project, actor: User, kind: str, summary: str, *, major_change: bool = False
) -> Application:
    """A draft application of `project` and its audit row (the caller owns the transaction)."""
    application = Application.objects.create(
        project=project,
        committee=project.committee,
        kind=kind,
        regimes=_regimes_for(project),
        summary=summary,
        major_change=bool(major_change),
        created_by=actor,
    )
    record(
        actor,
        "application.create",
        application,
        after={"kind": kind, "project": project.pk, "major_change": application.major_change},
    )
    return application


def post_decision_editable(application: Application, decision: Decision | None = None) -> bool:
    """After 修改后批准 or 修改后再审 the applicant uploads the modified documents.

    Pass the latest decision when it is at hand (the pages prefetch it) to save a query.
    """
    if application.status != Status.DECIDED:
        return False
    decision = decision or latest_decision(application)
    if decision is None:
        return False
    if decision.modifications_pending:
        return decision.modifications_submitted_at is None
    return decision.outcome == Outcome.RESUBMIT


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
    application = lock_application(application_id)
    require(actor, "upload", application)
    if slot not in checklist.slots_for(application.kind):
        raise invalid(
            "slot",
            _("This document is not part of this application's checklist."),
            "invalid_choice",
        )
    document, _created = Document.objects.get_or_create(application=application, slot=slot)
    editable = application.status in workflow.EDITABLE or post_decision_editable(application)
    correcting = application.status in workflow.OPEN_STATUSES and document.correction_requested
    if not (editable or correcting):
        raise Conflict(
            "documents_locked",
            _(
                "Documents can be changed in a draft, after a return, when a correction is "
                "requested, or when the decision asks for modifications."
            ),
        )
    version = DocumentVersion(
        document=document,
        version=(document.versions.aggregate(n=Max("version"))["n"] or 0) + 1,
        uploaded_by=actor,
    )
    attach_file(version, upload)
    version.save()
    quarantine_record(version, actor, committee_id=application.project.committee_id)
    record(
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
        notify_application(
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
    application = lock_application(application_id)
    require(actor, "request_correction", application)
    if application.status not in workflow.OPEN_STATUSES:
        raise Conflict("not_open", _("Corrections are requested while the application is open."))
    if slot not in checklist.slots_for(application.kind):
        raise invalid(
            "slot",
            _("This document is not part of this application's checklist."),
            "invalid_choice",
        )
    if not note.strip():
        raise invalid("note", _("Say what needs to be corrected."), "required")
    document, _created = Document.objects.get_or_create(application=application, slot=slot)
    document.correction_requested = True
    document.correction_note = note.strip()
    document.save(update_fields=["correction_requested", "correction_note"])
    record(actor, "document.correction_requested", application, after={"slot": slot}, reason=note)
    notify_application(
        applicants(application.project),
        application,
        _("Please correct a document of %(ref)s: %(note)s"),
        "document.correction_requested",
        note=note.strip(),
    )
    return document


@transaction.atomic
def document_open(*, version_id: int, actor: User, inline: bool = False) -> DocumentVersion:
    """Permission-check a document download and audit it; `inline` is the PDF preview (a PDF
    only, never a quarantined one: 404), audited as ``document.preview``."""
    version = DocumentVersion.objects.select_related("document__application__project").get(
        pk=version_id
    )
    require(actor, "download", version)
    if version.quarantine and not may_open_quarantined(
        actor, version.document.application.project.committee_id
    ):
        raise Http404
    if inline and not previewable(version.content_type, version.quarantine):
        raise Http404
    record(
        actor,
        "document.preview" if inline else "document.download",
        version.document.application,
        after={"slot": version.document.slot, "version": version.version, "sha256": version.sha256},
    )
    return version
