"""REST endpoints of api.md: institutions, committees, composition, members, memberships."""

from datetime import date

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from committees import selectors, services
from committees.api.serializers import (
    CommitteeSerializer,
    CompositionSerializer,
    InstitutionSerializer,
    MembershipEndSerializer,
    MembershipSerializer,
)
from committees.models import Membership
from ethics import policies


def _require(request, action_name, obj):
    if not policies.may(request.user, action_name, obj):
        raise exceptions.PermissionDenied


class InstitutionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = InstitutionSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["kind", "authority", "region"]

    def get_queryset(self):
        return selectors.institutions_for_user(self.request.user).order_by("name", "id")

    def perform_create(self, serializer):
        serializer.instance = services.institution_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        _require(self.request, "change", serializer.instance)
        serializer.instance = services.institution_update(
            institution_id=serializer.instance.pk,
            actor=self.request.user,
            data=serializer.validated_data,
        )


class CommitteeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CommitteeSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["institution", "kind", "registration_status"]

    def get_queryset(self):
        return selectors.committees_for_user(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.committee_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        _require(self.request, "change", serializer.instance)
        serializer.instance = services.committee_update(
            committee_id=serializer.instance.pk,
            actor=self.request.user,
            data=dict(serializer.validated_data),
        )

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
        methods=["POST"], request=MembershipSerializer, responses={201: MembershipSerializer}
    )
    @action(detail=True, methods=["get", "post"], serializer_class=MembershipSerializer)
    def members(self, request, pk=None):
        committee = self.get_object()
        if request.method == "POST":
            _require(request, "manage", committee)
            serializer = MembershipSerializer(
                data=request.data, context=self.get_serializer_context()
            )
            serializer.is_valid(raise_exception=True)
            membership = services.membership_add(
                committee_id=committee.pk, actor=request.user, **serializer.validated_data
            )
            return Response(MembershipSerializer(membership).data, status=201)
        qs = Membership.objects.select_related("user").filter(committee=committee)
        if request.query_params.get("include_ended") not in {"1", "true", "True"}:
            qs = qs.filter(ended_on=None)
        page = self.paginate_queryset(qs.order_by("role", "id"))
        return self.get_paginated_response(MembershipSerializer(page, many=True).data)


class MembershipViewSet(
    mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    serializer_class = MembershipSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return policies.visible(
            self.request.user, Membership.objects.select_related("user", "committee")
        ).order_by("id")

    def perform_update(self, serializer):
        _require(self.request, "manage", serializer.instance)
        serializer.instance = services.membership_update(
            membership_id=serializer.instance.pk,
            actor=self.request.user,
            data=dict(serializer.validated_data),
        )

    @extend_schema(request=MembershipEndSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        membership = self.get_object()
        _require(request, "manage", membership)
        serializer = MembershipEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_end(
            membership_id=membership.pk, actor=request.user, **serializer.validated_data
        )
        return Response(MembershipSerializer(membership).data)
