"""/api/v1/: each app adds its routes through its own api/urls.py, included here."""

from importlib import import_module
from importlib.util import find_spec

from django.urls import include, path

from ethics.api import views
from ethics.api.routers import RootRouter

router = RootRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("audit", views.AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path(
        "auth/tokens/",
        views.ApiTokenViewSet.as_view({"get": "list"}),
        name="api-token-list",
    ),
    path(
        "auth/tokens/<str:pk>/",
        views.ApiTokenViewSet.as_view({"delete": "destroy"}),
        name="api-token-detail",
    ),
    path("", include(router.urls)),
]

for app in ("committees", "reviews", "meetings", "oversight", "registry", "reports"):
    if find_spec(f"{app}.api.urls") is not None:
        urlpatterns.append(path("", include(import_module(f"{app}.api.urls"))))
