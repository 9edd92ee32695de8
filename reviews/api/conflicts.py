"""POST /api/v1/applications/{id}/conflicts/: a standing conflict-of-interest declaration (R20a).

A member declares a conflict on an application whatever procedure or meeting comes next; a
committee officer records one for a member ("user"). The declaration closes the application's
materials, opinions, votes and tally on every route (reviews.policies).
"""

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reviews import policies, services
from reviews.models import Application, ConflictDeclaration


class ConflictInput(serializers.Serializer):
    user = serializers.IntegerField(required=False, help_text="Defaults to the caller.")
    reason = serializers.CharField(allow_blank=True)


class ConflictSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConflictDeclaration
        fields = ["id", "application", "user", "source", "reason", "declared_at", "withdrawn_at"]
        read_only_fields = fields


class ApplicationConflictsView(APIView):
    @extend_schema(request=ConflictInput, responses={201: ConflictSerializer})
    def post(self, request: Request, pk: int) -> Response:
        application = Application.objects.select_related("project").filter(pk=pk).first()
        # Hidden unless the caller could declare for themself: sees it or sits on its committee.
        if application is None or not policies.may_declare_conflict(
            request.user, application, request.user.pk
        ):
            raise Http404
        serializer = ConflictInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(serializer.validated_data)
        declaration = services.conflict_declare(
            application_id=application.pk,
            actor=request.user,
            reason=data["reason"],
            user_id=data.get("user"),
        )
        return Response(ConflictSerializer(declaration).data, status=status.HTTP_201_CREATED)
