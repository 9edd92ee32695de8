"""Oversight's pages (issue 16)."""

from django.urls import path

app_name = "oversight"

urlpatterns: list = []

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
