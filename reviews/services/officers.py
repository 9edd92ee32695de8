"""Independence of officers (R20a): who takes an officer step on an application.

An officer who leads the project, is on its team or has declared a conflict of interest on the
application does not accept it, designate its reviewers, preside over its agenda item, decide
it, sign its decision or confirm its modifications. The step passes to the next eligible officer
(`reviews.policies.officer_tiers`: for the chair's steps the vice-chair the chair designated as
deputy, then another vice-chair; for the office's steps any other officer). When nobody is
eligible the step is refused (409 `no_eligible_officer`, R20a) and the institution's admins are
told (inbox and e-mail) and the refusal is audited, even though the step's own transaction
rolls back (`escalating`).

`eligible_officer` is the one helper every route asks through the services: pages, API, admin
and tasks all reach these checks in the service they call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from typing import ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Committee, Membership, Role
from committees.selectors import institution_admins
from ethics.errors import Conflict
from ethics.models import User
from ethics.services import site_text
from reviews import policies
from reviews.models import Application
from reviews.policies import OfficerStep
from reviews.services._common import notify_application, record

P = ParamSpec("P")
T = TypeVar("T")


class NoEligibleOfficer(Conflict):
    """Every officer who could take the step has an interest in the application (R20a)."""

    def __init__(self, application: Application, step: str, actor: User | None) -> None:
        super().__init__(
            "no_eligible_officer",
            _(
                "No officer of the committee without an interest in this application can take "
                "this step; the institution has been notified (R20a)."
            ),
            rule="R20a",
            problems=[
                {
                    "code": "no_eligible_officer",
                    "rule": "R20a",
                    "step": str(step),
                    "message": site_text(OfficerStep(step).label),
                }
            ],
        )
        self.application_id = application.pk
        self.step = str(step)
        self.actor_id = actor.pk if actor is not None and actor.pk else None


def eligible_officer(
    committee: Committee | int | None,
    application: Application,
    step: str,
    *,
    among: Collection[int] | None = None,
    actor: User | None = None,
) -> Membership:
    """The officer who takes `step` on `application` (R20a): the chair unless the chair has an
    interest, then the deputy the chair designated, then another vice-chair (for the office's
    steps any officer without an interest). `among` limits the choice to those users (the
    members present at a meeting). Raises NoEligibleOfficer (409) when nobody is eligible."""
    committee_id = committee.pk if isinstance(committee, Committee) else committee
    if committee_id is not None and committee_id != application.committee_id:
        raise ValueError("the application is not the committee's")
    found = policies.eligible_memberships(application, step, among=among)
    if not found:
        raise NoEligibleOfficer(application, step, actor)
    return found[0]


def require_eligible(
    actor: User, application: Application, step: str, *, among: Collection[int] | None = None
) -> Membership | None:
    """Refuse `step` to an actor with an interest in `application` (409, R20a), naming who acts
    instead; 409 `no_eligible_officer` when nobody may; 403 for an officer the step has not
    passed to. Returns the actor's membership (None for a superuser without an interest)."""
    found = policies.eligible_memberships(application, step, among=among)
    mine = next((m for m in found if m.user_id == actor.pk), None)
    if mine is not None:
        return mine
    interested = actor.pk in policies.interested_user_ids(application)
    if not found:
        if interested or not actor.is_superuser:
            raise NoEligibleOfficer(application, step, actor)
        return None
    if interested:
        instead = found[0]
        raise Conflict(
            "officer_interested",
            _(
                "You lead the project, are on its team or declared a conflict of interest: "
                "%(name)s (%(role)s) takes this step instead (R20a)."
            )
            % {"name": instead.user.display_name, "role": instead.get_role_display()},
            rule="R20a",
            problems=[
                {
                    "code": "officer_interested",
                    "rule": "R20a",
                    "step": str(step),
                    "message": instead.user.display_name,
                }
            ],
        )
    if actor.is_superuser:
        return None
    raise PermissionDenied


def refuse_interested(actor: User, application: Application, step: str) -> None:
    """The floor every signature keeps: nobody with an interest signs (R20a)."""
    if actor.pk in policies.interested_user_ids(application):
        require_eligible(actor, application, step)


def signer_role(actor: User, application: Application) -> str:
    """The role in which `actor` signs for the committee (chair, vice-chair, secretary)."""
    roles = set(
        Membership.objects.in_term(on=timezone.localdate())
        .filter(committee_id=application.committee_id, user_id=actor.pk)
        .values_list("role", flat=True)
    )
    for role in (Role.CHAIR, Role.VICE_CHAIR, Role.SECRETARY, Role.MEMBER):
        if role in roles:
            return str(role)
    return ""


def escalate(exc: NoEligibleOfficer) -> None:
    """Tell the institution's admins that nobody may take the step, and audit it (R20a)."""
    application = Application.objects.select_related("project").get(pk=exc.application_id)
    actor = User.objects.filter(pk=exc.actor_id).first() if exc.actor_id else None
    with transaction.atomic():
        record(
            actor,
            "officers.none_eligible",
            application,
            after={"step": exc.step, "rule": "R20a"},
        )
        notify_application(
            institution_admins(application.committee_id),
            application,
            _("No officer without a conflict of interest can take the step “%(step)s” on %(ref)s"),
            "officers.none_eligible (R20a)",
            step=site_text(OfficerStep(exc.step).label),
        )


def escalating(service: Callable[P, T]) -> Callable[P, T]:
    """Wrap a service (outside its transaction) so that a NoEligibleOfficer refusal still
    reaches the institution after the service's own transaction rolled back."""

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return service(*args, **kwargs)
        except NoEligibleOfficer as exc:
            escalate(exc)
            # Refused inside an outer transaction that rolls back (a page's rehearsal before its
            # confirmation, ethics.actions): the caller tells the institution again afterwards.
            exc.after_rollback = functools.partial(escalate, exc)  # type: ignore[attr-defined]
            raise

    return wrapper


__all__ = [
    "NoEligibleOfficer",
    "OfficerStep",
    "eligible_officer",
    "escalate",
    "escalating",
    "refuse_interested",
    "require_eligible",
    "signer_role",
]
