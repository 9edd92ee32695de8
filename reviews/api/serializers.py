"""Serializers of the reviews API (api.md: Projects, Applications, Decisions)."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from committees.models import Committee
from ethics.models import User
from reviews import checklist
from reviews.models import (
    Appeal,
    Application,
    Decision,
    DocumentVersion,
    Project,
    Recognition,
    ReReview,
)
from reviews.workflow import Kind, Procedure, Verdict


class ProjectSerializer(serializers.ModelSerializer):
    scope = serializers.ListField(
        child=serializers.ChoiceField(choices=checklist.Scope.choices), required=False
    )
    team = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.all(), required=False
    )
    committee = serializers.PrimaryKeyRelatedField(queryset=Committee.objects.all())
    listed_item = serializers.IntegerField(allow_null=True, required=False, min_value=1)

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
            "international",
            "planned_start",
            "planned_end",
            "status",
            "review_required",
            "participating_institutions",
            "closed_at",
            "retain_until",
        ]
        read_only_fields = [
            "id",
            "institution",
            "lead",
            "status",
            "review_required",
            "participating_institutions",
            "closed_at",
            "retain_until",
        ]


class PrescreenInput(serializers.Serializer):
    answers = serializers.DictField(child=serializers.BooleanField())


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
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_decision(self, obj: Application) -> int | None:
        decisions = list(obj.decisions.all())  # prefetched, newest first
        return decisions[0].pk if decisions else None


class ApplicationCreateInput(serializers.Serializer):
    project = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.INITIAL)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    major_change = serializers.BooleanField(required=False, default=False)


class DocumentUploadInput(serializers.Serializer):
    slot = serializers.ChoiceField(choices=checklist.Slot.choices)
    file = serializers.FileField()


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
            "uploaded_at",
            "url",
        ]

    @extend_schema_field(serializers.CharField())
    def get_url(self, obj: DocumentVersion) -> str:
        return reverse("reviews-api:document-download", args=[obj.pk])


class ReturnInput(serializers.Serializer):
    missing = serializers.ListField(child=serializers.CharField(max_length=500), allow_empty=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class OptionalReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AcceptInput(serializers.Serializer):
    procedure = serializers.ChoiceField(choices=Procedure.choices)
    grounds = serializers.CharField(required=False, allow_blank=True, default="")


class AssignInput(serializers.Serializer):
    reviewers = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class DeclareInput(serializers.Serializer):
    conflicted = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class OpinionInput(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    comments = serializers.CharField(required=False, allow_blank=True, default="")
    worksheet = serializers.DictField(child=serializers.CharField(), required=False, default=dict)


class ExtendInput(serializers.Serializer):
    due_at = serializers.DateTimeField()
    reason = serializers.CharField(allow_blank=True)


class DecideInput(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[
            (v, v)
            for v in (
                "approve",
                "approve_with_modifications",
                "resubmit",
                "disapprove",
                "continue",
                "suspend",
                "terminate",
            )
        ]
    )
    conditions = serializers.CharField(required=False, allow_blank=True, default="")
    reasons = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionSerializer(serializers.ModelSerializer):
    letter = serializers.SerializerMethodField()

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
        hidden = self._tally_hidden()
        if hidden is None or instance.application_id in hidden:
            data["tally"] = {}  # applicants and conflicted members never see it (R20a)
        return data

    def _tally_hidden(self) -> set[int] | None:
        """Applications whose tally the reader may not see (None: no reader, hide every tally),
        read once per response."""
        if "tally_hidden" not in self.context:
            from reviews.policies import tally_hidden_filter

            user = getattr(self.context.get("request"), "user", None)
            hidden = None
            if user is not None and user.is_authenticated:
                hidden = set(
                    Application.objects.filter(tally_hidden_filter(user)).values_list(
                        "pk", flat=True
                    )
                )
            self.context["tally_hidden"] = hidden
        return self.context["tally_hidden"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_letter(self, obj: Decision) -> str | None:
        if not obj.letter:
            return None
        path = reverse("reviews-api:decision-letter", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RequiredNoteInput(serializers.Serializer):
    note = serializers.CharField(allow_blank=True)


class SubmitRereviewInput(serializers.Serializer):
    authority = serializers.CharField(max_length=200, allow_blank=True)
    submitted_on = serializers.DateField(required=False, allow_null=True, default=None)


class RecordRereviewInput(serializers.Serializer):
    opinion = serializers.ChoiceField(choices=["agree", "disagree"])
    received_on = serializers.DateField()
    panel_size = serializers.IntegerField(min_value=0)
    authority = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    reasons = serializers.CharField(required=False, allow_blank=True, default="")
    from_originating_committee = serializers.IntegerField(min_value=0, required=False, default=0)


class AppealInput(serializers.Serializer):
    grounds = serializers.CharField(allow_blank=True)


class ReReviewSerializer(serializers.ModelSerializer):
    preliminary_decision = serializers.PrimaryKeyRelatedField(read_only=True)
    final_decision = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ReReview
        fields = [
            "id",
            "application",
            "state",
            "preliminary_decision",
            "authority",
            "submitted_on",
            "panel_size",
            "opinion",
            "reasons",
            "received_on",
            "final_decision",
            "package_hash",
        ]
        read_only_fields = fields


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


class ParticipantsInput(serializers.Serializer):
    participating_institutions = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=True
    )


class RecognitionSerializer(serializers.ModelSerializer):
    decision_number = serializers.CharField(write_only=True, max_length=60)

    class Meta:
        model = Recognition
        fields = [
            "id",
            "project",
            "committee",
            "source_decision",
            "decision_number",
            "verification_hash",
            "local_checks",
            "recorded_at",
        ]
        read_only_fields = ["id", "project", "source_decision", "recorded_at"]
