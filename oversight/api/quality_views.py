"""API of quality control (B1) and the expert pool (R40, B11): the pages' selectors and tables."""

from django.db.models import Prefetch
from rest_framework import mixins, viewsets

from ethics.api.actions import ActionViewSetMixin
from oversight import quality_selectors as selectors
from oversight.api.quality_serializers import (
    PoolExpertSerializer,
    QualityAuditSerializer,
    RereviewPanelSerializer,
    SelfEvaluationSerializer,
)
from oversight.models_quality import AuditSample, CorrectiveAction, EvaluationItem
from oversight.quality_actions import AUDITS, EVALUATIONS, EXPERTS, PANELS
from oversight.quality_filters import AuditFilter, EvaluationFilter, ExpertFilter


class _ReadAndAct(
    ActionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    http_method_names = ["get", "post", "head", "options"]


class SelfEvaluationViewSet(_ReadAndAct):
    """Self-evaluations (B1) of the committees the caller manages; ``POST`` opens one."""

    action_table = EVALUATIONS
    create_action = "open"
    serializer_class = SelfEvaluationSerializer
    filterset_class = EvaluationFilter

    def get_queryset(self):
        return selectors.evaluations_for_user(self.request.user).prefetch_related(
            Prefetch("items", queryset=EvaluationItem.objects.order_by("position", "id")),
            Prefetch("corrective_actions", queryset=CorrectiveAction.objects.order_by("id")),
        )


class QualityAuditViewSet(_ReadAndAct):
    """Quality audits (B1): ``POST`` draws a sample with a recorded seed."""

    action_table = AUDITS
    create_action = "draw"
    serializer_class = QualityAuditSerializer
    filterset_class = AuditFilter

    def get_queryset(self):
        return selectors.audits_for_user(self.request.user).prefetch_related(
            Prefetch(
                "samples",
                queryset=AuditSample.objects.select_related("application").order_by("position"),
            )
        )


class PoolExpertViewSet(_ReadAndAct):
    """The re-review expert pool (B11); ``POST`` adds an expert."""

    action_table = EXPERTS
    create_action = "add"
    serializer_class = PoolExpertSerializer
    filterset_class = ExpertFilter

    def get_queryset(self):
        return selectors.experts_for_user(self.request.user).prefetch_related("interests")


class RereviewPanelViewSet(_ReadAndAct):
    """Re-reviews whose panel the caller organises (R40); ``seat`` seats it from the pool."""

    action_table = PANELS
    serializer_class = RereviewPanelSerializer

    def get_queryset(self):
        return selectors.rereviews_for_panel(self.request.user)
