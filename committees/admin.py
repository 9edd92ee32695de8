from django.contrib import admin

from committees.models import Committee, Institution


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "kind", "authority", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "credit_code"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "kind", "established_on", "registration_status"]
    list_filter = ["kind", "registration_status"]
    search_fields = ["name", "institution__name"]
