from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from ethics.actions import bind_input
from ethics.api.actions import ActionViewSetMixin
from ethics.errors import Conflict
from ethics.hooks import deadline_kinds
from ethics.models import DeadlineState
from registry import selectors, services
from registry.actions import FILINGS
from registry.api.serializers import (
    DeadlineSerializer,
    FilingSerializer,
)
from registry.filters import FilingFilter
from registry.forms import DeadlineFilterForm


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
        if params:
            bind_input(DeadlineFilterForm, params)  # a 400 with the field's code, not a 500
        return selectors.deadlines_for_user(self.request.user, params)


class FilingViewSet(
    ActionViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Filings towards the national platform (api.md "Filings"); actions change their status."""

    action_table = FILINGS

    serializer_class = FilingSerializer
    # The filings page's FilterSet: ?q=, ?o= and every filter mean the same on both routes.
    filterset_class = FilingFilter

    def get_queryset(self):
        return selectors.with_packages(selectors.filings_for_user(self.request.user))

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
