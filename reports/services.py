"""Granting and ending the regional authority's read-only role (issue 17); audited (R60).

Only a superuser grants it (a site administrator, for a regional deployment): the role reads the
aggregate figures of every committee of the institutions in scope and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics import audit
from ethics.models import Institution, User
from ethics.services import invalid
from reports.models import AuthorityScope


def _require_site_admin(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.is_superuser):
        raise PermissionDenied


@transaction.atomic
def authority_grant(
    *,
    actor: User,
    user_id: int,
    name: str,
    region: str = "",
    institution_ids: Sequence[int] = (),
) -> AuthorityScope:
    _require_site_admin(actor)
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None:
        raise invalid("user", _("Choose an active user."), "invalid_choice")
    if not name.strip():
        raise invalid("name", _("Give the authority's name."), "required")
    institutions = list(Institution.objects.filter(pk__in=institution_ids))
    if len(institutions) != len(set(institution_ids)):
        raise invalid("institutions", _("Choose existing institutions."), "invalid_choice")
    if not region.strip() and not institutions:
        raise invalid("region", _("Give a region or institutions."), "required")
    scope = AuthorityScope.objects.create(
        user=user, name=name.strip(), region=region.strip(), created_by=actor
    )
    scope.institutions.set(institutions)
    audit.record(
        actor=actor,
        action="authority.grant",
        target=scope,
        after={"user": user.pk, "region": scope.region, "institutions": sorted(institution_ids)},
    )
    return scope


@transaction.atomic
def authority_end(*, actor: User, scope_id: int) -> AuthorityScope:
    _require_site_admin(actor)
    scope = AuthorityScope.objects.select_for_update().filter(pk=scope_id).first()
    if scope is None:
        raise invalid("scope", _("No such authority role."), "invalid_choice")
    if scope.ended_at is not None:
        return scope
    scope.ended_at = timezone.now()
    scope.save(update_fields=["ended_at"])
    audit.record(actor=actor, action="authority.end", target=scope, before={"ended_at": None})
    return scope
