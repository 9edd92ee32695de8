"""Decision letters (R26): numbered decisions, the 批件/意见 PDF and its verification hash."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
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
    NumberSequence,
    Review,
)
from reviews.services._common import (
    LETTER_TEMPLATE,
    LETTER_TEMPLATE_VERSION,
    record,
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
        "hash": pdf.verification_hash(certified),
    }


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
def letter_open(*, decision_id: int, actor: User) -> Decision:
    """Permission-check a letter download and audit it."""
    decision = Decision.objects.select_related("application__project").get(pk=decision_id)
    require(actor, "download", decision)
    if not decision.letter:
        raise Conflict("letter_not_ready", _("The letter is still being prepared."))
    record(
        actor,
        "letter.download",
        decision.application,
        after={"number": decision.number, "hash": decision.letter_hash},
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
