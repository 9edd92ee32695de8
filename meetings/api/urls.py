from django.urls import path

from ethics.api.routers import Router
from meetings.api import views

app_name = "meetings-api"

router = Router()
router.register("meetings", views.MeetingViewSet, basename="meeting")

urlpatterns = [
    path("meetings/<int:pk>/minutes.pdf", views.MinutesPdfView.as_view(), name="meeting-minutes"),
    *router.urls,
]
