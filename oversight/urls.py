"""Oversight's pages (issue 16)."""

from django.urls import path

from oversight import quality_views

app_name = "oversight"

urlpatterns: list = []

# --- quality control (B1) and the re-review expert pool (R40, B11): oversight/quality_*.py ---
urlpatterns += [
    path(
        "quality/evaluations/",
        quality_views.evaluation_list,
        name="quality-evaluation-list",
    ),
    path(
        "quality/evaluations/do/<str:action>/",
        quality_views.evaluations_action,
        name="quality-evaluations-action",
    ),
    path(
        "quality/evaluations/<int:pk>/",
        quality_views.evaluation_detail,
        name="quality-evaluation-detail",
    ),
    path(
        "quality/evaluations/<int:pk>/do/<str:action>/",
        quality_views.evaluation_action,
        name="quality-evaluation-action",
    ),
    path("quality/audits/", quality_views.audit_list, name="quality-audit-list"),
    path(
        "quality/audits/do/<str:action>/",
        quality_views.audits_action,
        name="quality-audits-action",
    ),
    path("quality/audits/<int:pk>/", quality_views.audit_detail, name="quality-audit-detail"),
    path(
        "quality/audits/<int:pk>/do/<str:action>/",
        quality_views.audit_action,
        name="quality-audit-action",
    ),
    path("pool/", quality_views.expert_list, name="pool-expert-list"),
    path("pool/do/<str:action>/", quality_views.experts_action, name="pool-experts-action"),
    path("pool/<int:pk>/", quality_views.expert_detail, name="pool-expert-detail"),
    path(
        "pool/<int:pk>/do/<str:action>/",
        quality_views.expert_action,
        name="pool-expert-action",
    ),
    path("rereviews/<int:pk>/panel/", quality_views.panel_detail, name="rereview-panel"),
    path(
        "rereviews/<int:pk>/panel/do/<str:action>/",
        quality_views.panel_action,
        name="rereview-panel-action",
    ),
]
# --- end of quality control and the expert pool ---
