from django.urls import path

from registry import views

app_name = "registry"

urlpatterns = [
    path("deadlines/", views.deadline_list, name="deadline-list"),
    path("deadlines.csv", views.deadline_export, name="deadline-export"),
    path("deadlines/calendar/", views.deadline_calendar, name="deadline-calendar"),
    path("filings/", views.filing_list, name="filing-list"),
    path("filings/<int:pk>/", views.filing_detail, name="filing-detail"),
    path(
        "filings/<int:pk>/package/inline/",
        views.package_download,
        {"fmt": "pdf", "inline": True},
        name="filing-package-inline",
    ),
    path("filings/<int:pk>/package/preview/", views.package_preview, name="filing-package-preview"),
    path(
        "filings/<int:pk>/<str:action>/",
        views.filing_action,
        name="filing-action",
    ),
    path(
        "filings/<int:pk>/package.<str:fmt>",
        views.package_download,
        name="filing-package",
    ),
]
