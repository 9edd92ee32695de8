from typing import Any

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ethics import login, policies, selectors, services
from ethics.actions import InputInvalid, bind_input
from ethics.api.actions import ActionViewSetMixin, form_serializer
from ethics.api.login import LoginRateThrottle, refuse_if_locked
from ethics.api.serializers import (
    AuditEventSerializer,
    MeSerializer,
    NotificationSerializer,
    UserSerializer,
)
from ethics.forms import ChannelsForm, PasswordChangeForm, TokenForm
from ethics.list_filters import AuditEventFilter, NotificationFilter
from ethics.models import ApiToken, AuditEvent, Notification, User
from ethics.user_actions import ACCOUNT, USERS


class ApiTokenSerializer(serializers.ModelSerializer):
    """One of the caller's tokens as lists show it: never the secret."""

    expires_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at"]
        read_only_fields = fields


class TokenSerializer(ApiTokenSerializer):
    """A token just issued: the secret (`token`), shown this once."""

    token = serializers.CharField(read_only=True)
    idle_days = serializers.IntegerField(read_only=True)

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields, "idle_days"]
        read_only_fields = fields


def issued(token: ApiToken, key: str) -> dict[str, Any]:
    body = dict(TokenSerializer(token).data)
    body["token"] = key
    body["idle_days"] = settings.API_TOKEN_IDLE_DAYS
    return body


class TokenView(APIView):
    """POST {username, password[, name]} → {token, id, name, ...}: throttled per address
    (429 `throttled`), refused for a locked account (429 `account_locked`), audited
    (`auth.login` via token); DELETE revokes the token this request was made with (204)."""

    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    @extend_schema(request=form_serializer(TokenForm), responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        try:
            form = bind_input(TokenForm, request.data, request=request)
        except InputInvalid:
            refuse_if_locked(request)
            raise
        login.token_login(request, form.user)
        token, key = services.token_issue(user=form.user, name=form.cleaned_data.get("name", ""))
        return Response(issued(token, key))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, ApiToken):
            raise NotAuthenticated(_("Sign in with the token to revoke (Authorization: Token …)."))
        services.token_revoke(actor=request.user, token_id=request.auth.pk)
        return Response(status=204)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """`GET /auth/tokens/`: the caller's live tokens; `DELETE /auth/tokens/{id}/` revokes one
    (anyone else's is 404)."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user, revoked_at=None).order_by("-id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        now = timezone.now()
        live = [t.pk for t in self.get_queryset() if not t.is_expired(now)]
        page = self.paginate_queryset(self.get_queryset().filter(pk__in=live))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pk = str(kwargs.get("pk", ""))
        if not pk.isdigit() or int(pk) > 2**63 - 1:
            raise Http404
        services.token_revoke(actor=request.user, token_id=int(pk))
        return Response(status=204)


class UserViewSet(
    ActionViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Accounts (api.md "Users"); creating and changing one goes through ethics.user_actions."""

    action_table = USERS
    create_action = "create"
    update_action = "update"

    serializer_class = UserSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return policies.visible(self.request.user, User.objects.order_by("id"))

    @extend_schema(responses=MeSerializer)
    @extend_schema(methods=["PATCH"], request=form_serializer(ChannelsForm), responses=MeSerializer)
    @action(detail=False, methods=["get", "patch"])
    def me(self, request: Request, format: str | None = None) -> Response:
        """One's own account; PATCH sets the notification channels (`email`, `digest`)."""
        if request.method == "PATCH":
            ACCOUNT.perform(
                "channels",
                actor=request.user,
                target=request.user,
                data=request.data,
                form_kwargs={"partial": True},
            )
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=None, responses={201: dict, 204: None})
    @action(
        detail=False, methods=["post", "delete"], url_path="me/calendar", url_name="me-calendar"
    )
    def me_calendar(self, request: Request, format: str | None = None) -> Response:
        """POST: a new private calendar address (shown in this answer only; the old one stops
        working). DELETE: turn the address off."""
        if request.method == "DELETE":
            ACCOUNT.perform("calendar_revoke", actor=request.user, target=request.user)
            return Response(status=204)
        _call, url = ACCOUNT.perform("calendar_issue", actor=request.user, target=request.user)
        return Response({"url": url}, status=201)

    @extend_schema(request=form_serializer(PasswordChangeForm), responses={200: TokenSerializer})
    @action(detail=False, methods=["post"], url_path="me/password", url_name="me-password")
    def me_password(self, request: Request, format: str | None = None) -> Response:
        """Change one's own password with the current one: every token of the person is revoked
        (a request made with a token gets a new one, with the same name, in the answer) and
        their other browser sessions end."""
        user = request.user
        form = bind_input(PasswordChangeForm, request.data, user=user)
        services.password_change(user=user, password=form.cleaned_data["new_password"])
        if request.auth is None and hasattr(request, "session"):
            update_session_auth_hash(request._request, user)
        if isinstance(request.auth, ApiToken):
            token, key = services.token_issue(user=user, name=request.auth.name)
            return Response(issued(token, key))
        return Response({"detail": str(_("Your password was changed."))})


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own inbox (the inbox page's FilterSet: ?q=, ?o=, state, reason, dates)."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema: no reader
            return Notification.objects.none()
        return selectors.notifications_for_user(self.request.user)


class AuditEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The audit log (api.md "Audit"): staff read every event, institution admins their
    people's; anyone else gets 404. The audit page's FilterSet."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema: no reader
            return AuditEvent.objects.none()
        if not selectors.may_read_audit(self.request.user):
            raise Http404
        return selectors.audit_events_for_user(self.request.user)
