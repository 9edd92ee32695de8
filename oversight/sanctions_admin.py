"""Django admin for sanctions (R57) and researchers' training (R10a): read-only; every change goes
through the services (audited)."""

from django.contrib import admin

from ethics.admin import ReadOnlyAdmin
from oversight.models_sanctions import ResearcherTraining, Sanction


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdmin):
    list_display = ["decided_on", "subject_kind", "person", "target_institution", "measure"]
    list_filter = ["measure", "subject_kind"]
    search_fields = ["person__name", "person__username", "target_institution__name", "grounds"]
    list_select_related = ["person", "target_institution"]
    date_hierarchy = "decided_on"


@admin.register(ResearcherTraining)
class ResearcherTrainingAdmin(ReadOnlyAdmin):
    list_display = ["person", "title", "completed_on", "expires_on"]
    search_fields = ["person__name", "person__username", "title", "provider"]
    list_select_related = ["person"]
    date_hierarchy = "completed_on"
