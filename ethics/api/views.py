from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ethics import policies, services
from ethics.actions import bind_input
from ethics.api.actions import ActionViewSetMixin, form_serializer
from ethics.api.serializers import UserSerializer
from ethics.forms import TokenForm
from ethics.models import User
from ethics.user_actions import USERS


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class TokenView(APIView):
    """POST {username, password} → {token}."""

    permission_classes = [AllowAny]
    throttle_classes: list[type] = []

    @extend_schema(request=form_serializer(TokenForm), responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        form = bind_input(TokenForm, request.data, request=request)
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
