"""Mutual recognition of another committee's decision (结果互认, R31, N12)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ethics.errors import Conflict
from ethics.models import User
from ethics.services import invalid
from reviews.models import (
    Decision,
    Recognition,
)
from reviews.services._common import (
    notify_project,
    record,
    secretaries,
)

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
    decision = (
        Decision.objects.select_related("application__project")
        .filter(number=decision_number.strip(), letter_hash=verification_hash.strip().lower())
        .exclude(letter_hash="")
        .first()
    )
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
