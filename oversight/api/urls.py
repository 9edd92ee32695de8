"""Oversight's API routes (issue 16); each part registers its viewsets in its own block."""

from ethics.api.routers import Router

app_name = "oversight-api"

router = Router()

# --- sanctions (R57) and researchers' training (R10a) ---
from oversight.api import sanctions as sanctions_api  # noqa: E402

router.register("sanctions", sanctions_api.SanctionViewSet, basename="sanction")
router.register(
    "researcher-trainings", sanctions_api.ResearcherTrainingViewSet, basename="researcher-training"
)
# --- end sanctions ---

urlpatterns = [*router.urls]
