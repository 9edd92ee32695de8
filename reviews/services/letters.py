"""Decision letters (R26): numbered decisions, the 批件/意见 PDF and its verification hash."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Role
from ethics import jobs, pdf, regulations
from ethics.errors import Conflict
from ethics.models import User
from ethics.services import require, site_text
from reviews import numbering
from reviews.models import (
    Application,
    Decision,
    DocumentVersion,
    NumberSequence,
    Outcome,
    Review,
)
from reviews.services._common import (
    LETTER_TEMPLATE,
    LETTER_TEMPLATE_VERSION,
    record,
    secretaries,
)
from reviews.services.appeals import is_adverse

# --- decision letters (R26) -------------------------------------------------------------------

# The letter is in Chinese whatever the reader's language: the signer's role as printed.
SIGNER_ROLE_ZH: dict[str, str] = {
    Role.CHAIR: "主任委员",
    Role.VICE_CHAIR: "副主任委员",
    Role.SECRETARY: "秘书",
    Role.MEMBER: "委员",
}


def letter_documents(decision: Decision) -> list[DocumentVersion]:
    """The documents the decision was made on: each slot's newest version uploaded by then."""
    newest: dict[int, DocumentVersion] = {}
    versions = (
        DocumentVersion.objects.filter(
            document__application_id=decision.application_id,
            uploaded_at__lte=decision.decided_at,
        )
        .select_related("document")
        .order_by("document_id", "-version")
    )
    for version in versions:
        newest.setdefault(version.document_id, version)
    return list(newest.values())


def letter_contact(decision: Decision) -> list[dict[str, str]]:
    """Who to ask about the letter: the committee's secretaries (the chair if it has none),
    with the e-mail address stored on their account (the models store no telephone)."""
    people = secretaries(decision.committee_id)
    return [{"name": person.display_name, "email": person.email} for person in people]


def verify_url(code: str) -> str:
    """The public verification page of a letter's code, on SITE_URL (printed with its QR)."""
    return settings.SITE_URL.rstrip("/") + reverse("letter-verify", args=[code])


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
        "stage": decision.stage,
        "follows": decision.follows.number if decision.follows is not None else None,
    }
    rereview = getattr(decision, "rereview_basis", None)
    # The code certifies the fields above only: re-rendering with a newer template (documents,
    # contact, QR) keeps every stored letter's code.
    code = pdf.verification_hash(certified)
    url = verify_url(code)
    return {
        "decision": decision,
        "application": application,
        "project": project,
        "committee": application.committee,
        "outcome_zh": regulations.outcome_term_zh(regulations.Outcome(decision.outcome), regime),
        "is_approval": decision.is_approval,
        # 批件 only when the activity may proceed now; a preliminary approval is an opinion (R38).
        "is_permit": decision.grants_approval and decision.is_approval,
        "rereview": rereview,
        "rereview_opinion_zh": (
            regulations.RereviewOpinion(rereview.opinion).term_zh
            if rereview and rereview.opinion
            else ""
        ),
        "procedure": application.procedure,
        # R27: an adverse decision's letter names the appeal and its period.
        "appealable": is_adverse(decision),
        "appeal_days": application.rules.appeal_days.value,
        "decided_on": timezone.localtime(decision.decided_at).date(),
        # R20a: the role of the officer who actually signed (a vice-chair acting for the chair).
        "signer_role_zh": SIGNER_ROLE_ZH.get(decision.signature_role, "主任委员"),
        "hash": code,
        "documents": letter_documents(decision),
        "contact": letter_contact(decision),
        "verify_url": url,
        "qr_svg": pdf.qr_svg(url),
    }


# --- public verification of a letter's code ---------------------------------------------------

CODE_PATTERN = re.compile(r"[0-9a-f]{64}")


def decision_by_code(code: str, *, number: str | None = None) -> Decision | None:
    """The decision whose letter prints `code` (and has `number`, when given); None for an
    unknown or malformed code. The one lookup of a printed code: the public verification page
    and the recognition of another committee's letter (R31) both use it."""
    code = code.strip().lower()
    if not CODE_PATTERN.fullmatch(code):
        return None
    decisions = Decision.objects.select_related(
        "application__project", "committee__institution"
    ).filter(letter_hash=code)
    if number is not None:
        decisions = decisions.filter(number=number.strip())
    return decisions.first()


class LetterStatus:
    IN_FORCE = "in_force"
    SUPERSEDED = "superseded"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


_STATUS_LABELS: dict[str, Any] = {
    LetterStatus.IN_FORCE: _("No later decision changes it"),
    LetterStatus.SUPERSEDED: _("Followed by decision %(number)s"),
    LetterStatus.SUSPENDED: _("The activity was suspended by decision %(number)s"),
    LetterStatus.TERMINATED: _("The activity was terminated by decision %(number)s"),
}


@dataclass(frozen=True)
class LetterCheck:
    """What anyone may read about a letter by its code: its public header, nothing else (no
    project title, people, conditions or reasons)."""

    code: str
    number: str
    committee: str
    institution: str
    outcome: str
    outcome_label: str
    is_permit: bool
    decided_on: date
    valid_until: date | None
    status: str
    later_number: str

    @property
    def status_label(self) -> str:
        return str(_STATUS_LABELS[self.status]) % {"number": self.later_number}


def letter_check(code: str) -> LetterCheck | None:
    """The public record of the letter printing `code`, or None (unknown or malformed)."""
    decision = decision_by_code(code)
    if decision is None:
        return None
    status, later_number = LetterStatus.IN_FORCE, ""
    later = (
        Decision.objects.filter(
            application__project_id=decision.application.project_id,
            decided_at__gt=decision.decided_at,
            outcome__in=[Outcome.SUSPEND, Outcome.TERMINATE, Outcome.CONTINUE, Outcome.APPROVE],
        )
        .order_by("-decided_at", "-id")
        .first()
    )
    followup = decision.followups.order_by("-decided_at", "-id").first()
    if later is not None and later.outcome in (Outcome.SUSPEND, Outcome.TERMINATE):
        status = (
            LetterStatus.SUSPENDED if later.outcome == Outcome.SUSPEND else LetterStatus.TERMINATED
        )
        later_number = later.number
    elif followup is not None:
        status, later_number = LetterStatus.SUPERSEDED, followup.number
    regime = regulations.Regime(decision.application.rules.regime)
    return LetterCheck(
        code=decision.letter_hash,
        number=decision.number,
        committee=decision.committee.name,
        institution=decision.committee.institution.name,
        outcome=decision.outcome,
        outcome_label=regulations.outcome_term_zh(regulations.Outcome(decision.outcome), regime),
        is_permit=decision.grants_approval and decision.is_approval,
        decided_on=timezone.localtime(decision.decided_at).date(),
        valid_until=decision.next_tracking_due if decision.grants_approval else None,
        status=status,
        later_number=later_number,
    )


def letter_render(*, decision_id: int) -> Decision:
    """Render the 批件/意见 PDF once per (decision, template version) and store it with its hash."""
    decision = Decision.objects.select_related(
        "application__project", "application__committee", "follows"
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
        record(
            None,
            "letter.render",
            decision.application,
            after={"number": locked.number, "hash": locked.letter_hash},
        )
    return locked


@transaction.atomic
def letter_open(*, decision_id: int, actor: User, inline: bool = False) -> Decision:
    """Permission-check a letter download and audit it; `inline` is the PDF preview, audited
    as ``document.preview``."""
    decision = Decision.objects.select_related("application__project").get(pk=decision_id)
    require(actor, "download", decision)
    if not decision.letter:
        raise Conflict("letter_not_ready", _("The letter is still being prepared."))
    record(
        actor,
        "document.preview" if inline else "letter.download",
        decision.application,
        after={"number": decision.number, "hash": decision.letter_hash}
        | ({"document": "letter"} if inline else {}),
    )
    return decision


def decision_record(
    *,
    application: Application,
    review: Review | None,
    outcome: str,
    stage: str,
    actor: User,
    conditions: str = "",
    reasons: str = "",
    tally: Mapping[str, Any] | None = None,
    meaning: str = "",
    follows: Decision | None = None,
    next_tracking_due: date | None = None,
) -> Decision:
    """Create one numbered, signed decision (gap-free per committee and year) and queue its letter.

    Runs inside the caller's transaction with the application locked.
    """
    from reviews.services.officers import OfficerStep, refuse_interested, signer_role

    # R20a: nobody with an interest in the application signs its decision.
    refuse_interested(actor, application, OfficerStep.SIGN)
    role = signer_role(actor, application)
    if not meaning and role == Role.VICE_CHAIR:
        meaning = site_text(
            _("Signed as vice-chair acting for the chair (R20a): issues the decision")
        )
    now = timezone.now()
    year = timezone.localtime(now).year
    sequence = numbering.next_number(
        committee_id=application.committee_id, year=year, kind=NumberSequence.Kind.DECISION
    )
    decision = Decision.objects.create(
        application=application,
        review=review,
        stage=stage,
        follows=follows,
        committee_id=application.committee_id,
        outcome=outcome,
        conditions=conditions.strip(),
        reasons=reasons.strip(),
        tally=dict(tally or {}),
        decided_at=now,
        year=year,
        sequence=sequence,
        number=numbering.decision_number(application.committee_id, year, sequence),
        next_tracking_due=next_tracking_due,
        signed_by=actor,
        signature_name=actor.display_name,
        signature_meaning=meaning or site_text(_("Signed as chair: issues the review decision")),
        signature_role=role,
        signed_at=now,
    )
    jobs.enqueue("reviews.render_letter", decision_id=decision.pk)
    return decision
