"""Oversight's pages (issue 16)."""

from django.urls import path

app_name = "oversight"

urlpatterns: list = []

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
