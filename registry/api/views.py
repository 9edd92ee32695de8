from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ethics.errors import Conflict
from ethics.hooks import deadline_kinds
from ethics.models import DeadlineState
from registry import selectors, services
from registry.api.serializers import (
    AcknowledgeInput,
    DeadlineSerializer,
    FilingSerializer,
    SubmitInput,
)
from registry.workflow import Kind as FilingKind
from registry.workflow import Status as FilingStatus


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("committee", int),
            OpenApiParameter("state", str, enum=[*DeadlineState.values, "active"]),
            OpenApiParameter("kind", str, enum=deadline_kinds()),
        ]
    )
)
class DeadlineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every clock of the committees the caller may see (api.md "Deadlines")."""

    serializer_class = DeadlineSerializer
    filter_backends: list[type[filters.DjangoFilterBackend]] = []

    def get_queryset(self):
        params = self.request.query_params if self.action == "list" else {}
        return selectors.deadlines_for_user(self.request.user, params)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("committee", int),
            OpenApiParameter("kind", str, enum=FilingKind.values),
            OpenApiParameter("status", str, enum=[*FilingStatus.values, "open", "overdue"]),
        ]
    )
)
class FilingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Filings towards the national platform (api.md "Filings"); actions change their status."""

    serializer_class = FilingSerializer
    filter_backends: list[type[filters.DjangoFilterBackend]] = []

    def get_queryset(self):
        params = self.request.query_params if self.action == "list" else {}
        return selectors.with_packages(selectors.filings_for_user(self.request.user, params))

    def _done(self, filing_id: int, code: int = status.HTTP_200_OK) -> Response:
        filing = selectors.filings_for_user(self.request.user).get(pk=filing_id)
        return Response(self.get_serializer(filing).data, status=code)

    @extend_schema(request=None, responses={202: FilingSerializer})
    @action(detail=True, methods=["post"])
    def prepare(self, request, pk=None):
        """Queue the package for rendering (PDF, JSON, xlsx); the filing becomes prepared."""
        filing = self.get_object()
        services.filing_prepare(filing_id=filing.pk, actor=request.user)
        return self._done(filing.pk, status.HTTP_202_ACCEPTED)

    @extend_schema(request=SubmitInput, responses={200: FilingSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Record the submission on the platform: date and receipt number (R54)."""
        filing = self.get_object()
        data = SubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.filing_submit(filing_id=filing.pk, actor=request.user, **data.validated_data)
        return self._done(filing.pk)

    @extend_schema(request=AcknowledgeInput, responses={200: FilingSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Record the platform's acknowledgement (and its record number if it changed)."""
        filing = self.get_object()
        data = AcknowledgeInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.filing_acknowledge(filing_id=filing.pk, actor=request.user, **data.validated_data)
        return self._done(filing.pk)

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def package_pdf(self, request, pk=None):
        """The latest rendered package as PDF (409 while it is not rendered)."""
        filing = self.get_object()
        package = selectors.latest_package(filing)
        if package is None:
            raise Conflict("package_not_ready", _("The package has not been prepared yet."))
        package = services.package_open(package_id=package.pk, fmt="pdf", actor=request.user)
        return FileResponse(
            package.pdf.open("rb"),
            content_type="application/pdf",
            filename=f"filing-{filing.pk}-v{package.version}.pdf",
        )
