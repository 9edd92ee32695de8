"""Who sees and changes quality control and the expert pool.

Quality control (B1) is the committee's own office work: its officers (chair, vice-chair,
secretary, in term), the institution's admins and superusers; everyone else gets 404.

The expert pool (R40, B11) is a directory for organising re-review panels: officers of any
committee, institution admins and superusers read it; an expert is changed by whoever manages the
keeping committee (an authority's experts: superusers). A re-review's panel is organised by the
originating committee's officers and its institution's admins, never by someone with a conflict
on the application (R20a).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from committees.models import MANAGING_ROLES, Committee
from committees.policies import current_memberships, may_manage_committee
from ethics import policies
from ethics.models import User
from oversight.models_quality import (
    AuditSample,
    CorrectiveAction,
    EvaluationItem,
    ExpertInterest,
    PoolExpert,
    QualityAudit,
    RereviewPanel,
    SelfEvaluation,
)
from reviews.models import ReReview
from reviews.policies import is_conflicted


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def managed_committee_filter(user: User, prefix: str = "") -> Q:
    """Q over a model reaching Committee through `prefix` for the committees `user` manages."""
    managed = current_memberships(user).filter(role__in=MANAGING_ROLES).values("committee_id")
    q = Q(**{f"{prefix}pk__in": managed})
    if user.institution_admin and user.institution_id:
        q |= Q(**{f"{prefix}institution_id": user.institution_id})
    return q


def managed_committees(user: User) -> models.QuerySet[Committee]:
    if not _signed_in(user):
        return Committee.objects.none()
    if user.is_superuser:
        return Committee.objects.all()
    return Committee.objects.filter(managed_committee_filter(user))


def may_use_quality(user: Any) -> bool:
    """Nav item, dashboard panel and the lists: whoever manages some committee."""
    if not _signed_in(user):
        return False
    if user.is_superuser or (user.institution_admin and user.institution_id):
        return True
    from reviews.hooks import is_officer  # the user's roles, read once per request

    return is_officer(user)


def may_use_pool(user: Any) -> bool:
    """The expert pool: the same people (they organise panels)."""
    return may_use_quality(user)


class _CommitteeScoped:
    """Rows reaching their committee through `path`: seen and changed by who manages it."""

    path = "committee__"

    def committee_of(self, obj: Any) -> Committee:
        raise NotImplementedError

    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if not _signed_in(user):
            return queryset.none()
        if user.is_superuser:
            return queryset
        return queryset.filter(managed_committee_filter(user, self.path))

    def may(self, user: User, action: str, obj: Any) -> bool:
        if not _signed_in(user):
            return False
        return may_manage_committee(user, self.committee_of(obj))


class SelfEvaluationPolicy(_CommitteeScoped):
    def committee_of(self, obj: Any) -> Committee:
        return obj.committee  # type: ignore[no-any-return]


class EvaluationPartPolicy(_CommitteeScoped):
    path = "evaluation__committee__"

    def committee_of(self, obj: Any) -> Committee:
        return obj.evaluation.committee  # type: ignore[no-any-return]


class QualityAuditPolicy(SelfEvaluationPolicy):
    pass


class AuditSamplePolicy(_CommitteeScoped):
    path = "audit__committee__"

    def committee_of(self, obj: Any) -> Committee:
        return obj.audit.committee  # type: ignore[no-any-return]


class PoolExpertPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        return queryset if may_use_pool(user) else queryset.none()

    def may(self, user: User, action: str, obj: PoolExpert) -> bool:
        if not _signed_in(user):
            return False
        if action == "view":
            return may_use_pool(user)
        if user.is_superuser:
            return True
        return obj.committee is not None and may_manage_committee(user, obj.committee)


class ExpertInterestPolicy(PoolExpertPolicy):
    def may(self, user: User, action: str, obj: Any) -> bool:
        return super().may(user, action, obj.expert)


def may_keep_pool(user: Any, committee: Committee | None) -> bool:
    """Whether `user` may add an expert kept by `committee` (None: by an authority)."""
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    return committee is not None and may_manage_committee(user, committee)


def may_organise_panel(user: Any, rereview: ReReview) -> bool:
    """R40: the originating committee's officers and admins (or a superuser) seat the panel;
    never a person with a conflict on the application (R20a)."""
    if not _signed_in(user):
        return False
    application = rereview.application
    if is_conflicted(user, application):
        return False
    return may_manage_committee(user, application.committee)


def panel_rereview_filter(user: User) -> Q:
    """Q over ReReview for the re-reviews whose panel `user` may organise (conflicts excluded)."""
    if user.is_superuser:
        return Q()
    from reviews.policies import conflicted_application_ids

    return Q(managed_committee_filter(user, "application__committee__")) & ~Q(
        application_id__in=conflicted_application_ids(user)
    )


class RereviewPanelPolicy:
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if not _signed_in(user):
            return queryset.none()
        rereviews = ReReview.objects.filter(panel_rereview_filter(user)).values("pk")
        return queryset.filter(rereview_id__in=rereviews)

    def may(self, user: User, action: str, obj: RereviewPanel) -> bool:
        return may_organise_panel(user, obj.rereview)


def register() -> None:
    policies.register(SelfEvaluation, SelfEvaluationPolicy())
    policies.register(EvaluationItem, EvaluationPartPolicy())
    policies.register(CorrectiveAction, EvaluationPartPolicy())
    policies.register(QualityAudit, QualityAuditPolicy())
    policies.register(AuditSample, AuditSamplePolicy())
    policies.register(PoolExpert, PoolExpertPolicy())
    policies.register(ExpertInterest, ExpertInterestPolicy())
    policies.register(RereviewPanel, RereviewPanelPolicy())
