from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from ethics import audit, policies
from ethics.api.serializers import UserSerializer
from ethics.models import User


class TokenView(ObtainAuthToken):
    """POST {username, password} → {token}."""


class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = UserSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return policies.visible(self.request.user, User.objects.order_by("id"))

    @extend_schema(responses=UserSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request: Request, format: str | None = None) -> Response:
        return Response(self.get_serializer(request.user).data)

    @transaction.atomic
    def perform_create(self, serializer: UserSerializer) -> None:
        actor = self.request.user
        if not policies.may(actor, "create", User()):
            raise PermissionDenied
        data = dict(serializer.validated_data)
        if not actor.is_superuser:
            # Institution admins create accounts for their own institution only.
            data["institution_id"] = actor.institution_id
            data.pop("institution", None)
            data["institution_admin"] = False
        password = data.pop("password", None)
        user = User(**data)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        serializer.instance = user
        audit.record(
            actor=actor, action="user.create", target=user, after={"username": user.username}
        )

    @transaction.atomic
    def perform_update(self, serializer: UserSerializer) -> None:
        actor = self.request.user
        user = serializer.instance
        if not policies.may(actor, "change", user):
            raise PermissionDenied
        data = dict(serializer.validated_data)
        if not actor.is_superuser:
            data.pop("institution", None)
            if not actor.institution_admin or user.pk == actor.pk:
                data.pop("institution_admin", None)
        password = data.pop("password", None)
        before = {k: getattr(user, k) for k in data if k != "institution"}
        for key, value in data.items():
            setattr(user, key, value)
        if password:
            user.set_password(password)
        user.save()
        audit.record(
            actor=actor,
            action="user.change",
            target=user,
            before=before,
            after={k: getattr(user, k) for k in before}
            | ({"password": "changed"} if password else {}),
        )
