"""The lists' filters (ethics.listing): one FilterSet per list, for its page and its API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics.listing import YES_NO, ListFilterSet, person_fields
from oversight.models_incidents import (
    Funding,
    Incident,
    IncidentKind,
    IncidentStatus,
    RiskEntry,
    RiskLevel,
    Severity,
)

OPEN = "open"


class IncidentFilter(ListFilterSet):
    search_fields = ("title", "project__title", "committee__name", *person_fields("reported_by"))
    ordering_fields = (
        ("reported_at", "reported", _("Reported at")),
        ("severity", "severity", _("Severity")),
        ("status", "status", _("Status")),
    )

    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(OPEN, _("Not closed")), *IncidentStatus.choices],
        method="filter_status",
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=IncidentKind.choices)
    severity = django_filters.ChoiceFilter(label=_("Severity"), choices=Severity.choices)
    late = django_filters.ChoiceFilter(
        label=_("Reported late"), choices=YES_NO, method="filter_late"
    )

    class Meta:
        model = Incident
        fields = ("q", "status", "kind", "severity", "late")

    def filter_status(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value == OPEN:
            return queryset.exclude(status=IncidentStatus.CLOSED)
        return queryset.filter(status=value)

    def filter_late(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(reported_late=value == "true")


class RiskFilter(ListFilterSet):
    search_fields = ("title", "project__title", "committee__name", *person_fields("owner"))
    ordering_fields = (
        ("next_review_on", "review", _("Next review on")),
        ("level", "level", _("Risk level")),
    )

    level = django_filters.ChoiceFilter(label=_("Risk level"), choices=RiskLevel.choices)
    overdue = django_filters.ChoiceFilter(
        label=_("Review overdue"), choices=YES_NO, method="filter_overdue"
    )
    closed = django_filters.ChoiceFilter(label=_("Closed"), choices=YES_NO, method="filter_closed")

    class Meta:
        model = RiskEntry
        fields = ("q", "level", "overdue", "closed")

    def filter_overdue(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        overdue = {"closed_at": None, "next_review_on__lt": timezone.localdate()}
        if value == "true":
            return queryset.filter(**overdue)
        return queryset.exclude(pk__in=queryset.filter(**overdue).values("pk"))

    def filter_closed(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(closed_at__isnull=value != "true")


class FundingFilter(ListFilterSet):
    search_fields = ("funder", "programme", "grant_number", "project__title")
    ordering_fields = (
        ("funder", "funder", _("Funder")),
        ("grant_number", "grant", _("Grant number")),
        ("project__title", "project", _("Project")),
    )

    funder = django_filters.CharFilter(label=_("Funder"), lookup_expr="icontains", max_length=200)

    class Meta:
        model = Funding
        fields = ("q", "funder")
