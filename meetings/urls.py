from django.urls import path

from meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="meeting-list"),
    path("new/", views.meeting_schedule, name="meeting-schedule"),
    path("<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("<int:pk>/agenda/", views.agenda, name="meeting-agenda"),
    path("<int:pk>/console/", views.console, name="meeting-console"),
    path("<int:pk>/do/<str:action>/", views.meeting_action, name="meeting-action"),
    path("<int:pk>/minutes.pdf", views.minutes_download, name="meeting-minutes"),
    path(
        "<int:pk>/minutes/inline/",
        views.minutes_download,
        {"inline": True},
        name="minutes-inline",
    ),
    path("<int:pk>/minutes/preview/", views.minutes_preview, name="minutes-preview"),
    path("<int:pk>/items/<int:item_id>/tally/", views.item_tally, name="item-tally"),
    path("<int:pk>/items/<int:item_id>/do/<str:action>/", views.meeting_action, name="item-action"),
    path(
        "<int:pk>/items/<int:item_id>/documents/<int:version_id>/",
        views.material_download,
        name="item-document",
    ),
]
