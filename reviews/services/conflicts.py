"""Conflicts of interest as one record (R20a): whoever declares one, wherever, writes it here.

The reviewer assignment's declaration (reviews.services.review), a meeting item's declaration or
recusal (meetings.services, through `conflict_record`) and a standing declaration
(`conflict_declare`) all end in one ConflictDeclaration row, which reviews.policies reads to close
the application's materials, opinions, votes and tally on every route.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Membership
from ethics.errors import Conflict
from ethics.models import User
from ethics.services import invalid
from reviews import policies
from reviews.models import (
    Application,
    ConflictDeclaration,
    ConflictSource,
    ReviewerAssignment,
    ReviewState,
)
from reviews.services._common import (
    chairs,
    lock_application,
    notify_application,
    record,
    secretaries,
)


def conflict_record(
    *,
    user_id: int,
    application_id: int,
    source: ConflictSource | str,
    actor: User | None,
    source_ref: str = "",
    reason: str = "",
) -> ConflictDeclaration:
    """Record a declared conflict once per (person, application, source, ref), audited.

    Meant to run inside the declaring service's transaction (the assignment declaration, a
    meeting recusal), so the conflict and its origin commit together or not at all.
    """
    with transaction.atomic():
        existing = (
            ConflictDeclaration.objects.active()
            .filter(
                user_id=user_id,
                application_id=application_id,
                source=source,
                source_ref=source_ref,
            )
            .first()
        )
        if existing is not None:
            return existing
        declaration = ConflictDeclaration.objects.create(
            user_id=user_id,
            application_id=application_id,
            source=source,
            source_ref=source_ref,
            reason=reason,
            recorded_by=actor,
        )
        record(
            actor,
            "conflict.declare",
            declaration.application,
            after={"user": user_id, "source": str(source), "ref": source_ref, "rule": "R20a"},
            reason=reason,
        )
    return declaration


def refuse_if_conflicted(user: User, application: Application) -> None:
    """A no-conflict declaration cannot undo a conflict declared elsewhere (R20a)."""
    if policies.is_conflicted(user, application):
        raise Conflict(
            "conflict_declared",
            _("A conflict of interest is already declared on this application."),
            rule="R20a",
        )


def _member_of_committee(user_id: int, committee_id: int) -> bool:
    return (
        Membership.objects.in_term(on=timezone.localdate())
        .filter(user_id=user_id, committee_id=committee_id)
        .exists()
    )


@transaction.atomic
def conflict_declare(
    *, application_id: int, actor: User, reason: str, user_id: int | None = None
) -> ConflictDeclaration:
    """A standing declaration: the person themself, or a committee officer for one of its
    members, records a conflict on one application whatever procedure or meeting comes next."""
    application = lock_application(application_id)
    target = actor.pk if user_id is None else int(user_id)
    if not policies.may_declare_conflict(actor, application, target):
        raise PermissionDenied
    if target != actor.pk and not _member_of_committee(target, application.committee_id):
        raise invalid("user", _("Not a member of this committee."), "invalid")
    if not reason.strip():
        raise invalid("reason", _("Describe the conflict of interest."), "required")
    declaration = conflict_record(
        user_id=target,
        application_id=application.pk,
        source=ConflictSource.STANDING,
        reason=reason.strip(),
        actor=actor,
    )
    reviewing = ReviewerAssignment.objects.filter(
        review__application=application,
        review__state=ReviewState.OPEN,
        membership__user_id=target,
    ).exists()
    if reviewing:
        notify_application(
            secretaries(application.committee_id) + chairs(application.committee_id),
            application,
            _("A reviewer of %(ref)s declared a conflict; assign another member"),
            "conflict.declare (R20a)",
        )
    return declaration


@transaction.atomic
def conflict_withdraw(*, declaration_id: int, actor: User, reason: str = "") -> ConflictDeclaration:
    """Withdraw a standing declaration made in error; the row and its audit trail stay (R60).
    Declarations on an assignment or a meeting item are final."""
    declaration = (
        ConflictDeclaration.objects.select_for_update()
        .select_related("application")
        .get(pk=declaration_id)
    )
    if not policies.may_declare_conflict(actor, declaration.application, declaration.user_id):
        raise PermissionDenied
    if declaration.source != ConflictSource.STANDING:
        raise Conflict(
            "already_recused", _("A declared conflict cannot be withdrawn."), rule="R20a"
        )
    if declaration.withdrawn_at is not None:
        return declaration
    declaration.withdrawn_at = timezone.now()
    declaration.withdrawn_by = actor
    declaration.save(update_fields=["withdrawn_at", "withdrawn_by"])
    record(
        actor,
        "conflict.withdraw",
        declaration.application,
        before={"user": declaration.user_id, "source": declaration.source},
        reason=reason,
    )
    return declaration
