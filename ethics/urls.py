"""The kernel's own pages: the dashboard, the inbox and the language switch."""

from django.urls import path

from ethics import live, views

app_name = "ethics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox-read"),
    path("language/", views.set_language, name="set-language"),
    path("live/<slug:kind>/<int:pk>/", live.live_view, name="live"),
    path("live/<slug:kind>/<int:pk>/do/<str:action>/", live.live_action, name="live-action"),
]
