"""The kernel's own pages: the dashboard, the inbox and the language switch."""

from django.urls import path

from ethics import views

app_name = "ethics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox-read"),
    path("audit/", views.audit_log, name="audit-log"),
    path("language/", views.set_language, name="set-language"),
]
