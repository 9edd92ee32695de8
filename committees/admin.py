from django.contrib import admin

from committees.models import (
    Committee,
    CommitteeDocument,
    Entrustment,
    Membership,
    Pledge,
    Training,
)

FILE_FIELDS = ("original_name", "sha256", "size", "content_type")


class MembershipInline(admin.TabularInline):
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
    raw_id_fields = ["user"]
    extra = 0
    show_change_link = True


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "kind", "established_on", "registration_status"]
    list_filter = ["kind", "registration_status", "institution"]
    search_fields = ["name", "institution__name"]
    date_hierarchy = "established_on"
    inlines = [MembershipInline]
    # Changed only through their audited services: the deputy (R20a) through
    # committee_designate_deputy, the emergency SOP setting (R47-R49) through committee_update,
    # the SOP values of the rules through rule_override_set.
    readonly_fields = ["deputy", "emergency_member_review", "rule_overrides"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
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
class CommitteeDocumentAdmin(admin.ModelAdmin):
    list_display = ["committee", "kind", "version", "original_name", "uploaded_at", "uploaded_by"]
    list_filter = ["kind", "committee"]
    search_fields = ["committee__name", "title", "original_name", "sha256"]
    readonly_fields = FILE_FIELDS


@admin.register(Pledge)
class PledgeAdmin(admin.ModelAdmin):
    list_display = ["membership", "kind", "signed_on", "valid_until"]
    list_filter = ["kind"]
    search_fields = ["membership__user__name", "membership__committee__name"]
    raw_id_fields = ["membership"]
    readonly_fields = FILE_FIELDS


@admin.register(Training)
class TrainingAdmin(admin.ModelAdmin):
    list_display = ["membership", "title", "provider", "completed_on", "hours"]
    list_filter = ["completed_on"]
    search_fields = ["title", "provider", "membership__user__name"]
    raw_id_fields = ["membership"]
    readonly_fields = FILE_FIELDS


@admin.register(Entrustment)
class EntrustmentAdmin(admin.ModelAdmin):
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
