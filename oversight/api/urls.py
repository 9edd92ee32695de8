"""Oversight's API routes (issue 16); each part registers its viewsets in its own block."""

from ethics.api.routers import Router
from oversight.api import incidents

app_name = "oversight-api"

router = Router()

# --- incidents, risk register, funded programmes ---
router.register("incidents", incidents.IncidentViewSet, basename="incident")
router.register("risks", incidents.RiskViewSet, basename="risk")
router.register("fundings", incidents.FundingViewSet, basename="funding")
# --- end incidents ---

urlpatterns = [*router.urls]
