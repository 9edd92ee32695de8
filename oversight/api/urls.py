"""Oversight's API routes (issue 16), mounted under /api/v1/; each part registers its viewsets in
its own block."""

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

# --- quality control (B1) and the re-review expert pool (R40, B11) ---
from oversight.api import quality_views  # noqa: E402

router.register(
    "quality-evaluations", quality_views.SelfEvaluationViewSet, basename="quality-evaluation"
)
router.register("quality-audits", quality_views.QualityAuditViewSet, basename="quality-audit")
router.register("pool-experts", quality_views.PoolExpertViewSet, basename="pool-expert")
router.register("rereview-panels", quality_views.RereviewPanelViewSet, basename="rereview-panel")
# --- end of quality control and the expert pool ---

# --- sanctions (R57) and researchers' training (R10a) ---
from oversight.api import sanctions as sanctions_api  # noqa: E402

router.register("sanctions", sanctions_api.SanctionViewSet, basename="sanction")
router.register(
    "researcher-trainings", sanctions_api.ResearcherTrainingViewSet, basename="researcher-training"
)
# --- end sanctions ---

urlpatterns += router.urls
