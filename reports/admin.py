"""The regional authority roles, to look up only: granted and ended by reports.services
(audited), e.g. with `manage.py authority_grant`."""

from django.contrib import admin

from ethics.admin import ReadOnlyAdmin
from reports.models import AuthorityScope


@admin.register(AuthorityScope)
class AuthorityScopeAdmin(ReadOnlyAdmin):
    list_display = ["name", "region", "user", "created_at", "ended_at"]
    list_filter = ["region"]
    search_fields = ["name", "region", "user__username"]
    list_select_related = ["user"]
    filter_horizontal = ["institutions"]
