from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets

from ethics.api.actions import ActionViewSetMixin
from ethics.errors import Conflict
from ethics.filters import DeadlineFilterSet
from registry import selectors, services
from registry.actions import FILINGS
from registry.api.serializers import (
    DeadlineSerializer,
    FilingSerializer,
)
from registry.filters import FilingFilter


class DeadlineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every clock of the committees the caller may see (api.md "Deadlines"); ``q``, ``o`` and
    the filters of the deadlines page (ethics.filters.DeadlineFilterSet)."""

    serializer_class = DeadlineSerializer
    filterset_class = DeadlineFilterSet

    def get_queryset(self):
        return selectors.deadlines_for_user(self.request.user)


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
