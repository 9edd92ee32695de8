"""Who may see and do what in reviews; registered with ethics.policies from apps.ready().

Roles come from relationships:
- applicant: the project's lead or a team member (sees own projects, applications, documents,
  decisions and letters; never assignments, opinions, votes or tallies);
- secretary: the secretary, chair or vice-chair of the reviewing committee (sees every submitted
  application of the committee, acts on intake; the chair also decides);
- reviewer: a member assigned to a round (sees that application; its materials and the worksheet
  open only after a no-conflict declaration);
- institution admins see their institution's submitted applications (read only).
Everyone else gets 404.

One way to see (design.md): "may this person open the materials of this application" is
`may_open_materials` (and its queryset twin `materials_visible_application_ids`); opinions and
tallies are `may_see_opinions` and `may_see_tally`. Every route asks these. A conflict of interest
is one record (ConflictDeclaration) whichever way it was declared (reviewer assignment, meeting
item, standing declaration), and it closes all of them: only the applicant keeps their own
documents. Upper layers add who else may open materials (meetings: a member who declared no
conflict on the item, an admitted consultant) through `register_materials_grant`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date
from typing import Any, Final

from django.db import models
from django.db.models import Exists, ExpressionWrapper, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import MANAGING_ROLES, Committee, Membership, Role
from committees.policies import (
    appointed_committee_ids,
    current_appointments,
    current_memberships,
)
from ethics import policies
from ethics.models import User
from ethics.prepared import prepared
from reviews import workflow
from reviews.models import (
    Appeal,
    Application,
    CoiState,
    ConflictDeclaration,
    Decision,
    DocumentVersion,
    Opinion,
    Project,
    Recognition,
    ReReview,
    ReviewerAssignment,
    ReviewState,
    TeamInvitation,
)


def managed_committee_ids(user: User) -> models.QuerySet[Any]:
    return current_memberships(user).filter(role__in=MANAGING_ROLES).values("committee_id")


def chaired_committee_ids(user: User) -> models.QuerySet[Any]:
    return current_memberships(user).filter(role=Role.CHAIR).values("committee_id")


def own_project_ids(user: User) -> models.QuerySet[Any]:
    return own_project_ids_of(user.pk)


def own_project_ids_of(user_id: int) -> models.QuerySet[Any]:
    """Ids of the projects the user leads or is on the team of."""
    # A UNION of two indexed lookups: "lead OR team member" across the join would scan every
    # project (scripts/bench_list_pages.py measured 125 ms at 400,000 projects against 0.6 ms).
    led = Project.objects.filter(lead_id=user_id).order_by().values("pk")
    team = Project.team.through.objects.filter(user_id=user_id).order_by().values("project_id")
    return led.union(team)


def assigned_application_ids(user: User) -> models.QuerySet[Any]:
    return assigned_application_ids_of(user.pk)


def assigned_application_ids_of(user_id: int) -> models.QuerySet[Any]:
    return (
        ReviewerAssignment.objects.filter(membership__user_id=user_id, membership__ended_on=None)
        .order_by()
        .values("review__application_id")
    )


def _admin_institution(user: User) -> int | None:
    return user.institution_id if user.institution_admin and user.institution_id else None


def application_filter(user: User, prefix: str = "") -> Q:
    """Q over Application (or a model reaching it through `prefix`) for rows `user` may see."""
    return Q(**{f"{prefix}pk__in": visible_application_ids(user)})


def visible_application_ids(user: User) -> models.QuerySet[Any]:
    """Ids of the applications `user` may see, as one UNION of indexed lookups.

    The applicant's own, those assigned to the user as reviewer, and, once submitted (never a
    draft), those of committees the user manages or of the institution the user administers.
    ORing these conditions made PostgreSQL scan every application (1 s at 1,000,000 rows).
    """
    parts = [
        Application.objects.filter(condition).order_by().values("pk")
        for condition in visible_application_branches(user)
    ]
    return parts[0].union(*parts[1:])


def visible_application_branches(user: User) -> list[Q]:
    """The branches of ``visible_application_ids`` as conditions on Application, each served by
    its own index: a keyset page reads each branch's first rows past the cursor and orders only
    those (issue 18; reviews.api.views ApplicationViewSet.list, ethics.api.pagination
    ``paginate_branches``), instead of joining every visible row before its top-N sort."""
    return application_branches_of(**application_branch_args(user))


def application_branch_args(user: User) -> dict[str, Any]:
    """What ``visible_application_branches`` depends on, as plain values: the user's id, the
    committees they manage today (sorted) and the institution they administer (or None). The
    committees come from the request's one read of the appointments and are written into the
    SQL: no membership subquery to build, compile and plan."""
    return {
        "user": user.pk,
        "managed": appointed_committee_ids(user, MANAGING_ROLES),
        "institution": _admin_institution(user),
    }


def application_branches_of(
    *, user: int, managed: tuple[int, ...], institution: int | None
) -> list[Q]:
    """``visible_application_branches`` from ``application_branch_args``: the user's own
    projects', their assignments', and once submitted those of the committees they manage and
    of the institution they administer (no branch for none)."""
    branches = [
        Q(project_id__in=own_project_ids_of(user)),
        Q(pk__in=assigned_application_ids_of(user)),
    ]
    if managed:
        branches.append(Q(submitted_at__isnull=False, committee_id__in=managed))
    if institution is not None:
        branches.append(Q(submitted_at__isnull=False, project__institution_id=institution))
    return branches


def is_applicant(user: User, application: Application) -> bool:
    project = application.project
    return project.lead_id == user.pk or project.team.filter(pk=user.pk).exists()


def roles_for(user: User, application: Application) -> set[str]:
    """The workflow roles `user` holds towards `application` (see workflow.ACTION_ROLES)."""
    roles: set[str] = set()
    if is_applicant(user, application):
        roles.add(workflow.APPLICANT)
    committee_roles = set(
        current_memberships(user)
        .filter(committee_id=application.committee_id)
        .values_list("role", flat=True)
    )
    if committee_roles & set(MANAGING_ROLES):
        roles.add(workflow.SECRETARY)
    if Role.CHAIR in committee_roles:
        roles.add(workflow.CHAIR)
    elif Role.VICE_CHAIR in committee_roles and acts_for_chair(user, application):
        # R20a: the deputy or a vice-chair takes the chair's steps the chair may not take.
        roles.add(workflow.CHAIR)
    if ReviewerAssignment.objects.filter(
        review__application_id=application.pk,
        review__state="open",
        membership__user_id=user.pk,
        membership__ended_on=None,
    ).exists():
        roles.add(workflow.REVIEWER)
    return roles


# --- conflicts of interest: one record, read everywhere (R20a) ----------------------------------


def conflicted_application_ids(user: User) -> models.QuerySet[Any]:
    """Ids of the applications on which `user` has a conflict declared anywhere."""
    return (
        ConflictDeclaration.objects.active()
        .filter(user_id=user.pk)
        .order_by()
        .values("application_id")
    )


def is_conflicted(user: User, application: Application) -> bool:
    """Whether `user` declared (or was recorded with) a conflict on `application`, anywhere."""
    return (
        ConflictDeclaration.objects.active()
        .filter(user_id=user.pk, application_id=application.pk)
        .exists()
    )


def conflicted_users(application_ids: Iterable[int]) -> dict[int, set[int]]:
    """{application id: ids of the users conflicted on it}, in one query (meeting boards)."""
    found: dict[int, set[int]] = {}
    ids = [pk for pk in application_ids if pk]
    if not ids:
        return found
    rows = ConflictDeclaration.objects.active().filter(application_id__in=ids)
    for application_id, user_id in rows.values_list("application_id", "user_id"):
        found.setdefault(application_id, set()).add(user_id)
    return found


# --- officers' independence (R20a) ----------------------------------------------------------


class OfficerStep(models.TextChoices):
    """The officer steps R20a takes from an officer with an interest in the application."""

    ACCEPT = "accept", _("Accept")
    DESIGNATE = "designate", _("Designate reviewers")
    PRESIDE = "preside", _("Preside over the agenda item")
    DECIDE = "decide", _("Decide")
    SIGN = "sign", _("Sign the decision")
    CONFIRM_MODIFICATIONS = "confirm_modifications", _("Confirm the modifications")
    # R37 with R20a: confirming whether the activity is on the annex list is the chair's.
    CONFIRM_LISTING = "confirm_listing", _("Confirm the annex-list determination")
    # The office's own determinations (R16, R37, R46): an interested officer takes none of them.
    PROPOSE_LISTING = "propose_listing", _("Propose the annex-list determination")
    CLASSIFY_AMENDMENT = "classify_amendment", _("Classify the amendment")
    WAIVE_PARTNER_APPROVALS = (
        "waive_partner_approvals",
        _("Record why no partner approval is needed"),
    )


# Steps of the chair's office: the chair, else the deputy the chair designated, else another
# vice-chair. The others (accept, designate for a meeting or emergency review, confirm the
# modifications) are the office's: any officer (chair, vice-chair, secretary) without interest.
CHAIR_STEPS = frozenset(
    {OfficerStep.PRESIDE, OfficerStep.DECIDE, OfficerStep.SIGN, OfficerStep.CONFIRM_LISTING}
)


def is_chair_step(application: Application, step: str) -> bool:
    """Presiding, deciding and signing are the chair's; so is designating the reviewers of a
    simplified review (R33)."""
    if step == OfficerStep.DESIGNATE:
        return application.procedure == workflow.Procedure.SIMPLIFIED
    return step in CHAIR_STEPS


def interested_user_ids(application: Application) -> set[int]:
    """Who has an interest in `application` (R20a): its lead, its team and whoever declared (or
    was recorded with) a conflict on it anywhere. Two queries."""
    project = application.project
    ids = {project.lead_id}
    team = Project.team.through.objects.filter(project_id=project.pk)
    ids |= set(team.values_list("user_id", flat=True))
    ids |= set(
        ConflictDeclaration.objects.active()
        .filter(application_id=application.pk)
        .values_list("user_id", flat=True)
    )
    return ids


def officer_tiers(
    application: Application, step: str, *, on: date | None = None
) -> list[list[Membership]]:
    """The officers who could take `step` on `application`, in order of precedence (R20a).

    Chair steps: [the chair], [the vice-chair the chair designated as deputy], [the other
    vice-chairs]. Office
    steps: [every officer: chair, deputy, vice-chairs, secretaries]. Memberships in term on `on`.
    """
    day = on or timezone.localdate()
    rows = list(
        Membership.objects.in_term(on=day)
        .filter(committee_id=application.committee_id, role__in=MANAGING_ROLES)
        .select_related("user")
        .order_by("pk")
    )
    deputy_id = (
        Committee.objects.filter(pk=application.committee_id)
        .values_list("deputy_id", flat=True)
        .first()
    )
    chair = [m for m in rows if m.role == Role.CHAIR]
    acting = [m for m in rows if m.pk == deputy_id and m.role == Role.VICE_CHAIR]
    others = [m for m in rows if m.role == Role.VICE_CHAIR and m not in acting]
    if is_chair_step(application, step):
        return [chair, acting, others]
    secretaries = [m for m in rows if m.role == Role.SECRETARY and m not in acting]
    return [chair + acting + others + secretaries]


def eligible_memberships(
    application: Application,
    step: str,
    *,
    among: Collection[int] | None = None,
    on: date | None = None,
) -> list[Membership]:
    """The officers who may take `step` on `application` now (R20a): the first tier with anyone
    without an interest in it (and, with `among`, only those users: the members present)."""
    interested = interested_user_ids(application)
    for tier in officer_tiers(application, step, on=on):
        eligible = [
            m
            for m in tier
            if m.user_id not in interested
            and m.user.is_active
            and (among is None or m.user_id in among)
        ]
        if eligible:
            return eligible
    return []


def acts_for_chair(user: User, application: Application) -> bool:
    """Whether `user`, a vice-chair, holds the chair's steps on `application` because the chair
    may not (R20a): the deputy the chair designated, else another vice-chair. A vice-chair who
    has an interest too holds them as well, so that the service answers 409 with R20a (who acts
    instead) rather than a bare 403."""
    eligible = eligible_memberships(application, OfficerStep.DECIDE)
    if any(m.user_id == user.pk and m.role != Role.CHAIR for m in eligible):
        return True
    if any(m.role == Role.CHAIR for m in eligible):
        return False
    return user.pk in interested_user_ids(application)


# --- materials, opinions, tallies: one policy each ------------------------------------------

# A grant returns, for a user, a queryset of rows with an `application_id` column:
# `.values_list("application_id", flat=True)`, unordered.
MaterialsGrant = Callable[[User], models.QuerySet[Any]]
_grants: list[MaterialsGrant] = []


def register_materials_grant(grant: MaterialsGrant) -> None:
    """An upper layer adds the applications whose materials a relationship it owns opens
    (meetings: a no-conflict declaration on an agenda item, an admitted consultant). A declared
    conflict still closes them: every grant passes through the conflict check below."""
    if grant not in _grants:
        _grants.append(grant)


def materials_visible_application_ids(
    user: User, among: Collection[int] | None = None
) -> models.QuerySet[Any]:
    """Ids of the applications whose materials `user` may open: the one rule, as a queryset.

    The applicant always (their own documents; they never see opinions, votes or tallies).
    Anyone else only without a conflict declared anywhere, and then: superusers; officers of
    the reviewing committee and admins of the project's institution, once submitted; a
    reviewer after declaring no conflict; whatever an upper layer grants. One UNION of indexed
    lookups, like `visible_application_ids` (an OR of them makes PostgreSQL scan); `among`
    narrows every branch to those ids (one application's check, a meeting's board).
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Application.objects.none().values_list("pk", flat=True)
    conflicted = conflicted_application_ids(user)

    def narrow(queryset: models.QuerySet[Any], field: str = "pk") -> models.QuerySet[Any]:
        queryset = queryset.order_by()
        if among is not None:
            queryset = queryset.filter(**{f"{field}__in": list(among)})
        return queryset.values_list(field, flat=True) if field == "pk" else queryset

    applications = Application.objects.all()
    own = narrow(applications.filter(project_id__in=own_project_ids(user)))
    if user.is_superuser:
        return own.union(narrow(applications.exclude(pk__in=conflicted)))
    submitted = applications.filter(submitted_at__isnull=False).exclude(pk__in=conflicted)
    reviewing = ReviewerAssignment.objects.filter(
        membership__user_id=user.pk, coi_state=CoiState.NONE
    ).exclude(review__application_id__in=conflicted)
    branches = [
        narrow(submitted.filter(committee_id__in=managed_committee_ids(user))),
        narrow(reviewing, "review__application_id").values_list(
            "review__application_id", flat=True
        ),
        *(
            narrow(grant(user).exclude(application_id__in=conflicted), "application_id")
            for grant in _grants
        ),
    ]
    institution = _admin_institution(user)
    if institution is not None:
        branches.append(narrow(submitted.filter(project__institution_id=institution)))
    return own.union(*branches)


def may_open_materials(user: User, application: Application) -> bool:
    """May `user` open this application's documents, their versions and its re-review package?

    The one answer for every route: page and API downloads, the document list, the application
    and assignment pages, the meeting's document links and any export. One query, or none when
    the application was loaded with the reader's access flags (`get_with_access`).
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if _flags_for(user, application) is not None:
        return _opens_from_flags(user, application)
    ids = materials_visible_application_ids(user, among=[application.pk])
    return Application.objects.filter(pk=application.pk, pk__in=ids).exists()


# --- one application read with its reader's access (issue 18) -----------------------------------
# The application page and its actions load one application by id. Filtering that row through
# `visible_application_ids` and then asking `materials_visible_application_ids` compiles two
# UNIONs of some ten subqueries per request (about a third of the page's Python time). Instead
# the row is read with four flags about its reader (two EXISTS columns, and the reader's own
# assignments on it in a second, small query), and the same rules as those two
# querysets are applied to the flags in Python: `_sees_from_flags` restates
# `visible_application_branches`, `_opens_from_flags` restates
# `materials_visible_application_ids`. tests/reviews/test_access_flags.py checks both against
# the querysets for every reader and application of the access matrix's world.

ACCESS_FLAGS: Final = (
    "viewer_in_team",
    "viewer_assigned",
    "viewer_reviews_clear",
    "viewer_conflicted",
)


def team_rows(user: User, project_id: Any) -> models.QuerySet[Any]:
    """`user`'s row on the team of project `project_id` (an id or an ``OuterRef``); the lead is
    not a team row."""
    return team_rows_of(user.pk, project_id)


def team_rows_of(user_id: int, project_id: Any) -> models.QuerySet[Any]:
    """``team_rows`` of the user with id ``user_id``."""
    return Project.team.through.objects.filter(project_id=project_id, user_id=user_id)


def access_flags(user: User) -> dict[str, Exists]:
    """Annotations over Application: what the rules ask about `user` and this row that one
    table answers (the assignment flags come from ``_viewer_assignments``)."""
    return access_flags_of(user.pk)


def access_flags_of(user_id: int) -> dict[str, Exists]:
    """``access_flags`` of the user with id ``user_id`` (a prepared query's argument)."""
    return {
        "viewer_in_team": Exists(team_rows_of(user_id, OuterRef("project_id"))),
        "viewer_conflicted": Exists(
            ConflictDeclaration.objects.active().filter(
                user_id=user_id, application_id=OuterRef("pk")
            )
        ),
    }


@prepared("rows")
def _viewer_assignments(*, user: int, application: int) -> models.QuerySet[Any]:
    """(round state, membership ended on, conflict state) of each of `user`'s assignments on
    `application`: a few rows, read on their own because three EXISTS over the same three-table
    join cost PostgreSQL more to plan (about 2 ms) than the whole row took to read (issue 18)."""
    return ReviewerAssignment.objects.filter(
        review__application_id=application, membership__user_id=user
    ).values_list("review__state", "membership__ended_on", "coi_state")


def add_assignment_flags(user: User, application: Application) -> None:
    """Complete the access flags of `application`, read with ``access_flags(user)``: the
    reader's assignments on it (one small query), and whom the flags describe."""
    flags = application.__dict__
    mine = _viewer_assignments(user=user.pk, application=application.pk)
    # assigned_application_ids: any round, a membership not ended.
    flags["viewer_assigned"] = any(ended is None for _state, ended, _coi in mine)
    # materials: a reviewer who declared no conflict (any membership, R20a).
    flags["viewer_reviews_clear"] = any(coi == CoiState.NONE for _state, _ended, coi in mine)
    # a reviewer of the open round (reviews.selectors.reviews_now)
    flags["viewer_reviews"] = any(
        state == ReviewState.OPEN and ended is None for state, ended, _coi in mine
    )
    flags["viewer_id"] = user.pk


def get_with_access(user: User, queryset: models.QuerySet[Application], pk: Any) -> Application:
    """The application `pk` of `queryset` if `user` may see it, else 404, read with the flags
    `may_open_materials` and the page's role checks answer from (two queries)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    try:
        application = queryset.annotate(**access_flags(user)).get(pk=pk)
    except Application.DoesNotExist:
        raise Http404 from None
    return checked_access(user, application)


def checked_access(user: User, application: Application) -> Application:
    """``application``, read with ``access_flags(user)``, once its flags are complete and say
    `user` may see it; else 404."""
    add_assignment_flags(user, application)
    if not _sees_from_flags(user, application):
        raise Http404
    return application


def _flags_for(user: User, application: Application) -> dict[str, Any] | None:
    flags = application.__dict__
    if flags.get("viewer_id") != user.pk or any(name not in flags for name in ACCESS_FLAGS):
        return None
    return flags


def _own_from_flags(user: User, application: Application) -> bool:
    return application.project.lead_id == user.pk or bool(application.__dict__["viewer_in_team"])


def _officer_or_admin(user: User, application: Application) -> bool:
    """Submitted, and of a committee the user runs or of the institution they administer."""
    if application.submitted_at is None:
        return False
    managed = {c for _, c, role in current_appointments(user) if role in MANAGING_ROLES}
    if application.committee_id in managed:
        return True
    institution = _admin_institution(user)
    return institution is not None and application.project.institution_id == institution


def _sees_from_flags(user: User, application: Application) -> bool:
    return (
        user.is_superuser
        or _own_from_flags(user, application)
        or bool(application.__dict__["viewer_assigned"])
        or _officer_or_admin(user, application)
    )


def _opens_from_flags(user: User, application: Application) -> bool:
    if _own_from_flags(user, application):
        return True
    if application.__dict__["viewer_conflicted"]:
        return False  # R20a: a conflict closes every other way in
    if (
        user.is_superuser
        or bool(application.__dict__["viewer_reviews_clear"])
        or _officer_or_admin(user, application)
    ):
        return True
    return any(grant(user).filter(application_id=application.pk).exists() for grant in _grants)


def access_among(user: User, application_ids: Iterable[int]) -> dict[int, tuple[bool, bool]]:
    """{application id: (user is an applicant on it, may open its materials)} in one query: the
    batch form of `is_applicant` and `may_open_materials` for a meeting's board."""
    ids = [pk for pk in application_ids if pk]
    if not ids or not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    opens = materials_visible_application_ids(user, among=ids)
    rows = (
        Application.objects.filter(pk__in=ids)
        .annotate(
            is_own=ExpressionWrapper(
                Q(project_id__in=own_project_ids(user)), output_field=models.BooleanField()
            ),
            opens=ExpressionWrapper(Q(pk__in=opens), output_field=models.BooleanField()),
        )
        .values_list("pk", "is_own", "opens")
    )
    return {pk: (bool(own), bool(can)) for pk, own, can in rows}


def tally_hidden_filter(user: User) -> Q:
    """Q over Application: where `user` never sees opinions, votes or the tally (an applicant
    on the project, or a conflict declared anywhere). Both sets are the user's own, small."""
    return Q(project_id__in=own_project_ids(user)) | Q(pk__in=conflicted_application_ids(user))


def may_see_tally(user: User, application: Application) -> bool:
    """The votes' tally of an application (meetings, decisions): never for its applicants, never
    with a declared conflict. Who sees the meeting or the decision is their own policy's call."""
    if not getattr(user, "is_authenticated", False):
        return False
    if _flags_for(user, application) is not None:  # loaded with the reader's flags
        return not (_own_from_flags(user, application) or application.__dict__["viewer_conflicted"])
    return not Application.objects.filter(tally_hidden_filter(user), pk=application.pk).exists()


def may_see_opinions(user: User, application: Application) -> bool:
    """Reviewers' opinions: committee officers and superusers, never an applicant, never with a
    declared conflict (design: researchers never see who wrote which opinion)."""
    if not may_see_tally(user, application):
        return False
    if user.is_superuser:
        return True
    return (
        current_memberships(user)
        .filter(committee_id=application.committee_id, role__in=MANAGING_ROLES)
        .exists()
    )


def may_declare_conflict(actor: User, application: Application, user_id: int) -> bool:
    """A standing declaration: anyone for themself on an application they may see or whose
    committee they sit on; a committee officer (or a superuser) for a member of the committee."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_superuser or workflow.SECRETARY in roles_for(actor, application):
        return True
    if user_id != actor.pk:
        return False
    if current_memberships(actor).filter(committee_id=application.committee_id).exists():
        return True
    return ApplicationPolicy().may(actor, "view", application)


class ProjectPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        q = Q(pk__in=own_project_ids(user)) | Q(created_by_id=user.pk)
        q |= Q(pk__in=Application.objects.filter(application_filter(user)).values("project_id"))
        institution = _admin_institution(user)
        if institution is not None:
            q |= Q(institution_id=institution)
        return queryset.filter(q)

    def may(self, user: User, action: str, obj: Project) -> bool:
        if user.is_superuser:
            return True
        if action == "view":
            return self.visible(user, Project.objects.filter(pk=obj.pk)).exists()
        # change, apply, prescreen: the lead (and team members for applying).
        if action in {"change", "prescreen", "start", "change_participants"}:
            return obj.lead_id == user.pk
        if action == "apply":
            return obj.lead_id == user.pk or obj.team.filter(pk=user.pk).exists()
        return False


# The committee's determinations (R16, R37, R46): the secretary proposes the listing, the chair
# confirms it; either classifies an amendment or records why no partner approval is needed.
DETERMINATION_ROLES: Final[Mapping[str, frozenset[str]]] = {
    "propose_listing": frozenset({workflow.SECRETARY}),
    "confirm_listing": frozenset({workflow.CHAIR}),
    "classify_amendment": frozenset({workflow.SECRETARY, workflow.CHAIR}),
    "waive_partner_approvals": frozenset({workflow.SECRETARY, workflow.CHAIR}),
}


class ApplicationPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        return queryset.filter(application_filter(user))

    def may(self, user: User, action: str, obj: Application) -> bool:
        if action == "view":
            if _flags_for(user, obj) is not None:
                return _sees_from_flags(user, obj)
            return (
                user.is_superuser
                or self.visible(user, Application.objects.filter(pk=obj.pk)).exists()
            )
        if action == "upload":
            return is_applicant(user, obj)
        if action == "request_correction":
            return workflow.SECRETARY in roles_for(user, obj)
        if action in DETERMINATION_ROLES:
            return bool(DETERMINATION_ROLES[action] & roles_for(user, obj))
        try:
            needed = workflow.ACTION_ROLES[workflow.Action(action)]
        except ValueError:
            return False
        return bool(needed & roles_for(user, obj))


class DocumentVersionPolicy:
    """Documents and their versions: exactly the materials policy (`may_open_materials`)."""

    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        ids = materials_visible_application_ids(user)
        return queryset.filter(document__application_id__in=ids)

    def may(self, user: User, action: str, obj: DocumentVersion) -> bool:
        if action in {"view", "download"}:
            return may_open_materials(user, obj.document.application)
        return False


class DecisionPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        return queryset.filter(application_filter(user, prefix="application__"))

    def may(self, user: User, action: str, obj: Decision) -> bool:
        if action in {"view", "download"}:
            return ApplicationPolicy().may(user, "view", obj.application)
        return False


class OpinionPolicy:
    """Officers of the committee see opinions; a reviewer sees their own; applicants never."""

    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        officer = Q(assignment__review__application__committee_id__in=managed_committee_ids(user))
        own = Q(assignment__membership__user_id=user.pk)
        not_applicant = ~Q(assignment__review__application__project_id__in=own_project_ids(user))
        not_conflicted = ~Q(assignment__review__application_id__in=conflicted_application_ids(user))
        return queryset.filter((officer | own) & not_applicant & not_conflicted)

    def may(self, user: User, action: str, obj: Opinion) -> bool:
        if action == "view":
            return self.visible(user, Opinion.objects.filter(pk=obj.pk)).exists()
        return False


class AssignmentPolicy:
    """Reviewer identities: the committee officers and the reviewer themself, never applicants."""

    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        officer = Q(review__application__committee_id__in=managed_committee_ids(user))
        own = Q(membership__user_id=user.pk)
        not_applicant = ~Q(review__application__project_id__in=own_project_ids(user))
        # R20a: an officer with a conflict sees no more of the item than a researcher would.
        not_conflicted = own | ~Q(review__application_id__in=conflicted_application_ids(user))
        return queryset.filter((officer | own) & not_applicant & not_conflicted)

    def may(self, user: User, action: str, obj: ReviewerAssignment) -> bool:
        if action in {"declare", "opinion"}:
            return obj.membership.user_id == user.pk
        if action == "view":
            return self.visible(user, ReviewerAssignment.objects.filter(pk=obj.pk)).exists()
        return False


class ReReviewPolicy:
    """Applicants see the re-review's state and opinion; the package (with the tally) is the
    committee's: only its officers download it."""

    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        return queryset.filter(application_filter(user, prefix="application__"))

    def may(self, user: User, action: str, obj: ReReview) -> bool:
        if action == "view":
            return ApplicationPolicy().may(user, "view", obj.application)
        if action == "download":
            return may_download_package(user, obj)
        return False


def may_download_package(user: User, rereview: ReReview) -> bool:
    """The re-review package carries the documents, the opinions and the tally (R39): committee
    officers (and superusers) without a conflict; never the applicant."""
    application = rereview.application
    if not (user.is_superuser or workflow.SECRETARY in roles_for(user, application)):
        return False
    return may_see_tally(user, application) and may_open_materials(user, application)


class AppealPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        return queryset.filter(application_filter(user, prefix="application__"))

    def may(self, user: User, action: str, obj: Appeal) -> bool:
        if action == "view":
            return ApplicationPolicy().may(user, "view", obj.application)
        return False


class RecognitionPolicy:
    """The recognising committee's officers, and whoever may see the project."""

    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        projects = ProjectPolicy().visible(user, Project.objects.all()).values("pk")
        return queryset.filter(
            Q(committee_id__in=managed_committee_ids(user)) | Q(project_id__in=projects)
        )

    def may(self, user: User, action: str, obj: Recognition) -> bool:
        if action == "view":
            return self.visible(user, Recognition.objects.filter(pk=obj.pk)).exists()
        if action == "download":
            return (
                user.is_superuser
                or (
                    Recognition.objects.filter(pk=obj.pk).filter(recognition_letter_filter(user))
                ).exists()
            )
        return False


class TeamInvitationPolicy:
    """R8: an invitation is its invitee's (and a superuser's) to see; only the invitee answers
    it. The project stays hidden from the invitee until they accept (``own_project_ids`` reads
    only the accepted team)."""

    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        return queryset.filter(user_id=user.pk)

    def may(self, user: User, action: str, obj: TeamInvitation) -> bool:
        if action == "view":
            return user.is_superuser or obj.user_id == user.pk
        if action in {"accept", "decline"}:
            return obj.user_id == user.pk
        return False


def recognition_letter_filter(user: User) -> Q:
    """Q over Recognition: whose stored letter (R31, N12) ``user`` may open.

    The rule of the project's decision letters (DecisionPolicy: whoever sees one of the
    project's applications) plus the officers of the recognising committee, who recorded it;
    a conflict declared on any of the project's applications closes it (R20a) except to the
    project's own researchers.
    """
    projects_seen = Application.objects.filter(application_filter(user)).values("project_id")
    conflicted = Application.objects.filter(pk__in=conflicted_application_ids(user)).values(
        "project_id"
    )
    readers = Q(committee_id__in=managed_committee_ids(user)) | Q(project_id__in=projects_seen)
    return Q(project_id__in=own_project_ids(user)) | (readers & ~Q(project_id__in=conflicted))


def register() -> None:
    policies.register(TeamInvitation, TeamInvitationPolicy())
    policies.register(Project, ProjectPolicy())
    policies.register(Application, ApplicationPolicy())
    policies.register(DocumentVersion, DocumentVersionPolicy())
    policies.register(Decision, DecisionPolicy())
    policies.register(Opinion, OpinionPolicy())
    policies.register(ReviewerAssignment, AssignmentPolicy())
    policies.register(ReReview, ReReviewPolicy())
    policies.register(Appeal, AppealPolicy())
    policies.register(Recognition, RecognitionPolicy())
