from django.urls import path

from committees import views

app_name = "committees"

urlpatterns = [
    path("", views.committee_list, name="committee-list"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution-detail"),
    path("institutions/<int:pk>/edit/", views.institution_edit, name="institution-edit"),
    path(
        "institutions/<int:institution_pk>/committees/new/",
        views.committee_create,
        name="committee-create",
    ),
    path("<int:pk>/", views.committee_detail, name="committee-detail"),
    path("rules/", views.rules_index, name="rules"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/<str:action>/", views.import_action, name="import-action"),
    path(
        "imports/template/<str:kind>.<str:fmt>",
        views.import_template,
        name="import-template",
    ),
    path("<int:pk>/rules/", views.rules_detail, name="rules-detail"),
    path("<int:pk>/rules/do/<str:action>/", views.rules_action, name="rules-action"),
    path("<int:pk>/edit/", views.committee_edit, name="committee-edit"),
    path("<int:pk>/composition/", views.composition_panel, name="composition"),
    path("<int:pk>/history/", views.member_history, name="member-history"),
    path("<int:pk>/members/add/", views.membership_add, name="membership-add"),
    path("<int:pk>/documents/upload/", views.document_upload, name="document-upload"),
    path("<int:pk>/entrustments/add/", views.entrustment_add, name="entrustment-add"),
    path("<int:pk>/deputy/", views.deputy_designate, name="deputy-designate"),
    path("<int:pk>/webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<int:pk>/<str:action>/", views.webhook_action, name="webhook-action"),
    path("memberships/<int:pk>/", views.membership_detail, name="membership-detail"),
    path("memberships/<int:pk>/edit/", views.membership_edit, name="membership-edit"),
    # The membership table's POST view (committees/actions.py MEMBERSHIPS), one URL per action.
    path(
        "memberships/<int:pk>/end/",
        views.membership_action,
        {"action": "end"},
        name="membership-end",
    ),
    path(
        "memberships/<int:pk>/pledges/",
        views.membership_action,
        {"action": "pledge"},
        name="pledge-add",
    ),
    path(
        "memberships/<int:pk>/trainings/",
        views.membership_action,
        {"action": "training"},
        name="training-add",
    ),
    path("memberships/<int:pk>/file/", views.membership_file, name="membership-file"),
    path("documents/<int:pk>/download/", views.document_download, name="document-download"),
    path("entrustments/<int:pk>/file/", views.entrustment_file, name="entrustment-file"),
    path(
        "entrustments/<int:pk>/end/",
        views.entrustment_action,
        {"action": "end"},
        name="entrustment-end",
    ),
]
