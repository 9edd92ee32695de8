from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.my_projects, name="my-projects"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/do/<str:action>/", views.project_action, name="project-action"),
    path(
        "applications/new/",
        views.application_create,
        {"action": "create"},
        name="application-create",
    ),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path(
        "applications/<int:pk>/do/<str:action>/",
        views.application_action,
        name="application-action",
    ),
    path(
        "invitations/<int:pk>/do/<str:action>/",
        views.invitation_action,
        name="invitation-action",
    ),
    path("documents/<int:pk>/download/", views.document_download, name="document-download"),
    path(
        "documents/<int:pk>/inline/",
        views.document_download,
        {"inline": True},
        name="document-inline",
    ),
    path("documents/<int:pk>/preview/", views.document_preview, name="document-preview"),
    path("decisions/<int:pk>/letter/", views.letter_download, name="letter-download"),
    path(
        "decisions/<int:pk>/letter/inline/",
        views.letter_download,
        {"inline": True},
        name="letter-inline",
    ),
    path("decisions/<int:pk>/letter/preview/", views.letter_preview, name="letter-preview"),
    path("rereviews/<int:pk>/package/", views.package_download, name="package-download"),
    path("intake/", views.intake, name="intake"),
    path("follow-up/", views.follow_up, name="follow-up"),
    path("recognitions/new/", views.recognition_create, name="recognition-create"),
    path(
        "recognitions/outside/new/",
        views.recognition_outside_create,
        name="recognition-outside-create",
    ),
    path(
        "recognitions/<int:pk>/letter/",
        views.recognition_letter_download,
        name="recognition-letter",
    ),
    path("my-reviews/", views.my_reviews, name="my-reviews"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment-detail"),
]
