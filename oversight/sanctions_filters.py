"""The sanctions and training lists' filters: one FilterSet per list for the page and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics.listing import YES_NO, ListFilterSet
from oversight.models_sanctions import Measure, ResearcherTraining, Sanction, SubjectKind


class SanctionFilter(ListFilterSet):
    search_fields = (
        "person__name",
        "person__username",
        "target_institution__name",
        "grounds",
    )
    ordering_fields = (
        ("decided_on", "decided", _("Decided on")),
        ("ban_ends_on", "ends", _("Ban ends on")),
        ("measure", "measure", _("Measure")),
    )

    measure = django_filters.ChoiceFilter(label=_("Measure"), choices=Measure.choices)
    subject_kind = django_filters.ChoiceFilter(label=_("Against"), choices=SubjectKind.choices)
    in_force = django_filters.ChoiceFilter(
        label=_("Ban in force"), choices=YES_NO, method="filter_in_force"
    )

    class Meta:
        model = Sanction
        fields = ("q", "measure", "subject_kind", "in_force")

    def filter_in_force(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        banning = Sanction.objects.banning(timezone.localdate()).values("pk")
        if value == "true":
            return queryset.filter(pk__in=banning)
        return queryset.exclude(pk__in=banning)


class ResearcherTrainingFilter(ListFilterSet):
    search_fields = ("person__name", "person__username", "title", "provider")
    ordering_fields = (
        ("expires_on", "expires", _("Valid until")),
        ("completed_on", "completed", _("Completed on")),
    )

    valid = django_filters.ChoiceFilter(
        label=_("Valid today"), choices=YES_NO, method="filter_valid"
    )

    class Meta:
        model = ResearcherTraining
        fields = ("q", "valid")

    def filter_valid(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        today = timezone.localdate()
        if value == "true":
            return queryset.filter(completed_on__lte=today, expires_on__gte=today)
        return queryset.exclude(completed_on__lte=today, expires_on__gte=today)
