"""API of incidents, the risk register and funding records (the same tables as the pages)."""

from __future__ import annotations

from typing import Any

from rest_framework import mixins, serializers, viewsets

from ethics.api.actions import ActionViewSetMixin
from oversight import incidents_selectors as selectors
from oversight.incidents_actions import FUNDINGS, INCIDENTS, RISKS
from oversight.incidents_filters import FundingFilter, IncidentFilter, RiskFilter
from oversight.models_incidents import (
    ApprovalStatement,
    Funding,
    Incident,
    IncidentFollowUp,
    RiskEntry,
    RiskReview,
)


class FollowUpSerializer(serializers.ModelSerializer[IncidentFollowUp]):
    author = serializers.CharField(source="author.display_name", read_only=True)

    class Meta:
        model = IncidentFollowUp
        fields = ["id", "note", "author", "created_at"]


class IncidentSerializer(serializers.ModelSerializer[Incident]):
    project = serializers.IntegerField(source="project_id", read_only=True)
    committee = serializers.IntegerField(source="committee_id", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    severity_label = serializers.CharField(source="get_severity_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    reported_by = serializers.CharField(source="reported_by.display_name", read_only=True)
    followups = FollowUpSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "project",
            "committee",
            "kind",
            "kind_label",
            "severity",
            "severity_label",
            "title",
            "description",
            "measures",
            "aware_at",
            "reported_at",
            "report_due_at",
            "reported_late",
            "reported_by",
            "status",
            "status_label",
            "escalated_at",
            "escalation_reason",
            "closed_at",
            "closure_summary",
            "followups",
        ]


class RiskReviewSerializer(serializers.ModelSerializer[RiskReview]):
    reviewed_by = serializers.CharField(source="reviewed_by.display_name", read_only=True)

    class Meta:
        model = RiskReview
        fields = ["id", "reviewed_on", "level", "note", "next_review_on", "reviewed_by"]


class RiskSerializer(serializers.ModelSerializer[RiskEntry]):
    project = serializers.IntegerField(source="project_id", read_only=True)
    committee = serializers.IntegerField(source="committee_id", read_only=True)
    owner = serializers.CharField(source="owner.display_name", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    reviews = RiskReviewSerializer(many=True, read_only=True)

    class Meta:
        model = RiskEntry
        fields = [
            "id",
            "project",
            "committee",
            "title",
            "description",
            "level",
            "level_label",
            "measures",
            "owner",
            "next_review_on",
            "last_reviewed_on",
            "closed_at",
            "reviews",
        ]


class StatementSerializer(serializers.ModelSerializer[ApprovalStatement]):
    decision = serializers.CharField(source="decision.number", read_only=True)
    ready = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalStatement
        fields = ["id", "decision", "valid_until", "code", "issued_at", "ready"]

    def get_ready(self, obj: ApprovalStatement) -> bool:
        return bool(obj.pdf)


class FundingSerializer(serializers.ModelSerializer[Funding]):
    project = serializers.IntegerField(source="project_id", read_only=True)
    statements = StatementSerializer(many=True, read_only=True)

    class Meta:
        model = Funding
        fields = ["id", "project", "funder", "programme", "grant_number", "statements"]


class IncidentViewSet(
    ActionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Ethics incidents the caller may see (R30; BJ 五（一）); actions follow up, escalate, close."""

    action_table = INCIDENTS
    create_action = "create"
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter

    def get_queryset(self) -> Any:
        return selectors.incidents_for_user(self.request.user).prefetch_related("followups__author")


class RiskViewSet(
    ActionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The risk register of listed and high-risk activities (R45; BJ 五（一）、五（二））."""

    action_table = RISKS
    create_action = "create"
    serializer_class = RiskSerializer
    filterset_class = RiskFilter

    def get_queryset(self) -> Any:
        return selectors.risks_for_user(self.request.user).prefetch_related("reviews__reviewed_by")


class FundingViewSet(
    ActionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Funded programmes behind projects (R59) and their approval statements for funders."""

    action_table = FUNDINGS
    create_action = "create"
    update_action = "update"
    serializer_class = FundingSerializer
    filterset_class = FundingFilter

    def get_queryset(self) -> Any:
        return selectors.fundings_for_user(self.request.user).prefetch_related(
            "statements__decision"
        )
