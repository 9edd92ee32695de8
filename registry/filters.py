"""The filings list's filters: one FilterSet for the page and `GET /api/v1/filings/`."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from committees.filters import visible_committee_rows, visible_committees
from ethics.listing import YES_NO, LazyModelChoiceFilter, ListFilterSet
from registry.models import Filing, FilingQuerySet
from registry.workflow import Kind, Status

OPEN = "open"
OVERDUE = "overdue"


class FilingFilter(ListFilterSet):
    """Search by platform receipt number, the listed activity's title and people's names."""

    search_fields = (
        "receipt",
        "project__title",
        "project__lead__name",
        "project__lead__username",
        "committee__name",
        "submitted_by__name",
        "submitted_by__username",
    )
    ordering_fields = (
        ("due_on", "due", _("Due on")),
        ("kind", "kind", _("Kind")),
        ("status", "status", _("Status")),
        ("committee__name", "committee", _("Committee")),
        ("period", "period", _("Year covered")),
    )

    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices)
    # "open" and "overdue" are kept as statuses too: the counts above the list link to them.
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(OPEN, _("Due or prepared")), (OVERDUE, _("Overdue")), *Status.choices],
        method="filter_status",
    )
    committee = LazyModelChoiceFilter(
        label=_("Committee"), queryset=visible_committees, choice_rows=visible_committee_rows
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Overdue"), choices=YES_NO, method="filter_overdue"
    )
    period = django_filters.NumberFilter(label=_("Year covered"), min_value=1900, max_value=2999)
    due_from = django_filters.DateFilter(
        label=_("Due from"), field_name="due_on", lookup_expr="gte"
    )
    due_to = django_filters.DateFilter(label=_("Due by"), field_name="due_on", lookup_expr="lte")

    class Meta:
        model = Filing
        fields = (
            "q",
            "kind",
            "status",
            "committee",
            "overdue",
            "period",
            "due_from",
            "due_to",
        )

    def filter_status(self, queryset: FilingQuerySet, name: str, value: Any) -> FilingQuerySet:
        if value == OPEN:
            return queryset.open()
        if value == OVERDUE:
            return queryset.overdue()
        return queryset.filter(status=value)

    def filter_overdue(self, queryset: FilingQuerySet, name: str, value: Any) -> FilingQuerySet:
        overdue = queryset.overdue()
        return overdue if value == "true" else queryset.exclude(pk__in=overdue.values("pk"))
