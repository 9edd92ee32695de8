"""Django admin for complaints and investigations: to look up only (R55, R56).

Changes go through the services (audited). The reporter's name and contact are left out: the
admin is read by staff beyond the officers handling a case.
"""

from __future__ import annotations

from django.contrib import admin

from ethics.admin import ReadOnlyAdmin, ReadOnlyInline
from oversight.models_complaints import (
    Complaint,
    ComplaintMessage,
    CorrectiveMeasure,
    Evidence,
    Investigation,
    InvestigationStep,
    ReferralPackage,
)


class StepInline(ReadOnlyInline):
    model = InvestigationStep
    fields = ["kind", "happened_on", "title"]
    readonly_fields = fields


class MeasureInline(ReadOnlyInline):
    model = CorrectiveMeasure
    fields = ["description", "due_on", "completed_on"]
    readonly_fields = fields


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ["title", "original_name", "sha256", "size"]
    readonly_fields = fields


class ReferralInline(ReadOnlyInline):
    model = ReferralPackage
    fields = ["version", "authority", "state", "verification_hash", "rendered_at"]
    readonly_fields = fields


class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "institution", "committee", "subject_kind", "status", "received_at"]
    list_filter = ["status", "subject_kind"]
    search_fields = ["summary"]
    list_select_related = ["institution", "committee"]
    exclude = ["reporter_name", "reporter_contact", "receipt_hash", "description"]


class InvestigationAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "institution", "committee", "handling_body", "status"]
    list_filter = ["status", "handling_body", "origin"]
    search_fields = ["title"]
    list_select_related = ["institution", "committee"]
    inlines = [StepInline, EvidenceInline, MeasureInline, ReferralInline]


class ComplaintMessageAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "to_reporter", "created_at"]
    list_filter = ["to_reporter"]
    list_select_related = ["complaint"]
    exclude = ["body"]


class StepAdmin(ReadOnlyAdmin):
    list_display = ["investigation", "kind", "happened_on", "title"]
    list_filter = ["kind"]
    search_fields = ["title"]
    list_select_related = ["investigation"]


class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["investigation", "title", "original_name", "size"]
    search_fields = ["title", "sha256"]
    list_select_related = ["investigation"]
    exclude = ["file"]


class MeasureAdmin(ReadOnlyAdmin):
    list_display = ["investigation", "description", "due_on", "completed_on"]
    list_select_related = ["investigation"]
    date_hierarchy = "due_on"


class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["investigation", "version", "authority", "state", "rendered_at"]
    list_filter = ["state"]
    search_fields = ["verification_hash"]
    list_select_related = ["investigation"]
    exclude = ["pdf", "error"]


def register() -> None:
    if admin.site.is_registered(Complaint):
        return
    admin.site.register(Complaint, ComplaintAdmin)
    admin.site.register(ComplaintMessage, ComplaintMessageAdmin)
    admin.site.register(Investigation, InvestigationAdmin)
    admin.site.register(InvestigationStep, StepAdmin)
    admin.site.register(Evidence, EvidenceAdmin)
    admin.site.register(CorrectiveMeasure, MeasureAdmin)
    admin.site.register(ReferralPackage, ReferralAdmin)
