"""Complaints (R55) and investigations (R56) in the API.

`POST /api/v1/complaints/report/` and `GET /api/v1/complaints/receipt/{code}/` are public
(no account; rate-limited per address like the pages). `/api/v1/complaints/` and
`/api/v1/investigations/` are the officers' lists, details and actions (the action tables).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ethics.actions import bind_input
from ethics.api.actions import ActionViewSetMixin, form_serializer
from oversight import complaints_selectors as selectors
from oversight.complaints_actions import COMPLAINTS, INVESTIGATIONS
from oversight.complaints_filters import ComplaintFilter, InvestigationFilter
from oversight.complaints_forms import PublicComplaintForm
from oversight.complaints_views import ComplaintRateThrottle, ReceiptRateThrottle, submit
from oversight.models_complaints import (
    Complaint,
    ComplaintMessage,
    CorrectiveMeasure,
    Evidence,
    Investigation,
    InvestigationStep,
    ReferralPackage,
)

# --- public ------------------------------------------------------------------------------------


class ReceiptSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    received_at = serializers.DateTimeField()
    messages = serializers.ListField(child=serializers.DictField())


def _receipt(complaint: Complaint) -> dict[str, Any]:
    return {
        "number": complaint.number,
        "status": complaint.status,
        "status_label": complaint.get_status_display(),
        "received_at": complaint.received_at,
        "messages": [
            {"at": m.created_at.isoformat(), "body": m.body}
            for m in getattr(complaint, "reporter_messages", [])
        ],
    }


class PublicComplaintView(APIView):
    """Anyone may report an ethics concern (R55); throttled per address (COMPLAINT_RATE)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [ComplaintRateThrottle]

    @extend_schema(
        operation_id="complaint_report",
        summary="Report an ethics concern (public)",
        auth=[],
        request=form_serializer(PublicComplaintForm),
        responses={
            201: OpenApiResponse(description="{number, receipt_code}: keep the code."),
            400: OpenApiResponse(description="Field errors."),
            429: OpenApiResponse(description="Too many reports from this address."),
        },
    )
    def post(self, request: Request) -> Response:
        form = bind_input(PublicComplaintForm, request.data)
        complaint, code = submit(form)
        return Response(
            {"number": complaint.number, "receipt_code": code}, status=status.HTTP_201_CREATED
        )


class ReceiptView(APIView):
    """The reporter's view of the case by the receipt code: status and messages meant for them."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [ReceiptRateThrottle]

    @extend_schema(
        operation_id="complaint_receipt",
        summary="Follow a complaint by its receipt code (public)",
        auth=[],
        responses={200: ReceiptSerializer, 404: OpenApiResponse(description="Unknown code.")},
    )
    def get(self, request: Request, code: str) -> Response:
        complaint = selectors.complaint_by_receipt(code)
        if complaint is None:
            return Response(
                {"code": "unknown_code", "message": _("This receipt code is not known.")},
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(ReceiptSerializer(_receipt(complaint)).data)


# --- the officers' ------------------------------------------------------------------------------


class ComplaintListSerializer(serializers.ModelSerializer[Complaint]):
    """A list row: never the reporter (R55)."""

    number = serializers.CharField(read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "institution",
            "committee",
            "subject_kind",
            "summary",
            "status",
            "received_at",
            "acknowledged_at",
            "triaged_at",
        ]


class MessageSerializer(serializers.ModelSerializer[ComplaintMessage]):
    class Meta:
        model = ComplaintMessage
        fields = ["id", "to_reporter", "body", "created_at", "created_by"]


class ComplaintSerializer(ComplaintListSerializer):
    """The case as its handling officers read it, the reporter included."""

    messages = MessageSerializer(many=True, read_only=True)

    class Meta(ComplaintListSerializer.Meta):
        fields = [
            *ComplaintListSerializer.Meta.fields,
            "project_text",
            "person_text",
            "description",
            "anonymous",
            "reporter_kind",
            "reporter_name",
            "reporter_contact",
            "triage_reason",
            "referred_to",
            "closed_at",
            "projects",
            "persons",
            "messages",
        ]


class ComplaintViewSet(
    ActionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Complaints the caller handles (R55); actions acknowledge, triage, link, message, close."""

    action_table = COMPLAINTS
    filterset_class = ComplaintFilter

    def get_serializer_class(self) -> Any:
        return ComplaintListSerializer if self.action == "list" else ComplaintSerializer

    def get_queryset(self) -> Any:
        qs = selectors.complaints_for_user(self.request.user)
        if self.action != "list":
            qs = qs.prefetch_related("messages", "projects", "persons")
        return qs


class StepSerializer(serializers.ModelSerializer[InvestigationStep]):
    class Meta:
        model = InvestigationStep
        fields = ["id", "kind", "happened_on", "title", "interviewee", "notes"]


class EvidenceSerializer(serializers.ModelSerializer[Evidence]):
    class Meta:
        model = Evidence
        fields = ["id", "title", "original_name", "sha256", "size", "content_type", "created_at"]


class MeasureSerializer(serializers.ModelSerializer[CorrectiveMeasure]):
    class Meta:
        model = CorrectiveMeasure
        fields = ["id", "description", "responsible", "due_on", "completed_on", "completion_note"]


class ReferralSerializer(serializers.ModelSerializer[ReferralPackage]):
    class Meta:
        model = ReferralPackage
        fields = ["id", "version", "authority", "state", "verification_hash", "rendered_at"]


class InvestigationSerializer(serializers.ModelSerializer[Investigation]):
    number = serializers.CharField(read_only=True)
    steps = StepSerializer(many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    measures = MeasureSerializer(many=True, read_only=True)
    referrals = ReferralSerializer(many=True, read_only=True)

    class Meta:
        model = Investigation
        fields = [
            "id",
            "number",
            "institution",
            "committee",
            "complaint",
            "origin",
            "handling_body",
            "title",
            "scope",
            "status",
            "finding",
            "conclusion",
            "concluded_at",
            "closed_at",
            "projects",
            "persons",
            "steps",
            "evidence",
            "measures",
            "referrals",
        ]


class InvestigationListSerializer(serializers.ModelSerializer[Investigation]):
    number = serializers.CharField(read_only=True)

    class Meta:
        model = Investigation
        fields = ["id", "number", "committee", "origin", "handling_body", "title", "status"]


class InvestigationViewSet(
    ActionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Investigations the caller handles (R56): `POST` opens one on the institution's own
    initiative; actions record steps, evidence, measures, the conclusion and the referral."""

    action_table = INVESTIGATIONS
    create_action = "open"
    filterset_class = InvestigationFilter

    def get_serializer_class(self) -> Any:
        return InvestigationListSerializer if self.action == "list" else InvestigationSerializer

    def get_queryset(self) -> Any:
        qs = selectors.investigations_for_user(self.request.user)
        if self.action != "list":
            qs = qs.prefetch_related(
                "steps", "evidence", "measures", "referrals", "projects", "persons"
            )
        return qs
