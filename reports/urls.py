from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("committees/<int:pk>/", views.committee_dashboard, name="committee"),
    path(
        "committees/<int:pk>/export/<slug:table>.<str:ext>",
        views.committee_export,
        name="committee-export",
    ),
    path("committees/<int:pk>/monthly.pdf", views.committee_monthly, name="committee-monthly"),
    path("institutions/<int:pk>/", views.institution_dashboard, name="institution"),
    path(
        "institutions/<int:pk>/export/<slug:table>.<str:ext>",
        views.institution_export,
        name="institution-export",
    ),
    path("region/", views.authority_dashboard, name="authority"),
    path("region/export/<slug:table>.<str:ext>", views.authority_export, name="authority-export"),
]
