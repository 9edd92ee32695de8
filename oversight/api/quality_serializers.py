"""Output serializers of quality control (B1) and the expert pool (R40, B11)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from oversight import quality_checklist
from oversight import quality_selectors as selectors
from oversight.models_quality import (
    AuditSample,
    CorrectiveAction,
    EvaluationItem,
    ExpertInterest,
    PoolExpert,
    QualityAudit,
    SelfEvaluation,
)
from reviews.models import ReReview


class EvaluationItemSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()
    rule = serializers.SerializerMethodField()

    class Meta:
        model = EvaluationItem
        fields = ["id", "code", "label", "rule", "finding", "evidence", "answered_at"]

    def get_label(self, obj: EvaluationItem) -> str:
        return quality_checklist.label(obj.code)

    def get_rule(self, obj: EvaluationItem) -> str:
        return quality_checklist.rule(obj.code)


class CorrectiveActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CorrectiveAction
        fields = ["id", "item", "description", "owner", "due_on", "state", "closed_at", "outcome"]


class SelfEvaluationSerializer(serializers.ModelSerializer):
    committee_name = serializers.CharField(source="committee.name", read_only=True)
    items = EvaluationItemSerializer(many=True, read_only=True)
    corrective_actions = CorrectiveActionSerializer(many=True, read_only=True)

    class Meta:
        model = SelfEvaluation
        fields = [
            "id",
            "committee",
            "committee_name",
            "period_start",
            "period_end",
            "state",
            "opened_at",
            "closed_at",
            "summary",
            "items",
            "corrective_actions",
        ]


class AuditSampleSerializer(serializers.ModelSerializer):
    ref = serializers.CharField(source="application.ref", read_only=True)

    class Meta:
        model = AuditSample
        fields = ["id", "application", "ref", "position", "finding", "notes", "recorded_at"]


class QualityAuditSerializer(serializers.ModelSerializer):
    samples = AuditSampleSerializer(many=True, read_only=True)

    class Meta:
        model = QualityAudit
        fields = [
            "id",
            "committee",
            "period_start",
            "period_end",
            "requested_size",
            "seed",
            "population",
            "created_at",
            "samples",
        ]


class ExpertInterestSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExpertInterest
        fields = ["id", "institution", "project", "description", "declared_at"]


class PoolExpertSerializer(serializers.ModelSerializer):
    interests = ExpertInterestSerializer(many=True, read_only=True)

    class Meta:
        model = PoolExpert
        fields = [
            "id",
            "name",
            "user",
            "committee",
            "authority",
            "fields_of_work",
            "institution",
            "affiliation",
            "declared_interests",
            "active",
            "interests",
        ]


class RereviewPanelSerializer(serializers.ModelSerializer):
    """A re-review whose panel the caller organises: the seated experts and, from the rule set,
    which authority organises the re-review of which field (B12)."""

    application = serializers.IntegerField(source="application_id", read_only=True)
    experts = serializers.SerializerMethodField()
    authorities = serializers.SerializerMethodField()

    class Meta:
        model = ReReview
        fields = ["id", "application", "state", "experts", "authorities"]

    def get_experts(self, obj: ReReview) -> list[int]:
        panel = getattr(obj, "pool_panel", None)
        return [seat.expert_id for seat in panel.seats.all()] if panel else []

    def get_authorities(self, obj: ReReview) -> list[dict[str, Any]]:
        return [
            {"field": row.field, "authorities": row.authorities, "applies": row.applies}
            for row in selectors.authority_rows(obj)
        ]
