"""Serializers of the reviews API (api.md: Projects, Applications, Decisions)."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ethics.api.readonly import BlankAwareModelSerializer
from reviews import checklist
from reviews.models import (
    Appeal,
    Application,
    ConflictDeclaration,
    Decision,
    DocumentVersion,
    InvitationState,
    Project,
    Recognition,
    ReReview,
    ReviewerAssignment,
    TeamInvitation,
)


class ProjectSerializer(BlankAwareModelSerializer):
    """A project as the API shows it; its input is reviews.forms.ProjectForm (reviews.actions)."""

    scope = serializers.ListField(
        child=serializers.ChoiceField(choices=checklist.Scope.choices), read_only=True
    )
    # R37: ``listed_item`` is the researcher's declaration (also as ``declared_listed_item``);
    # ``listing`` (undetermined / not_listed / listed) and ``listing_item`` are the committee's.
    listed_item = serializers.IntegerField(allow_null=True, read_only=True)
    declared_listed_item = serializers.IntegerField(
        source="listed_item", allow_null=True, read_only=True
    )
    listing_display = serializers.CharField(source="listing_label", read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "title",
            "institution",
            "committee",
            "lead",
            "team",
            "scope",
            "listed_item",
            "declared_listed_item",
            "listing",
            "listing_item",
            "listing_display",
            "listing_reasons",
            "listing_determined_at",
            "listing_proposal",
            "listing_proposed_item",
            "international",
            "partner_approvals_waiver",
            "planned_start",
            "planned_end",
            "status",
            "review_required",
            "participating_institutions",
            "closed_at",
            "retain_until",
        ]
        read_only_fields = fields


class ApplicationSerializer(serializers.ModelSerializer):
    decision = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "ref",
            "project",
            "kind",
            "status",
            "procedure",
            "accepted_at",
            "due_at",
            "missing_items",
            "decision",
            "major_change",
            "major_classification",
            "major_classification_reasons",
            "team_change",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_decision(self, obj: Application) -> int | None:
        decisions = list(obj.decisions.all())  # prefetched, newest first
        return decisions[0].pk if decisions else None


class DocumentVersionSerializer(serializers.ModelSerializer):
    slot = serializers.CharField(source="document.slot")
    url = serializers.SerializerMethodField()

    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "slot",
            "version",
            "original_name",
            "sha256",
            "size",
            "content_type",
            "quarantine",
            "uploaded_at",
            "url",
        ]

    @extend_schema_field(serializers.CharField())
    def get_url(self, obj: DocumentVersion) -> str:
        return reverse("reviews-api:document-download", args=[obj.pk])


def tally_hidden(context: dict[str, Any]) -> set[int] | None:
    """Applications whose tally, counts and number of reviewers the reader may not see
    (``reviews.policies.tally_hidden_filter``; None: no reader, hide them all), read once per
    response and kept in the serializer context."""
    if "tally_hidden" not in context:
        from reviews.policies import tally_hidden_filter

        user = getattr(context.get("request"), "user", None)
        hidden = None
        if user is not None and user.is_authenticated:
            hidden = set(
                Application.objects.filter(tally_hidden_filter(user)).values_list("pk", flat=True)
            )
        context["tally_hidden"] = hidden
    hidden_ids: set[int] | None = context["tally_hidden"]
    return hidden_ids


class DecisionSerializer(BlankAwareModelSerializer):
    letter = serializers.SerializerMethodField()
    omitted_for_some_readers = ("tally",)

    class Meta:
        model = Decision
        fields = [
            "id",
            "application",
            "outcome",
            "decided_at",
            "number",
            "conditions",
            "reasons",
            "tally",
            "next_tracking_due",
            "letter",
            "stage",
            "follows",
            "letter_hash",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Decision) -> dict[str, Any]:
        data = super().to_representation(instance)
        hidden = tally_hidden(self.context)
        if hidden is None or instance.application_id in hidden:
            # Applicants (R8) and conflicted members (R20a) never see it: not even the key.
            del data["tally"]
        return data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_letter(self, obj: Decision) -> str | None:
        if not obj.letter:
            return None
        path = reverse("reviews-api:decision-letter", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ReReviewSerializer(BlankAwareModelSerializer):
    preliminary_decision = serializers.PrimaryKeyRelatedField(read_only=True)
    final_decision = serializers.PrimaryKeyRelatedField(read_only=True)
    omitted_for_some_readers = ("panel_size",)

    class Meta:
        model = ReReview
        fields = [
            "id",
            "application",
            "state",
            "preliminary_decision",
            "authority",
            "authority_name",
            "submitted_on",
            "panel_size",
            "opinion",
            "reasons",
            "received_on",
            "final_decision",
            "package_hash",
        ]
        read_only_fields = fields

    def to_representation(self, instance: ReReview) -> dict[str, Any]:
        data = super().to_representation(instance)
        hidden = tally_hidden(self.context)
        if hidden is None or instance.application_id in hidden:
            del data["panel_size"]  # R8: the applicant sees the opinion, not how many decided
        return data


class AppealSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appeal
        fields = [
            "id",
            "application",
            "original_decision",
            "grounds",
            "state",
            "filed_at",
            "resolved_at",
            "new_decision",
        ]
        read_only_fields = fields


class RecognitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recognition
        fields = [
            "id",
            "project",
            "committee",
            "source_decision",
            "issuing_committee",
            "decision_number",
            "decided_on",
            "letter_sha256",
            "verification_hash",
            "local_checks",
            "recorded_at",
        ]
        read_only_fields = fields


class ConflictSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConflictDeclaration
        fields = ["id", "application", "user", "source", "reason", "declared_at", "withdrawn_at"]
        read_only_fields = fields


class TeamInvitationSerializer(serializers.ModelSerializer):
    """R8: an invitee sees the project's title and the lead's name, nothing else of it."""

    project_title = serializers.CharField(source="project.title", read_only=True)
    lead_name = serializers.CharField(source="project.lead.display_name", read_only=True)
    status = serializers.ChoiceField(
        source="state", choices=InvitationState.choices, read_only=True
    )

    class Meta:
        model = TeamInvitation
        fields = [
            "id",
            "project",
            "project_title",
            "lead_name",
            "user",
            "role",
            "status",
            "invited_at",
            "responded_at",
        ]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    """One of the reader's own reviewer assignments (my reviews); nothing of other reviewers."""

    application = serializers.IntegerField(source="review.application_id", read_only=True)
    ref = serializers.CharField(source="review.application.ref", read_only=True)
    project_title = serializers.CharField(source="review.application.project.title", read_only=True)
    procedure = serializers.CharField(source="review.procedure", read_only=True)
    review_state = serializers.CharField(source="review.state", read_only=True)
    due_at = serializers.DateTimeField(source="review.due_at", read_only=True)
    opinion_given = serializers.SerializerMethodField()

    class Meta:
        model = ReviewerAssignment
        fields = [
            "id",
            "application",
            "ref",
            "project_title",
            "procedure",
            "review_state",
            "due_at",
            "coi_state",
            "assigned_at",
            "opinion_given",
        ]
        read_only_fields = fields

    def get_opinion_given(self, assignment: ReviewerAssignment) -> bool:
        return hasattr(assignment, "opinion")
