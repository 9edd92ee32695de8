"""Oversight's API routes (issue 16); each part registers its viewsets in its own block."""

from django.urls import path

from ethics.api.routers import Router

app_name = "oversight-api"

router = Router()
urlpatterns: list = []

# --- complaints and investigations (R55, R56) ---------------------------------------------------
from oversight.api import complaints as complaints_api  # noqa: E402

router.register("complaints", complaints_api.ComplaintViewSet, basename="complaint")
router.register("investigations", complaints_api.InvestigationViewSet, basename="investigation")
urlpatterns += [
    path(
        "complaints/report/", complaints_api.PublicComplaintView.as_view(), name="complaint-report"
    ),
    path(
        "complaints/receipt/<str:code>/",
        complaints_api.ReceiptView.as_view(),
        name="complaint-receipt",
    ),
]
# --- end complaints and investigations ----------------------------------------------------------

# --- incidents, risk register, funded programmes ---
from oversight.api import incidents  # noqa: E402

router.register("incidents", incidents.IncidentViewSet, basename="incident")
router.register("risks", incidents.RiskViewSet, basename="risk")
router.register("fundings", incidents.FundingViewSet, basename="funding")
# --- end incidents ---

urlpatterns += router.urls
