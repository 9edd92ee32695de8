"""Django admin of incidents, the risk register and funding records: to look up and filter only.

Every change goes through the services (audited, R60); imported from register_incidents().
"""

from django.contrib import admin

from ethics.admin import ReadOnlyAdmin, ReadOnlyInline
from oversight.models_incidents import (
    ApprovalStatement,
    Funding,
    Incident,
    IncidentFollowUp,
    RiskEntry,
    RiskReview,
)


class FollowUpInline(ReadOnlyInline):
    model = IncidentFollowUp
    fields = ["created_at", "author", "note"]
    readonly_fields = fields


class RiskReviewInline(ReadOnlyInline):
    model = RiskReview
    fields = ["reviewed_on", "level", "next_review_on", "reviewed_by", "note"]
    readonly_fields = fields


class StatementInline(ReadOnlyInline):
    model = ApprovalStatement
    fields = ["decision", "valid_until", "issued_by", "issued_at"]
    readonly_fields = fields


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "severity", "status", "committee", "reported_at"]
    list_filter = ["kind", "severity", "status", "reported_late"]
    search_fields = ["title", "project__title", "committee__name"]
    list_select_related = ["committee"]
    inlines = [FollowUpInline]


@admin.register(IncidentFollowUp)
class IncidentFollowUpAdmin(ReadOnlyAdmin):
    list_display = ["incident", "author", "created_at"]
    search_fields = ["incident__title", "note"]
    list_select_related = ["incident", "author"]


@admin.register(RiskEntry)
class RiskEntryAdmin(ReadOnlyAdmin):
    list_display = ["title", "level", "committee", "owner", "next_review_on", "closed_at"]
    list_filter = ["level"]
    search_fields = ["title", "project__title", "committee__name"]
    list_select_related = ["committee", "owner"]
    inlines = [RiskReviewInline]


@admin.register(RiskReview)
class RiskReviewAdmin(ReadOnlyAdmin):
    list_display = ["entry", "reviewed_on", "level", "next_review_on", "reviewed_by"]
    list_filter = ["level"]
    search_fields = ["entry__title"]
    list_select_related = ["entry", "reviewed_by"]


@admin.register(Funding)
class FundingAdmin(ReadOnlyAdmin):
    list_display = ["funder", "programme", "grant_number", "project", "removed_at"]
    search_fields = ["funder", "programme", "grant_number", "project__title"]
    list_select_related = ["project"]
    inlines = [StatementInline]


@admin.register(ApprovalStatement)
class ApprovalStatementAdmin(ReadOnlyAdmin):
    list_display = ["funding", "decision", "valid_until", "issued_by", "issued_at"]
    search_fields = ["funding__funder", "funding__grant_number", "code"]
    list_select_related = ["funding", "decision", "issued_by"]
    exclude = ["code", "pdf", "rendered_at"]
