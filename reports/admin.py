"""The regional authority roles, to look up only: granted and ended by reports.services
(audited), e.g. with `manage.py authority_grant`."""

from django.contrib import admin

from ethics.admin import ReadOnlyAdmin
from reports.models import (
    AuthorityScope,
    MonthlySummary,
    SummaryCommittee,
    SummaryState,
    WorkloadSummary,
)


@admin.register(AuthorityScope)
class AuthorityScopeAdmin(ReadOnlyAdmin):
    list_display = ["name", "region", "user", "created_at", "ended_at"]
    list_filter = ["region"]
    search_fields = ["name", "region", "user__username"]
    list_select_related = ["user"]
    filter_horizontal = ["institutions"]


@admin.register(MonthlySummary)
class MonthlySummaryAdmin(ReadOnlyAdmin):
    """Derived rows (reports.summaries.refresh), to look at only."""

    list_display = [
        "committee", "region", "month", "figure", "kind", "procedure", "outcome", "days", "n",
    ]  # fmt: skip
    list_filter = ["figure"]
    list_select_related = ["committee"]
    empty_value_display = "—"


@admin.register(SummaryState)
class SummaryStateAdmin(ReadOnlyAdmin):
    empty_value_display = "—"
    list_display = ["through", "refreshed_at"]


@admin.register(SummaryCommittee)
class SummaryCommitteeAdmin(ReadOnlyAdmin):
    """Which region each committee was summed into at the last refresh."""

    list_display = ["committee", "region"]
    list_filter = ["region"]
    list_select_related = ["committee"]


@admin.register(WorkloadSummary)
class WorkloadSummaryAdmin(ReadOnlyAdmin):
    """Derived rows (reports.summaries.refresh), to look at only."""

    list_display = ["committee", "membership", "month", "assignments", "opinions", "late"]
    list_select_related = ["committee", "membership__user"]
