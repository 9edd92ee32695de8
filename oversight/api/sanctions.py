"""Sanctions (R57) and researchers' training (R10a) on the API: output serializers and viewsets;
every state change goes through oversight/sanctions_actions.py."""

from __future__ import annotations

from typing import Any

from rest_framework import mixins, serializers, viewsets

from ethics.api.actions import ActionViewSetMixin
from oversight import sanctions_selectors as selectors
from oversight.models_sanctions import ResearcherTraining, Sanction
from oversight.sanctions_actions import SANCTIONS, TRAININGS
from oversight.sanctions_filters import ResearcherTrainingFilter, SanctionFilter


class SanctionSerializer(serializers.ModelSerializer):
    measure_label = serializers.CharField(source="get_measure_display", read_only=True)
    subject_name = serializers.CharField(read_only=True)
    in_force = serializers.BooleanField(read_only=True)

    class Meta:
        model = Sanction
        fields = [
            "id",
            "institution",
            "subject_kind",
            "person",
            "target_institution",
            "subject_name",
            "measure",
            "measure_label",
            "grounds",
            "decided_on",
            "ban_starts_on",
            "ban_ends_on",
            "in_force",
            "investigation",
            "lifted_on",
            "lift_reason",
            "created_at",
        ]
        read_only_fields = fields


class ResearcherTrainingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResearcherTraining
        fields = ["id", "person", "title", "provider", "completed_on", "expires_on", "created_at"]
        read_only_fields = fields


class SanctionViewSet(
    ActionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Sanctions (R57): `POST /sanctions/` records one, `POST /sanctions/{id}/lift/` ends a ban
    early with a reason. Nothing is deleted."""

    action_table = SANCTIONS
    create_action = "create"
    serializer_class = SanctionSerializer
    filterset_class = SanctionFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.sanctions_for_user(self.request.user)


class ResearcherTrainingViewSet(
    ActionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Researchers' ethics training records (R10a), with their expiry."""

    action_table = TRAININGS
    create_action = "create"
    serializer_class = ResearcherTrainingSerializer
    filterset_class = ResearcherTrainingFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.trainings_for_user(self.request.user)
