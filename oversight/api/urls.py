"""Oversight's API routes (issue 16), mounted under /api/v1/."""

from ethics.api.routers import Router
from oversight.api import quality_views

app_name = "oversight-api"

router = Router()

# --- quality control (B1) and the re-review expert pool (R40, B11) ---
router.register(
    "quality-evaluations", quality_views.SelfEvaluationViewSet, basename="quality-evaluation"
)
router.register("quality-audits", quality_views.QualityAuditViewSet, basename="quality-audit")
router.register("pool-experts", quality_views.PoolExpertViewSet, basename="pool-expert")
router.register("rereview-panels", quality_views.RereviewPanelViewSet, basename="rereview-panel")
# --- end of quality control and the expert pool ---

urlpatterns = [*router.urls]
