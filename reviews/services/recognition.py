"""Mutual recognition of another committee's decision (结果互认, R31, N12)."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics import deadlines, regulations, uploads
from ethics import services as kernel
from ethics.errors import Conflict
from ethics.models import User
from ethics.selectors import working_calendar
from ethics.services import invalid, site_text
from reviews import clocks
from reviews.models import Recognition
from reviews.services._common import (
    lock_project,
    notify_project,
    record,
    secretaries,
)
from reviews.services.letters import decision_by_code
from reviews.services.lifecycle import project_move
from reviews.workflow import ProjectAction, ProjectStatus

# --- mutual recognition (结果互认, R31, N12) ---------------------------------------------------


@transaction.atomic
def recognition_record(
    *,
    committee_id: int,
    decision_number: str,
    verification_hash: str,
    actor: User,
    local_checks: str = "",
) -> Recognition:
    """A participating committee recognises another committee's approval instead of reviewing.

    The secretary enters the letter's number and verification code; both must match a decision
    that lets the activity proceed, of a project naming this committee's institution (R31, N12).
    """
    from committees.models import Committee

    committee = Committee.objects.select_for_update().get(pk=committee_id)
    from reviews.policies import managed_committee_ids

    if not (
        actor.is_superuser
        or managed_committee_ids(actor).filter(committee_id=committee.pk).exists()
    ):
        raise PermissionDenied
    decision = decision_by_code(verification_hash, number=decision_number)
    if decision is None:
        raise invalid(
            "verification_hash",
            _("No decision letter has this number and verification code."),
            "invalid",
        )
    project = decision.application.project
    if not decision.grants_approval or decision.committee_id == committee.pk:
        raise Conflict(
            "not_recognisable",
            _("Only another committee's approval letter can be recognised."),
            rule="R31",
        )
    if not project.participating_institutions.filter(pk=committee.institution_id).exists():
        raise Conflict(
            "not_participating",
            _("This committee's institution is not named as a participating institution."),
            rule="R31",
        )
    if Recognition.objects.filter(committee=committee, source_decision=decision).exists():
        raise Conflict("already_recognised", _("This decision is already recognised."))
    recognition = Recognition.objects.create(
        project=project,
        committee=committee,
        source_decision=decision,
        issuing_committee=decision.committee.name[:200],
        decision_number=decision.number,
        decided_on=timezone.localtime(decision.decided_at).date(),
        verification_hash=decision.letter_hash,
        local_checks=local_checks.strip(),
        recorded_by=actor,
    )
    record(
        actor,
        "recognition.record",
        project,
        after={
            "committee": committee.pk,
            "decision": decision.number,
            "hash": decision.letter_hash,
            "rule": "R31",
        },
    )
    notify_project(
        [project.lead, *secretaries(decision.committee_id)],
        project,
        _("%(committee)s recognised the decision %(number)s on %(title)s"),
        "recognition.record (R31)",
        committee=committee.name,
        number=decision.number,
    )
    return recognition


# --- a decision issued elsewhere (R31, N12; BJ 四（四）) -----------------------------------------

# Our letters print their code as "核验码（SHA-256）：<64 hex>" (templates/pdf/reviews/letter.html).
_PRINTED_CODE = re.compile(r"核验码[（(]SHA-256[）)][：:]([0-9a-fA-F]{64})")


def printed_codes(data: bytes) -> set[str]:
    """The verification codes printed in a PDF (our letters carry one), lower case."""
    from pypdf import PdfReader  # where it is used (ethics.uploads: a web worker's memory)

    try:
        reader = PdfReader(io.BytesIO(data))
        text = "".join(page.extract_text() or "" for page in reader.pages[:20])
    except Exception:
        return set()
    compact = re.sub(r"\s+", "", text)
    return {code.lower() for code in _PRINTED_CODE.findall(compact)}


def _read_pdf(letter: UploadedFile) -> bytes:
    if letter.size is not None and letter.size > settings.UPLOAD_MAX_BYTES:
        raise invalid("letter", _("The file is larger than the upload limit."), "too_large")
    data: bytes = letter.read()
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise invalid("letter", _("The file is larger than the upload limit."), "too_large")
    if not data.startswith(b"%PDF-"):
        markers = uploads.lead_markers(data)
        if markers and uploads.looks_like_hidden_pdf(data):
            raise uploads.refusal(
                "letter",
                "polyglot",
                _("The file also contains web page or script content (%(found)s) and was refused."),
                found=", ".join(markers),
            )
        raise invalid("letter", _("Upload the decision letter as a PDF file."), "unsupported_type")
    # The same checks as every other upload (committees.services.attach_file); a letter with
    # active content is always refused: it is evidence, never kept quarantined.
    active = uploads.inspect(data, uploads.PDF_MIME, field="letter")
    if active:
        raise uploads.active_content_refusal("letter", active)
    return data


@transaction.atomic
def recognition_record_outside(
    *,
    committee_id: int,
    project_id: int,
    issuing_committee: str,
    decision_number: str,
    decided_on: date,
    letter: UploadedFile,
    verification_hash: str,
    actor: User,
    local_checks: str = "",
) -> Recognition:
    """A participating committee records an approval issued by a committee outside this system.

    The letter is checked against the verification code given: the SHA-256 of the uploaded PDF
    must equal it, or the PDF must print it (our letters print theirs, "核验码（SHA-256）");
    otherwise the recognition is refused (409, R31). The project is this committee's record of
    the activity at its site; recognising the approval lets it proceed here (R58 needs an
    approval) and starts the site's own tracking-review clock (N12: participating committees do
    the tracking review of their own site; R28 / R45 interval from the committee's rules).
    """
    from committees.models import Committee
    from reviews.policies import managed_committee_ids

    committee = Committee.objects.select_for_update().get(pk=committee_id)
    if not (
        actor.is_superuser
        or managed_committee_ids(actor).filter(committee_id=committee.pk).exists()
    ):
        raise PermissionDenied
    project = lock_project(project_id)
    if project.committee_id != committee.pk:
        raise Conflict(
            "not_this_committees_project",
            _("Record the recognition on this committee's own record of the activity."),
            rule="N12",
        )
    issuing, number = issuing_committee.strip(), decision_number.strip()
    if issuing == committee.name:
        raise Conflict(
            "not_recognisable",
            _("Only another committee's approval letter can be recognised."),
            rule="R31",
        )
    if Recognition.objects.filter(
        committee=committee, issuing_committee=issuing, decision_number=number
    ).exists():
        raise Conflict("already_recognised", _("This decision is already recognised."))
    data = _read_pdf(letter)
    code = verification_hash.strip().lower()
    digest = hashlib.sha256(data).hexdigest()
    if code != digest and code not in printed_codes(data):
        raise Conflict(
            "verification_mismatch",
            _(
                "The verification code matches neither the SHA-256 of the uploaded letter nor "
                "the code printed in it; ask the issuing committee for the original letter."
            ),
            rule="R31",
            problems=[{"code": "verification_mismatch", "rule": "R31", "sha256": digest}],
        )
    recognition = Recognition(
        project=project,
        committee=committee,
        issuing_committee=issuing,
        decision_number=number,
        decided_on=decided_on,
        letter_sha256=digest,
        verification_hash=code,
        local_checks=local_checks.strip(),
        recorded_by=actor,
    )
    recognition.letter.save("letter.pdf", ContentFile(data), save=False)
    recognition.save()
    record(
        actor,
        "recognition.record",
        project,
        after={
            "committee": committee.pk,
            "issuing_committee": issuing,
            "decision": number,
            "decided_on": decided_on,
            "hash": code,
            "sha256": digest,
            "rule": "R31",
        },
    )
    if project.status == ProjectStatus.PLANNED:
        project_move(project, ProjectAction.APPROVE, actor, rule="R31")
    rules = committee.effective_rules()
    interval = regulations.tracking_interval(rules, listed=project.listed)
    due_on = deadlines.month_period_due_on(
        decided_on,
        interval.value,
        calendar=working_calendar(),
        roll_forward=rules.roll_forward_rest_days.value,
    )
    kernel.deadline_open(
        kind=clocks.TRACKING_REVIEW,
        subject=project,
        due_at=deadlines.end_of_day(due_on),
        title=site_text(_("Tracking review of %(title)s"), title=project.title),
        rule="N12",
        committee_id=committee.pk,
        actor=actor,
    )
    notify_project(
        [project.lead, *secretaries(committee.pk)],
        project,
        _("%(committee)s recognised the decision %(number)s on %(title)s"),
        "recognition.record (R31)",
        committee=committee.name,
        number=number,
    )
    return recognition


def recognition_letter_open(*, recognition_id: int, actor: User) -> Recognition:
    """Permission-check a download of the letter stored with a recognition (R31, N12) and audit
    it, like the decision letters (letter_open)."""
    recognition = Recognition.objects.select_related("project").get(pk=recognition_id)
    kernel.require(actor, "download", recognition)
    if not recognition.letter:
        raise Conflict(
            "no_stored_letter",
            _(
                "No letter is stored with this recognition; the recognised decision's own letter is."
            ),
            rule="R31",
        )
    record(
        actor,
        "recognition.letter.download",
        recognition.project,
        after={
            "recognition": recognition.pk,
            "decision": recognition.decision_number,
            "sha256": recognition.letter_sha256,
        },
    )
    return recognition
