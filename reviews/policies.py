"""Who may see and do what in reviews; registered with ethics.policies from apps.ready().

Roles come from relationships:
- applicant: the project's lead or a team member (sees own projects, applications, documents,
  decisions and letters; never assignments or opinions);
- secretary: the secretary, chair or vice-chair of the reviewing committee (sees every submitted
  application of the committee, acts on intake; the chair also decides);
- reviewer: a member assigned to a round (sees that application; its materials and the worksheet
  open only after a no-conflict declaration);
- institution admins see their institution's submitted applications (read only).
Everyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from committees.models import MANAGING_ROLES, Role
from committees.policies import current_memberships
from ethics import policies
from ethics.models import User
from reviews import workflow
from reviews.models import (
    Appeal,
    Application,
    CoiState,
    Decision,
    DocumentVersion,
    Opinion,
    Project,
    Recognition,
    ReReview,
    ReviewerAssignment,
)


def managed_committee_ids(user: User) -> models.QuerySet[Any]:
    return current_memberships(user).filter(role__in=MANAGING_ROLES).values("committee_id")


def chaired_committee_ids(user: User) -> models.QuerySet[Any]:
    return current_memberships(user).filter(role=Role.CHAIR).values("committee_id")


def own_project_ids(user: User) -> models.QuerySet[Any]:
    # A UNION of two indexed lookups: "lead OR team member" across the join would scan every
    # project (scripts/bench_list_pages.py measured 125 ms at 400,000 projects against 0.6 ms).
    led = Project.objects.filter(lead_id=user.pk).order_by().values("pk")
    team = Project.team.through.objects.filter(user_id=user.pk).order_by().values("project_id")
    return led.union(team)


def assigned_application_ids(user: User) -> models.QuerySet[Any]:
    return (
        ReviewerAssignment.objects.filter(membership__user_id=user.pk, membership__ended_on=None)
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
    submitted = Application.objects.filter(submitted_at__isnull=False).order_by()
    parts = [
        Application.objects.filter(project_id__in=own_project_ids(user)).order_by().values("pk"),
        assigned_application_ids(user),
        submitted.filter(committee_id__in=managed_committee_ids(user)).values("pk"),
    ]
    institution = _admin_institution(user)
    if institution is not None:
        parts.append(submitted.filter(project__institution_id=institution).values("pk"))
    return parts[0].union(*parts[1:])


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
    if ReviewerAssignment.objects.filter(
        review__application_id=application.pk,
        review__state="open",
        membership__user_id=user.pk,
        membership__ended_on=None,
    ).exists():
        roles.add(workflow.REVIEWER)
    return roles


def may_open_materials(user: User, application: Application) -> bool:
    """Applicant and committee officers always; a reviewer only after declaring no conflict."""
    if user.is_superuser or is_applicant(user, application):
        return True
    if (
        current_memberships(user)
        .filter(committee_id=application.committee_id, role__in=MANAGING_ROLES)
        .exists()
    ):
        return True
    if _admin_institution(user) == application.project.institution_id:
        return True
    return ReviewerAssignment.objects.filter(
        review__application_id=application.pk,
        membership__user_id=user.pk,
        coi_state=CoiState.NONE,
    ).exists()


def may_see_opinions(user: User, application: Application) -> bool:
    """Never the applicant (design: researchers never see who wrote which opinion)."""
    if is_applicant(user, application):
        return False
    if user.is_superuser:
        return True
    return (
        current_memberships(user)
        .filter(committee_id=application.committee_id, role__in=MANAGING_ROLES)
        .exists()
    )


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


class ApplicationPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        return queryset.filter(application_filter(user))

    def may(self, user: User, action: str, obj: Application) -> bool:
        if action == "view":
            return (
                user.is_superuser
                or self.visible(user, Application.objects.filter(pk=obj.pk)).exists()
            )
        if action == "upload":
            return is_applicant(user, obj)
        if action == "request_correction":
            return workflow.SECRETARY in roles_for(user, obj)
        try:
            needed = workflow.ACTION_ROLES[workflow.Action(action)]
        except ValueError:
            return False
        return bool(needed & roles_for(user, obj))


class DocumentVersionPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        return queryset.filter(application_filter(user, prefix="document__application__"))

    def may(self, user: User, action: str, obj: DocumentVersion) -> bool:
        application = obj.document.application
        if action in {"view", "download"}:
            return ApplicationPolicy().may(user, "view", application) and may_open_materials(
                user, application
            )
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
        return queryset.filter((officer | own) & not_applicant)

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
        return queryset.filter((officer | own) & not_applicant)

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
            return user.is_superuser or workflow.SECRETARY in roles_for(user, obj.application)
        return False


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
        return False


def register() -> None:
    policies.register(Project, ProjectPolicy())
    policies.register(Application, ApplicationPolicy())
    policies.register(DocumentVersion, DocumentVersionPolicy())
    policies.register(Decision, DecisionPolicy())
    policies.register(Opinion, OpinionPolicy())
    policies.register(ReviewerAssignment, AssignmentPolicy())
    policies.register(ReReview, ReReviewPolicy())
    policies.register(Appeal, AppealPolicy())
    policies.register(Recognition, RecognitionPolicy())
