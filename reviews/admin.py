"""Django admin for reviews: search and filters; read-only, since every change goes through the
services (audit, clocks, notifications) and decisions, opinions and versions are history (R60)."""

from django.contrib import admin

from committees.models import RegimeChoice
from ethics import regulations
from ethics.admin import DueColumn, ReadOnlyAdmin
from reviews import checklist
from reviews.models import (
    Appeal,
    Application,
    ConflictDeclaration,
    Decision,
    Document,
    DocumentVersion,
    NumberSequence,
    Opinion,
    Project,
    Recognition,
    ReReview,
    Review,
    ReviewerAssignment,
    Scope,
    TeamInvitation,
)
from reviews.services.emergency import REASONS


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    json_labels = {"scope": Scope.choices}
    # R37: the committee's determination beside the researcher's declaration.
    list_display = [
        "title",
        "lead",
        "committee",
        "listing",
        "listing_item",
        "listed_item",
        "status",
        "retain_until",
    ]
    list_filter = ["status", "listing", "listed_item", "international"]
    search_fields = ["title", "lead__username", "lead__name"]
    list_select_related = ["lead", "committee"]


@admin.register(Application)
class ApplicationAdmin(DueColumn, ReadOnlyAdmin):
    json_labels = {"regimes": RegimeChoice.choices, "missing_items": checklist.Slot.choices}
    list_display = ["ref", "project", "kind", "status", "procedure", "submitted_at", "due"]
    list_filter = ["kind", "status", "procedure", "committee"]
    search_fields = ["ref", "project__title"]
    list_select_related = ["project"]


@admin.register(Review)
class ReviewAdmin(DueColumn, ReadOnlyAdmin):
    list_display = ["application", "round", "procedure", "state", "accepted_at", "due"]
    list_filter = ["procedure", "state"]
    search_fields = ["application__ref"]
    json_labels = {
        "grounds": regulations.SIMPLIFIED_GROUND_LABELS.items(),
        "conversion_reason": REASONS.items(),
    }


@admin.register(ReviewerAssignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["review", "membership", "coi_state", "assigned_at"]
    list_filter = ["coi_state"]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(ReadOnlyAdmin):
    list_display = ["application", "user", "source", "declared_at", "withdrawn_at"]
    list_filter = ["source"]
    search_fields = ["application__ref", "user__username", "user__name"]
    list_select_related = ["application", "user"]


@admin.register(Opinion)
class OpinionAdmin(ReadOnlyAdmin):
    list_display = ["assignment", "verdict", "created_at"]
    list_filter = ["verdict"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["number", "application", "outcome", "stage", "decided_at", "next_tracking_due"]
    list_filter = ["outcome", "stage", "committee"]
    search_fields = ["number", "application__ref", "letter_hash"]
    list_select_related = ["application"]


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ReadOnlyAdmin):
    list_display = ["document", "version", "original_name", "sha256", "uploaded_at"]
    search_fields = ["sha256", "original_name", "document__application__ref"]


@admin.register(ReReview)
class ReReviewAdmin(ReadOnlyAdmin):
    list_display = ["application", "state", "authority", "panel_size", "opinion", "received_on"]
    list_filter = ["state", "opinion"]
    search_fields = ["application__ref", "authority"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["original_decision", "application", "state", "filed_at", "resolved_at"]
    list_filter = ["state"]


@admin.register(Recognition)
class RecognitionAdmin(ReadOnlyAdmin):
    list_display = ["source_decision", "committee", "project", "recorded_at"]
    search_fields = ["source_decision__number", "verification_hash"]


@admin.register(TeamInvitation)
class TeamInvitationAdmin(ReadOnlyAdmin):
    """Read-only like the project (whose team cannot change here): invitations are answered by
    the invitee and the team is frozen from submission (R20a)."""

    list_display = ["project", "user", "state", "invited_at", "responded_at"]
    list_filter = ["state"]
    search_fields = ["project__title", "user__username", "user__name"]
    list_select_related = ["project", "user"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    """An application's document slots; their versions are DocumentVersion rows (R60)."""

    list_display = ["application", "slot", "correction_requested", "created_at"]
    list_filter = ["slot", "correction_requested"]
    search_fields = ["application__ref", "application__project__title"]
    list_select_related = ["application"]


@admin.register(NumberSequence)
class NumberSequenceAdmin(ReadOnlyAdmin):
    """The gap-free number counters (R26): read only, a number once taken is never reused."""

    list_display = ["committee", "year", "kind", "last"]
    list_filter = ["kind", "year"]
    list_select_related = ["committee"]
