"""Oversight's pages (issue 16)."""

from django.urls import path

from oversight import incidents_views

app_name = "oversight"

urlpatterns: list = []

# --- incidents, risk register, funded programmes (issue 16: 五（一）、五（二）, R59) ---
urlpatterns += [
    path("incidents/", incidents_views.incident_list, name="incident-list"),
    path("incidents/new/", incidents_views.incident_new, name="incident-new"),
    path("incidents/<int:pk>/", incidents_views.incident_detail, name="incident-detail"),
    path(
        "incidents/<int:pk>/<str:action>/",
        incidents_views.incident_action,
        name="incident-action",
    ),
    path("risks/", incidents_views.risk_list, name="risk-list"),
    path("risks/new/", incidents_views.risk_new, name="risk-new"),
    path("risks/<int:pk>/", incidents_views.risk_detail, name="risk-detail"),
    path("risks/<int:pk>/<str:action>/", incidents_views.risk_action, name="risk-action"),
    path("funding/", incidents_views.funding_list, name="funding-list"),
    path("funding/new/", incidents_views.funding_new, name="funding-new"),
    path("funding/export.<str:fmt>", incidents_views.funding_export, name="funding-export"),
    path("funding/<int:pk>/", incidents_views.funding_detail, name="funding-detail"),
    path(
        "funding/<int:pk>/<str:action>/",
        incidents_views.funding_action,
        name="funding-action",
    ),
    path(
        "statements/<int:pk>/download/",
        incidents_views.statement_download,
        name="statement-download",
    ),
]
# --- end incidents ---
