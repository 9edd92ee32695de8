from rest_framework.routers import SimpleRouter

from committees.api import views

router = SimpleRouter()
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("committees", views.CommitteeViewSet, basename="committee")
router.register("memberships", views.MembershipViewSet, basename="membership")

urlpatterns = router.urls
