"""`GET /api/v1/verify/{code}/`: the public verification of a letter's code (reviews.verify)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reviews.models import Outcome
from reviews.services import LetterCheck, LetterStatus
from reviews.verify import VerifyRateThrottle, check_any


class LetterCheckSerializer(serializers.Serializer[Any]):
    """A letter's public header: nothing about the project or its people."""

    code = serializers.CharField(help_text="The verification code (SHA-256) printed in the letter.")
    number = serializers.CharField(help_text="The decision number (文号).")
    committee = serializers.CharField()
    institution = serializers.CharField()
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    outcome_label = serializers.CharField(
        help_text="The outcome as the letter prints it (Chinese)."
    )
    is_permit = serializers.BooleanField(
        help_text="The letter is a 批件 (the activity may proceed)."
    )
    decided_on = serializers.DateField()
    valid_until = serializers.DateField(
        allow_null=True, help_text="The next tracking review date, for an approval."
    )
    status = serializers.ChoiceField(
        choices=[
            LetterStatus.IN_FORCE,
            LetterStatus.SUPERSEDED,
            LetterStatus.SUSPENDED,
            LetterStatus.TERMINATED,
        ]
    )
    status_label = serializers.CharField()
    later_number = serializers.CharField(
        help_text="The later decision that followed, suspended or terminated it; empty if none."
    )


class LetterVerifyView(APIView):
    """Anyone may check a decision letter's code; throttled per address (VERIFY_RATE)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [VerifyRateThrottle]

    @extend_schema(
        operation_id="verify_letter",
        summary="Verify a decision letter's code (public)",
        auth=[],
        responses={
            200: LetterCheckSerializer,
            404: OpenApiResponse(description="Unknown or malformed code: {code, message}."),
            429: OpenApiResponse(description="Too many checks from this address."),
        },
    )
    def get(self, request: Request, code: str) -> Response:
        letter = check_any(request, code)
        if letter is not None and not isinstance(letter, LetterCheck):
            # Another registered document's code (ethics.hooks.verify_code), e.g. an approval
            # statement for a funder (R59): its own public record.
            return Response(letter.as_data())
        if letter is None:
            return Response(
                {"code": "unknown_code", "message": _("This verification code is not known.")},
                status=status.HTTP_404_NOT_FOUND,
            )
        data = {
            "code": letter.code,
            "number": letter.number,
            "committee": letter.committee,
            "institution": letter.institution,
            "outcome": letter.outcome,
            "outcome_label": letter.outcome_label,
            "is_permit": letter.is_permit,
            "decided_on": letter.decided_on,
            "valid_until": letter.valid_until,
            "status": letter.status,
            "status_label": letter.status_label,
            "later_number": letter.later_number,
        }
        return Response(LetterCheckSerializer(data).data)
