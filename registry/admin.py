"""Django admin for the registry: filings and their packages, to look up and filter only.

Every change goes through the services (audited, R53/R54/R60): a filing is opened, prepared,
signed off, submitted and acknowledged on its page, and a rendered package is a record that stays.
"""

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ethics.admin import ReadOnlyAdmin, ReadOnlyInline
from registry.models import Filing, FilingPackage


class FilingPackageInline(ReadOnlyInline):
    model = FilingPackage
    fields = ["version", "state", "requested_at", "rendered_at", "signed_off_by", "signed_off_at"]
    readonly_fields = fields


@admin.register(Filing)
class FilingAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "committee", "period", "due_on", "status", "receipt"]
    list_filter = ["kind", "status", "committee"]
    search_fields = ["committee__name", "project__title", "receipt"]
    list_select_related = ["committee", "project"]
    date_hierarchy = "due_on"
    exclude = ["data"]
    inlines = [FilingPackageInline]


@admin.register(FilingPackage)
class FilingPackageAdmin(ReadOnlyAdmin):
    list_display = ["filing", "version", "state", "requested_at", "rendered_at", "signed_off_by"]
    list_filter = ["state"]
    search_fields = ["filing__committee__name", "verification_hash"]
    list_select_related = ["filing__committee", "signed_off_by"]
    exclude = ["data", "pdf_sha256", "json_sha256", "xlsx_sha256", "error"]
    readonly_fields = ["failure"]

    @admin.display(description=_("rendering error"))
    def failure(self, obj: Any) -> str:
        return "—" if not obj.error else str(_("The package could not be rendered."))
