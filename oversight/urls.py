"""Oversight's pages (issue 16)."""

from django.urls import path

from oversight import incidents_views, quality_views

app_name = "oversight"

urlpatterns: list = []

# --- the home dashboard's oversight panels, loaded after the page (oversight/panels.py) ---
from oversight import panels  # noqa: E402

urlpatterns += [path("panels/", panels.dashboard_panels, name="dashboard-panels")]

# --- complaints and investigations (R55, R56) ---------------------------------------------------
from oversight import complaints_views  # noqa: E402

urlpatterns += [
    path("complaints/report/", complaints_views.report, name="complaint-report"),
    path("complaints/receipt/<str:code>/", complaints_views.receipt, name="complaint-receipt"),
    path("complaints/", complaints_views.complaint_list, name="complaint-list"),
    path("complaints/<int:pk>/", complaints_views.complaint_detail, name="complaint-detail"),
    path(
        "complaints/<int:pk>/do/<str:action>/",
        complaints_views.complaint_action,
        name="complaint-action",
    ),
    path("investigations/", complaints_views.investigation_list, name="investigation-list"),
    path("investigations/new/", complaints_views.investigation_new, name="investigation-new"),
    path(
        "investigations/<int:pk>/",
        complaints_views.investigation_detail,
        name="investigation-detail",
    ),
    path(
        "investigations/<int:pk>/do/<str:action>/",
        complaints_views.investigation_action,
        name="investigation-action",
    ),
    path(
        "investigations/evidence/<int:pk>/",
        complaints_views.evidence_download,
        name="investigation-evidence",
    ),
    path(
        "investigations/referrals/<int:pk>.pdf",
        complaints_views.referral_download,
        name="investigation-referral",
    ),
    path(
        "referrals/verify/<str:code>/",
        complaints_views.referral_verify,
        name="referral-verify",
    ),
]
# --- end complaints and investigations ----------------------------------------------------------
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
# --- sanctions (R57) and researchers' training (R10a) ---
from oversight import sanctions_views  # noqa: E402

urlpatterns += [
    path("sanctions/", sanctions_views.sanction_list, name="sanction-list"),
    path("sanctions/new/", sanctions_views.sanction_create, name="sanction-create"),
    path("sanctions/<int:pk>/", sanctions_views.sanction_detail, name="sanction-detail"),
    path(
        "sanctions/<int:pk>/do/<str:action>/",
        sanctions_views.sanction_action,
        name="sanction-action",
    ),
    path("trainings/", sanctions_views.training_list, name="training-list"),
    path("trainings/new/", sanctions_views.training_create, name="training-create"),
]
# --- end sanctions ---
