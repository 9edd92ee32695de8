"""The kernel's own pages: the dashboard, the inbox and the language switch."""

from django.urls import path

from ethics import live, profile_views, views

app_name = "ethics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox-read"),
    path("audit/", views.audit_log, name="audit-log"),
    path("language/", views.set_language, name="set-language"),
    path("accounts/profile/", profile_views.profile, name="profile"),
    path("accounts/profile/calendar/", profile_views.calendar_issue, name="calendar-issue"),
    path(
        "accounts/profile/calendar/revoke/", profile_views.calendar_revoke, name="calendar-revoke"
    ),
    path("calendar/<str:token>.ics", profile_views.calendar_feed, name="calendar-feed"),
    path("live/<slug:kind>/<int:pk>/", live.live_view, name="live"),
    path("live/<slug:kind>/<int:pk>/do/<str:action>/", live.live_action, name="live-action"),
]
