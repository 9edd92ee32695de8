"""REST endpoints of api.md: institutions, committees, composition, members, memberships,
entrustments. Every state change dispatches through committees/actions.py."""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from committees import selectors
from committees.actions import (
    COMMITTEES,
    ENTRUSTMENTS,
    IMPORTS,
    INSTITUTIONS,
    MEMBERSHIPS,
    RULES,
)
from committees.api.serializers import (
    CommitteeSerializer,
    CompositionSerializer,
    EntrustmentSerializer,
    ImportBatchSerializer,
    InstitutionSerializer,
    MembershipSerializer,
    RuleSetSerializer,
)
from committees.filters import CommitteeFilter
from committees.models import Entrustment, Membership
from ethics import policies
from ethics.api.actions import ActionViewSetMixin, form_serializer


class InstitutionViewSet(
    ActionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Institutions (api.md); site admins create them, their institution admins change them."""

    action_table = INSTITUTIONS
    create_action = "create"
    update_action = "update"

    serializer_class = InstitutionSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["kind", "authority", "region"]

    def get_queryset(self):
        return selectors.institutions_for_user(self.request.user).order_by("name", "id")


class CommitteeViewSet(
    ActionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Committees (api.md); members, documents and entrustments are added through actions."""

    action_table = COMMITTEES
    create_action = "create"
    update_action = "update"

    serializer_class = CommitteeSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    # The committees page's FilterSet: ?q=, ?o= and every filter mean the same on both routes.
    filterset_class = CommitteeFilter

    def get_queryset(self):
        return selectors.committees_for_user(self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("on", OpenApiTypes.DATE, description="YYYY-MM-DD; today if omitted")
        ],
        responses=CompositionSerializer,
    )
    @action(detail=True, methods=["get"])
    def composition(self, request, pk=None):
        committee = self.get_object()
        raw = request.query_params.get("on")
        if raw:
            try:
                on = date.fromisoformat(raw)
            except ValueError:
                raise exceptions.ValidationError(
                    {"on": [exceptions.ErrorDetail("Use YYYY-MM-DD.", code="invalid")]}
                ) from None
        else:
            on = timezone.localdate()
        return Response(selectors.composition_of(committee, on).as_dict())

    @extend_schema(
        methods=["GET"],
        parameters=[OpenApiParameter("include_ended", OpenApiTypes.BOOL)],
        responses=MembershipSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        request={
            "application/json": form_serializer(COMMITTEES.get("add_member").input),
            "multipart/form-data": form_serializer(COMMITTEES.get("add_member").input),
        },
        responses={201: MembershipSerializer},
    )
    @action(detail=True, methods=["get", "post"], serializer_class=MembershipSerializer)
    def members(self, request, pk=None):
        """The roster (GET); POST appoints a member (the table's `add_member`)."""
        committee = self.get_object()
        if request.method == "POST":
            return self.act(request, "add_member", target=committee)
        qs = Membership.objects.select_related("user").filter(committee=committee)
        if request.query_params.get("include_ended") not in {"1", "true", "True"}:
            qs = qs.filter(ended_on=None)
        page = self.paginate_queryset(qs.order_by("role", "id"))
        return self.get_paginated_response(MembershipSerializer(page, many=True).data)


class MembershipViewSet(ActionViewSetMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One appointment (api.md); PATCH changes it, actions end it or record pledges and training."""

    action_table = MEMBERSHIPS
    update_action = "update"

    serializer_class = MembershipSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return policies.visible(
            self.request.user, Membership.objects.select_related("user", "committee")
        ).order_by("id")


class EntrustmentViewSet(
    ActionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Entrustments of review (R17) the caller may see: received by their committees, or given
    by the institution they administer."""

    action_table = ENTRUSTMENTS

    serializer_class = EntrustmentSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["receiving_committee", "entrusting_institution"]

    def get_queryset(self):
        return policies.visible(
            self.request.user,
            Entrustment.objects.select_related("receiving_committee", "entrusting_institution"),
        ).order_by("-starts_on", "-id")


class RulesViewSet(
    ActionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The rules each visible committee works under (``/api/v1/rules/{committee id}/``): every
    parameter with its rule ID, article, source and value; ``override`` sets an SOP value
    within the legal bounds (B2, R33, R61)."""

    action_table = RULES

    serializer_class = RuleSetSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.committees_for_user(self.request.user).only(
            "id", "name", "regimes", "rule_overrides"
        )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportBatchViewSet(
    ActionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Directory import (README "Directory import"): `POST /imports/` (multipart: `kind`,
    `committee` for members, `file`) checks a sheet and answers its per-row report (201);
    `POST /imports/{id}/apply/` applies it, all rows or none (409 `import_has_errors` with every
    row's problems); `GET /imports/template/?kind=users&file_format=xlsx` is the empty template."""

    action_table = IMPORTS
    create_action = "check"

    serializer_class = ImportBatchSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["kind", "committee"]

    def get_queryset(self):
        return selectors.import_batches_for_user(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=["institutions", "users", "members"]),
            OpenApiParameter("file_format", OpenApiTypes.STR, enum=["xlsx", "csv"]),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX): OpenApiTypes.BINARY,
        },
    )
    @action(detail=False, methods=["get"], url_path="template")
    def template(self, request):
        from django.http import HttpResponse

        from committees import directory
        from committees.actions import may_check_import
        from committees.models import ImportKind

        if not may_check_import(request.user, None):
            raise exceptions.NotFound
        kind = request.query_params.get("kind", "")
        fmt = request.query_params.get("file_format", "xlsx")
        problems = {}
        if kind not in ImportKind.values:
            problems["kind"] = [
                exceptions.ErrorDetail(
                    str(_("Choose institutions, users or members.")), code="invalid_choice"
                )
            ]
        if fmt not in {"xlsx", "csv"}:
            problems["file_format"] = [
                exceptions.ErrorDetail(str(_("Choose xlsx or csv.")), code="invalid_choice")
            ]
        if problems:
            raise exceptions.ValidationError(problems)
        body = directory.template_xlsx(kind) if fmt == "xlsx" else directory.template_csv(kind)
        content_type = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if fmt == "xlsx"
            else "text/csv; charset=utf-8"
        )
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.{fmt}"'
        return response
