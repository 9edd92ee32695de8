"""Django admin for committees: read-only (R60). The roster, documents, pledges, training and
entrustments change only through the audited services (which also check the terms, R7)."""

from django.contrib import admin

from committees.models import (
    Committee,
    CommitteeDocument,
    Entrustment,
    FieldOfWork,
    ImportBatch,
    Membership,
    Pledge,
    RegimeChoice,
    Training,
)
from ethics.admin import ReadOnlyAdmin, ReadOnlyInline

FILE_FIELDS = ("original_name", "sha256", "size", "content_type")


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = [
        "user",
        "role",
        "expertise",
        "gender",
        "external",
        "term_start",
        "term_end",
        "ended_on",
    ]
    readonly_fields = fields
    show_change_link = True


@admin.register(Committee)
class CommitteeAdmin(ReadOnlyAdmin):
    list_display = ["name", "institution", "kind", "established_on", "registration_status"]
    list_filter = ["kind", "registration_status", "institution"]
    search_fields = ["name", "institution__name"]
    date_hierarchy = "established_on"
    inlines = [MembershipInline]
    json_labels = {"regimes": RegimeChoice.choices, "fields_of_work": FieldOfWork.choices}
    # Changed only through their audited services (committee_create / committee_update, the
    # deputy (R20a) through committee_designate_deputy, the SOP values through rule_override_set).


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = [
        "user",
        "committee",
        "role",
        "expertise",
        "gender",
        "external",
        "term_start",
        "term_end",
        "ended_on",
    ]
    list_filter = ["role", "expertise", "gender", "external", "local_knowledge", "committee"]
    search_fields = ["user__name", "user__username", "committee__name", "appointment_ref"]
    raw_id_fields = ["user", "committee"]
    readonly_fields = FILE_FIELDS
    date_hierarchy = "term_end"


@admin.register(CommitteeDocument)
class CommitteeDocumentAdmin(ReadOnlyAdmin):
    list_display = ["committee", "kind", "version", "original_name", "uploaded_at", "uploaded_by"]
    list_filter = ["kind", "committee"]
    search_fields = ["committee__name", "title", "original_name", "sha256"]
    readonly_fields = FILE_FIELDS


@admin.register(Pledge)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = ["membership", "kind", "signed_on", "valid_until"]
    list_filter = ["kind"]
    search_fields = ["membership__user__name", "membership__committee__name"]
    raw_id_fields = ["membership"]
    readonly_fields = FILE_FIELDS


@admin.register(Training)
class TrainingAdmin(ReadOnlyAdmin):
    list_display = ["membership", "title", "provider", "completed_on", "hours"]
    list_filter = ["completed_on"]
    search_fields = ["title", "provider", "membership__user__name"]
    raw_id_fields = ["membership"]
    readonly_fields = FILE_FIELDS


@admin.register(Entrustment)
class EntrustmentAdmin(ReadOnlyAdmin):
    list_display = [
        "entrusting_institution",
        "receiving_committee",
        "starts_on",
        "ends_on",
        "ended_on",
    ]
    list_filter = ["receiving_committee"]
    search_fields = ["entrusting_institution__name", "receiving_committee__name", "scope"]
    readonly_fields = FILE_FIELDS


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "kind", "committee", "created_by", "checked_at", "applied_at"]
    list_filter = ["kind", "applied_at"]
    search_fields = ["file_name", "sha256", "created_by__username", "created_by__name"]
    exclude = ["content"]
