from django.urls import path

from ethics.api.routers import Router
from reviews.api import views
from reviews.api.conflicts import ApplicationConflictsView
from reviews.api.verify import LetterVerifyView

app_name = "reviews-api"

router = Router()
router.register("projects", views.ProjectViewSet, basename="project")
router.register("applications", views.ApplicationViewSet, basename="application")
router.register("decisions", views.DecisionViewSet, basename="decision")
router.register("rereviews", views.ReReviewViewSet, basename="rereview")
router.register("appeals", views.AppealViewSet, basename="appeal")
router.register("recognitions", views.RecognitionViewSet, basename="recognition")
router.register("document-versions", views.DocumentVersionViewSet, basename="document")
router.register("invitations", views.TeamInvitationViewSet, basename="invitation")
router.register("assignments", views.AssignmentViewSet, basename="assignment")

urlpatterns = [
    path("verify/<str:code>/", LetterVerifyView.as_view(), name="letter-verify"),
    path(
        "applications/<int:pk>/conflicts/",
        ApplicationConflictsView.as_view(),
        name="application-conflicts",
    ),
    *router.urls,
]
