from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ethics import login, policies, services
from ethics.actions import InputInvalid, bind_input
from ethics.api.actions import ActionViewSetMixin, form_serializer
from ethics.api.login import LoginRateThrottle, refuse_if_locked
from ethics.api.serializers import UserSerializer
from ethics.forms import TokenForm
from ethics.models import User
from ethics.user_actions import USERS


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class TokenView(APIView):
    """POST {username, password} → {token}; throttled per address (429 `throttled`), refused
    for a locked account (429 `account_locked`), audited (`auth.login` via token)."""

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
        return Response({"token": services.token_for(user=form.user)})


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
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return policies.visible(self.request.user, User.objects.order_by("id"))

    @extend_schema(responses=UserSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request: Request, format: str | None = None) -> Response:
        return Response(self.get_serializer(request.user).data)
