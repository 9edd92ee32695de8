"""Django admin for quality control and the expert pool: to look up and filter only.

Every change goes through the services (audited): evaluations, audits, experts and panels are
recorded on their pages or through the API.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ethics.admin import ReadOnlyAdmin, ReadOnlyInline
from oversight import quality_checklist as checklist
from oversight.models_quality import (
    AuditSample,
    CorrectiveAction,
    EvaluationItem,
    ExpertInterest,
    PanelSeat,
    PoolExpert,
    QualityAudit,
    RereviewPanel,
    SelfEvaluation,
)


@admin.display(description=_("item"))
def item_label(item: EvaluationItem) -> str:
    """The checklist item's words, never its code."""
    return checklist.label(item.code)


class EvaluationItemInline(ReadOnlyInline):
    model = EvaluationItem
    fields = [item_label, "finding", "evidence", "answered_by", "answered_at"]
    readonly_fields = fields


class CorrectiveActionInline(ReadOnlyInline):
    model = CorrectiveAction
    fk_name = "evaluation"
    fields = ["description", "owner", "due_on", "state", "closed_at"]
    readonly_fields = fields


@admin.register(SelfEvaluation)
class SelfEvaluationAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "committee", "period_start", "period_end", "state", "opened_at"]
    list_filter = ["state", "committee"]
    search_fields = ["committee__name", "summary"]
    list_select_related = ["committee"]
    inlines = [EvaluationItemInline, CorrectiveActionInline]


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "evaluation", "owner", "due_on", "state"]
    list_filter = ["state"]
    search_fields = ["description", "evaluation__committee__name"]
    list_select_related = ["evaluation__committee", "owner"]


class AuditSampleInline(ReadOnlyInline):
    model = AuditSample
    fields = ["position", "application", "finding", "notes", "auditor", "recorded_at"]
    readonly_fields = fields


@admin.register(QualityAudit)
class QualityAuditAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "committee", "requested_size", "population", "seed", "created_at"]
    list_filter = ["committee"]
    search_fields = ["committee__name", "seed"]
    list_select_related = ["committee"]
    inlines = [AuditSampleInline]


class ExpertInterestInline(ReadOnlyInline):
    model = ExpertInterest
    fields = ["institution", "project", "description", "declared_at"]
    readonly_fields = fields


@admin.register(PoolExpert)
class PoolExpertAdmin(ReadOnlyAdmin):
    list_display = ["name", "committee", "authority", "institution", "active"]
    list_filter = ["active", "authority"]
    search_fields = ["name", "affiliation", "institution__name"]
    list_select_related = ["committee", "institution"]
    inlines = [ExpertInterestInline]


class PanelSeatInline(ReadOnlyInline):
    model = PanelSeat
    fields = ["expert"]
    readonly_fields = fields


@admin.register(RereviewPanel)
class RereviewPanelAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "seated_by", "seated_at"]
    search_fields = ["rereview__application__ref"]
    list_select_related = ["rereview__application", "seated_by"]
    inlines = [PanelSeatInline]


@admin.register(EvaluationItem)
class EvaluationItemAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "evaluation", "finding", "answered_at"]
    fields = [item_label, "evaluation", "position", "finding", "evidence", "answered_by"]
    readonly_fields = fields
    list_filter = ["finding"]
    search_fields = ["evaluation__committee__name", "evidence"]
    list_select_related = ["evaluation__committee"]


@admin.register(AuditSample)
class AuditSampleAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "finding", "auditor", "recorded_at"]
    list_filter = ["finding"]
    search_fields = ["audit__committee__name", "application__ref", "notes"]
    list_select_related = ["audit__committee", "application", "auditor"]


@admin.register(ExpertInterest)
class ExpertInterestAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "expert", "institution", "project", "declared_at"]
    search_fields = ["expert__name", "description"]
    list_select_related = ["expert", "institution", "project"]


@admin.register(PanelSeat)
class PanelSeatAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "panel"]
    search_fields = ["expert__name"]
    list_select_related = ["expert", "panel__rereview__application"]
