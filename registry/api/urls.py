from django.urls import path

from ethics.api.routers import Router
from registry.api import views

router = Router()
router.register("deadlines", views.DeadlineViewSet, basename="deadline")
router.register("filings", views.FilingViewSet, basename="filing")

urlpatterns = [
    # api.md names it with a file suffix, without the router's trailing slash.
    path(
        "filings/<int:pk>/package.pdf",
        views.FilingViewSet.as_view({"get": "package_pdf"}),
        name="filing-package-pdf",
    ),
    *router.urls,
]
