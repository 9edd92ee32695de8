"""The project team: the lead invites, the invitee accepts or declines, submission freezes it.

- An invitee is not on the team (``Project.team``) and sees nothing of the project until they
  accept (R8: confidentiality of unpublished information); only their own invitation (project
  title and lead's name) is theirs to see (``reviews.selectors.pending_invitation_rows``).
- From the first submission of an application the team is frozen (R20a): the applicants cannot
  choose who votes by naming committee members as team members. Every route that changes the
  team (``project_update`` behind PATCH and the page, an invitation's acceptance) refuses with
  409 ``team_frozen``; a change then goes through an amendment the committee approves.
- A committee member on the team is a recorded conflict of interest (R20a,
  ``ConflictSource.TEAM``): written when they accept (on the project's applications) and when an
  application is submitted (for everyone then on the team), so the recusal is on record, shown
  to the secretary and counted by every quorum and panel check, never a silent exclusion.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Membership
from ethics import hooks
from ethics import services as kernel
from ethics.errors import Conflict
from ethics.models import User
from ethics.services import invalid, require
from reviews.models import (
    Application,
    ConflictSource,
    InvitationState,
    Project,
    TeamInvitation,
)
from reviews.services._common import notify_application, officers_and_chair, record
from reviews.services.conflicts import conflict_record
from reviews.workflow import ProjectStatus, Status

OPEN_STATES = (InvitationState.PENDING, InvitationState.ACCEPTED)


# A submission that ended before any review (not accepted, or withdrawn before acceptance) no
# longer holds the team: the next submission freezes it again and records the conflicts of
# whoever is then on it. Once accepted for review, a withdrawal does not reopen it.
_ENDED_UNREVIEWED = (Status.WITHDRAWN, Status.NOT_ACCEPTED)


def team_frozen(project: Project) -> bool:
    """R20a: the team is fixed from the first submission of an application of the project (and
    for good once the project is approved), unless every submission ended unreviewed."""
    if project.status != ProjectStatus.PLANNED:
        return True
    return (
        Application.objects.filter(project_id=project.pk, submitted_at__isnull=False)
        .exclude(status__in=_ENDED_UNREVIEWED, accepted_at=None)
        .exists()
    )


def refuse_if_frozen(project: Project) -> None:
    """409 with R20a when the team may no longer change (the amendment route is named)."""
    if team_frozen(project):
        raise Conflict(
            "team_frozen",
            _(
                "The team is fixed from the first submission: the applicants cannot choose who "
                "reviews. Ask for a team change by an amendment application, which the "
                "committee approves."
            ),
            rule="R20a",
        )


def _invitations_url() -> str:
    return reverse("reviews:my-projects")


def _invite(
    project: Project,
    users: Iterable[User],
    actor: User,
    amendment: Application | None = None,
    role: str = "",
) -> list[TeamInvitation]:
    """Invitations for `users` not yet on the team nor invited (the caller locked the project)."""
    wanted = {user.pk: user for user in users if user.pk != project.lead_id}
    inactive = [user for user in wanted.values() if not user.is_active]
    if inactive:
        raise invalid("team", _("An inactive account cannot be invited."), "invalid_choice")
    taken = set(
        TeamInvitation.objects.filter(
            project=project, user_id__in=list(wanted), state__in=OPEN_STATES
        ).values_list("user_id", flat=True)
    ) | set(project.team.filter(pk__in=list(wanted)).values_list("pk", flat=True))
    # R57: a banned person is not invited onto a team (every newcomer at once; those already on
    # the team or invited are not asked again).
    hooks.require_eligible(
        [user for pk, user in wanted.items() if pk not in taken], "team", subject=project
    )
    created = [
        TeamInvitation.objects.create(
            project=project, user=user, invited_by=actor, amendment=amendment, role=role
        )
        for pk, user in wanted.items()
        if pk not in taken
    ]
    if created:
        kernel.notify(
            recipients=[invitation.user for invitation in created],
            title=_("%(lead)s invites you to the team of “%(title)s”"),
            params={"lead": project.lead.display_name, "title": project.title},
            url=_invitations_url(),
            cause="team.invite",
        )
    return created


def team_invite_on_create(project: Project, users: Iterable[User], actor: User) -> list[int]:
    """A new project's team: invitations, not memberships (R8). Returns the invitees' ids."""
    return [invitation.user_id for invitation in _invite(project, users, actor)]


@transaction.atomic
def team_invite(*, project_id: int, user: User, actor: User, role: str = "") -> TeamInvitation:
    """The lead invites one person (``POST /projects/{id}/invitations/``), of this institution or
    another: they see nothing of the project until they accept (R8). Refused once the team is
    frozen (R20a)."""
    project = Project.objects.select_for_update().select_related("lead").get(pk=project_id)
    require(actor, "change", project)
    refuse_if_frozen(project)
    if user.pk == project.lead_id:
        raise invalid("user", _("The lead is on the team already."), "invalid_choice")
    created = _invite(project, [user], actor, role=role.strip())
    if not created:
        raise Conflict("already_invited", _("This person is on the team or invited already."))
    invitation = created[0]
    record(
        actor,
        "team.invite",
        project,
        after={"invitation": invitation.pk, "user": user.pk, "role": invitation.role},
    )
    return invitation


def team_set(project: Project, users: Iterable[User], actor: User) -> tuple[list[int], list[int]]:
    """The lead names the whole team (PATCH ``team``): newcomers are invited, those left out
    are removed or their invitation withdrawn. Refused once frozen (R20a). The caller holds the
    project's lock and writes the audit row; returns (before, after) as the invited-or-accepted
    person ids."""
    refuse_if_frozen(project)
    users = list(users)
    wanted = {user.pk for user in users if user.pk != project.lead_id}
    before = sorted(
        set(project.team.values_list("pk", flat=True))
        | set(
            TeamInvitation.objects.filter(
                project=project, state=InvitationState.PENDING
            ).values_list("user_id", flat=True)
        )
    )
    gone = [pk for pk in before if pk not in wanted]
    if gone:
        project.team.remove(*gone)
        TeamInvitation.objects.filter(
            project=project, user_id__in=gone, state__in=OPEN_STATES
        ).update(state=InvitationState.WITHDRAWN, responded_at=timezone.now())
    _invite(project, users, actor)
    return before, sorted(wanted)


def _lock_invitation(invitation_id: int) -> TeamInvitation:
    """Lock the project, then the invitation: the order the lead's team changes take (no
    deadlock between an acceptance and a team change)."""
    project_id = TeamInvitation.objects.values_list("project_id", flat=True).get(pk=invitation_id)
    list(Project.objects.select_for_update().filter(pk=project_id).values_list("pk", flat=True))
    return (
        TeamInvitation.objects.select_for_update().select_related("project").get(pk=invitation_id)
    )


def _refuse_unless_pending(invitation: TeamInvitation) -> None:
    if invitation.state != InvitationState.PENDING:
        raise Conflict(
            "invitation_not_pending",
            _("This invitation was already answered or withdrawn."),
        )


@transaction.atomic
def invitation_accept(*, invitation_id: int, actor: User) -> TeamInvitation:
    """The invitee joins the team: they see the project from now on (R8). Refused once the team
    is frozen (R20a). A committee member who joins is recorded as conflicted (R20a)."""
    invitation = _lock_invitation(invitation_id)
    if invitation.user_id != actor.pk:
        raise PermissionDenied
    project = invitation.project  # locked by _lock_invitation
    _refuse_unless_pending(invitation)
    if invitation.amendment_id is None:
        refuse_if_frozen(project)  # only an approved amendment invites after submission
    # R57: a person banned since the invitation does not join during the ban.
    hooks.require_eligible([actor], "team", subject=project)
    invitation.state = InvitationState.ACCEPTED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["state", "responded_at"])
    project.team.add(actor)
    record(
        actor,
        "team.accept",
        project,
        before={"invitation": invitation.pk, "state": InvitationState.PENDING},
        after={"invitation": invitation.pk, "state": invitation.state, "team_member": actor.pk},
    )
    team_conflicts_record(project, Application.objects.filter(project=project), actor=actor)
    kernel.notify(
        recipients=[project.lead],
        title=_("%(name)s joined the team of “%(title)s”"),
        params={"name": actor.display_name, "title": project.title},
        url=reverse("reviews:project-detail", args=[project.pk]),
        cause="team.accept",
    )
    return invitation


@transaction.atomic
def invitation_decline(*, invitation_id: int, actor: User) -> TeamInvitation:
    """The invitee declines; they never saw the project and still see nothing of it (R8)."""
    invitation = _lock_invitation(invitation_id)
    if invitation.user_id != actor.pk:
        raise PermissionDenied
    _refuse_unless_pending(invitation)
    invitation.state = InvitationState.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["state", "responded_at"])
    project = invitation.project
    record(
        actor,
        "team.decline",
        project,
        before={"invitation": invitation.pk, "state": InvitationState.PENDING},
        after={"invitation": invitation.pk, "state": invitation.state},
    )
    kernel.notify(
        recipients=[project.lead],
        title=_("%(name)s declined to join the team of “%(title)s”"),
        params={"name": actor.display_name, "title": project.title},
        url=reverse("reviews:project-detail", args=[project.pk]),
        cause="team.decline",
    )
    return invitation


def team_conflicts_record(
    project: Project,
    applications: Iterable[Application],
    *,
    actor: User | None,
    also: Iterable[int] = (),
) -> list[int]:
    """R20a: every person on the project (lead or accepted team member) who holds a current
    appointment on the reviewing committee (and whoever an amendment proposes to add, `also`)
    is conflicted on the project's `applications`: one
    ConflictDeclaration each (source ``team``), audited, and the committee's officers are told.
    Runs inside the caller's transaction (acceptance, submission). Returns the conflicted ids."""
    people = {project.lead_id, *project.team.values_list("pk", flat=True), *also}
    members = sorted(
        set(
            Membership.objects.in_term(on=timezone.localdate())
            .filter(committee_id=project.committee_id, user_id__in=people)
            .values_list("user_id", flat=True)
        )
    )
    if not members:
        return []
    for application in applications:
        for user_id in members:
            conflict_record(
                user_id=user_id,
                application_id=application.pk,
                source=ConflictSource.TEAM,
                source_ref=f"project:{project.pk}",
                reason=kernel.site_text(_("On the project's team (R20a)")),
                actor=actor,
            )
        if application.submitted_at is not None:
            notify_application(
                officers_and_chair(application.committee_id),
                application,
                _("A committee member is on the team of %(ref)s and is recused (R20a)"),
                "team.conflict (R20a)",
            )
    return members


# --- team changes after the freeze: an amendment the committee approves (R20a, R31a) ------------


def amendment_team_change(
    project: Project, add: Iterable[User], remove: Iterable[User]
) -> dict[str, list[int]]:
    """The team change an amendment proposes, checked against the team now: whom to invite
    (not the lead, not on the team) and whom to remove (on the team). Empty: no change."""
    team = set(project.team.values_list("pk", flat=True))
    added = sorted({u.pk for u in add} - {project.lead_id})
    removed = sorted({u.pk for u in remove})
    if any(not u.is_active for u in add):
        raise invalid("team_add", _("An inactive account cannot be invited."), "invalid_choice")
    if set(added) & team:
        raise invalid("team_add", _("Already on the team."), "invalid_choice")
    if set(removed) - team:
        raise invalid("team_remove", _("Not on the team."), "invalid_choice")
    if set(added) & set(removed):
        raise invalid("team_remove", _("Added and removed at once."), "invalid")
    return {"add": added, "remove": removed} if added or removed else {}


def amendment_team_apply(application: Application, actor: User) -> None:
    """R20a / R31a: the approved amendment's team change takes effect: those removed leave the
    team, those added are invited (and join when they accept, recorded as conflicted if they
    sit on the committee). Called by the amendment's approval (lifecycle)."""
    change = application.team_change or {}
    if not change:
        return
    project = Project.objects.select_for_update().get(pk=application.project_id)
    removed = [int(pk) for pk in change.get("remove", [])]
    if removed:
        project.team.remove(*removed)
        TeamInvitation.objects.filter(
            project=project, user_id__in=removed, state__in=OPEN_STATES
        ).update(state=InvitationState.WITHDRAWN, responded_at=timezone.now())
    added = list(User.objects.filter(pk__in=[int(pk) for pk in change.get("add", [])]))
    invited = _invite(project, added, actor, amendment=application)
    record(
        actor,
        "team.amend",
        project,
        after={
            "application": application.ref,
            "removed": removed,
            "invited": [i.user_id for i in invited],
            "rule": "R20a",
        },
    )
