from django.urls import path
from rest_framework.routers import SimpleRouter

from meetings.api import views

app_name = "meetings-api"

router = SimpleRouter()
router.register("meetings", views.MeetingViewSet, basename="meeting")

urlpatterns = [
    path("meetings/<int:pk>/minutes.pdf", views.MinutesPdfView.as_view(), name="meeting-minutes"),
    *router.urls,
]
