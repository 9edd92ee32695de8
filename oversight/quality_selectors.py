"""Permission-scoped reads of quality control (B1) and the expert pool (R40, B11); anything the
reader may not see is a 404. Query counts stay constant in the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Count, Max, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from committees.models import Committee, FieldOfWork
from ethics import deadlines, policies, regulations
from ethics.models import Authority, User
from oversight.models_quality import (
    AuditSample,
    CorrectiveAction,
    CorrectiveState,
    EvaluationItem,
    PanelSeat,
    PoolExpert,
    QualityAudit,
    RereviewPanel,
    SampleFinding,
    SelfEvaluation,
)
from oversight.quality_policies import managed_committees, panel_rereview_filter
from reviews.models import ReReview

# --- self-evaluations ---------------------------------------------------------------------------


def evaluations_for_user(user: User) -> models.QuerySet[SelfEvaluation]:
    qs = SelfEvaluation.objects.select_related("committee").annotate(
        answered=Count("items", filter=~Q(items__finding=""), distinct=True),
        item_count=Count("items", distinct=True),
        open_actions=Count(
            "corrective_actions",
            filter=Q(corrective_actions__state=CorrectiveState.OPEN),
            distinct=True,
        ),
    )
    return policies.visible(user, qs).order_by("-opened_at", "-id")


def evaluation_get_for_user(user: User, pk: int) -> SelfEvaluation:
    return policies.get_visible_or_404(
        user,
        SelfEvaluation.objects.select_related("committee__institution", "opened_by", "closed_by"),
        pk=pk,
    )


def evaluation_items(evaluation: SelfEvaluation) -> list[EvaluationItem]:
    return list(evaluation.items.select_related("answered_by").order_by("position", "id"))


def evaluation_actions(evaluation: SelfEvaluation) -> list[CorrectiveAction]:
    return list(
        evaluation.corrective_actions.select_related("owner", "item", "closed_by").order_by(
            "state", "due_on", "id"
        )
    )


def open_corrective_actions(user: User, limit: int = 10) -> list[CorrectiveAction]:
    """The dashboard: open corrective actions of the committees the user manages, soonest first."""
    evaluations = policies.visible(user, SelfEvaluation.objects.all()).values("pk")
    return list(
        CorrectiveAction.objects.filter(state=CorrectiveState.OPEN, evaluation__in=evaluations)
        .select_related("evaluation__committee", "owner")
        .order_by("due_on", "id")[:limit]
    )


@dataclass(frozen=True)
class EvaluationDue:
    """A managed committee whose next self-evaluation is due (B1, ``self_evaluation_months``)."""

    committee: Committee
    last_opened: date | None
    due_on: date | None  # None: never evaluated


def evaluations_due(user: User, today: date, limit: int = 20) -> list[EvaluationDue]:
    """The committees the user manages that are due a self-evaluation: never evaluated, or the
    last one opened ``self_evaluation_months`` ago or more (B1; a product default, unverified)."""
    committees = (
        managed_committees(user)
        .annotate(last_opened_at=Max("self_evaluations__opened_at"))
        .order_by("name", "id")[:limit]
    )
    due: list[EvaluationDue] = []
    for committee in committees:
        last_at = getattr(committee, "last_opened_at", None)
        if last_at is None:
            due.append(EvaluationDue(committee, None, None))
            continue
        last = timezone.localdate(last_at)
        months = committee.effective_rules().self_evaluation_months.value
        due_on = deadlines.add_months(last, months)
        if due_on <= today:
            due.append(EvaluationDue(committee, last, due_on))
    return due


# --- quality audits -----------------------------------------------------------------------------


def audits_for_user(user: User) -> models.QuerySet[QualityAudit]:
    qs = QualityAudit.objects.select_related("committee").annotate(
        sampled=Count("samples", distinct=True),
        recorded=Count("samples", filter=~Q(samples__finding=""), distinct=True),
        issues=Count("samples", filter=Q(samples__finding=SampleFinding.ISSUE), distinct=True),
    )
    return policies.visible(user, qs).order_by("-created_at", "-id")


def audit_get_for_user(user: User, pk: int) -> QualityAudit:
    return policies.get_visible_or_404(
        user, QualityAudit.objects.select_related("committee", "created_by"), pk=pk
    )


def audit_samples(quality_audit: QualityAudit) -> list[AuditSample]:
    return list(
        quality_audit.samples.select_related("application__project", "auditor").order_by(
            "position", "id"
        )
    )


# --- the expert pool ----------------------------------------------------------------------------


def experts_for_user(user: User) -> models.QuerySet[PoolExpert]:
    qs = PoolExpert.objects.select_related("committee", "institution", "user")
    return policies.visible(user, qs).order_by("name", "id")


def expert_get_for_user(user: User, pk: int) -> PoolExpert:
    return policies.get_visible_or_404(
        user,
        PoolExpert.objects.select_related("committee", "institution", "user").prefetch_related(
            "interests__institution", "interests__project"
        ),
        pk=pk,
    )


def rereview_for_panel(user: User, pk: int) -> ReReview:
    """A re-review whose panel the user may organise (R40), or 404."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    found = (
        ReReview.objects.filter(panel_rereview_filter(user))
        .select_related("application__committee__institution", "application__project")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def rereviews_for_panel(user: User) -> models.QuerySet[ReReview]:
    if not getattr(user, "is_authenticated", False):
        return ReReview.objects.none()
    return (
        ReReview.objects.filter(panel_rereview_filter(user))
        .select_related("application__committee", "application__project")
        .prefetch_related(
            Prefetch(
                "pool_panel__seats",
                queryset=PanelSeat.objects.select_related("expert").order_by("id"),
            )
        )
        .order_by("-id")
    )


def panel_of(rereview: ReReview) -> RereviewPanel | None:
    return (
        RereviewPanel.objects.filter(rereview=rereview)
        .prefetch_related(
            Prefetch(
                "seats",
                queryset=PanelSeat.objects.select_related("expert__institution").order_by("id"),
            )
        )
        .first()
    )


@dataclass(frozen=True)
class AuthorityRow:
    """One field and the authorities that organise its re-review (B12), as names."""

    field: str
    field_label: str
    authorities: list[str]
    applies: bool


def authority_rows(rereview: ReReview) -> list[AuthorityRow]:
    """B12: the rule set's field -> authorities mapping, marking the fields of this activity
    (its annex item's field, else the committee's fields of work)."""
    application = rereview.application
    rules = application.rules
    fields_here = set()
    item = application.project.listed_item
    if item and item in regulations.ANNEX_ITEM_FIELDS:
        fields_here.add(regulations.ANNEX_ITEM_FIELDS[item])
    else:
        fields_here.update(application.committee.fields_of_work or [])
    field_labels = dict(FieldOfWork.choices)
    authority_labels = dict(Authority.choices)
    return [
        AuthorityRow(
            field=code,
            field_label=str(field_labels.get(code, code)),
            authorities=[str(authority_labels.get(a, a)) for a in authorities],
            applies=code in fields_here,
        )
        for code, authorities in rules.rereview_authorities.value
    ]


def experts_for_panel(rereview: ReReview) -> list[Any]:
    """The active experts a panel is seated from."""
    return list(
        PoolExpert.objects.filter(active=True).select_related("institution").order_by("name", "id")
    )
