from committees.api import views
from ethics.api.routers import Router

router = Router()
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("committees", views.CommitteeViewSet, basename="committee")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("entrustments", views.EntrustmentViewSet, basename="entrustment")
router.register("rules", views.RulesViewSet, basename="rules")
router.register("imports", views.ImportBatchViewSet, basename="import")

urlpatterns = router.urls
