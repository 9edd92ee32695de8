"""Django admin for complaints and investigations: to look up only (R55, R56).

Changes go through the services (audited). The reporter's name and contact are left out: the
admin is read by staff beyond the officers handling a case.
"""

from __future__ import annotations

from django.contrib import admin

from ethics.admin import ReadOnlyAdmin, ReadOnlyInline
from oversight.models_complaints import (
    Complaint,
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


def register() -> None:
    if not admin.site.is_registered(Complaint):
        admin.site.register(Complaint, ComplaintAdmin)
        admin.site.register(Investigation, InvestigationAdmin)
