"""The lists of quality control and the expert pool: one FilterSet per list, page and API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from committees.filters import visible_committee_rows, visible_committees
from committees.models import FieldOfWork
from ethics.listing import LazyModelChoiceFilter, ListFilterSet
from oversight.models_quality import EvaluationState, PoolExpert, QualityAudit, SelfEvaluation


class EvaluationFilter(ListFilterSet):
    search_fields = ("committee__name", "summary")
    ordering_fields = (
        ("opened_at", "opened", _("Opened")),
        ("period_end", "period", _("Period")),
        ("committee__name", "committee", _("Committee")),
    )

    state = django_filters.ChoiceFilter(label=_("State"), choices=EvaluationState.choices)
    committee = LazyModelChoiceFilter(
        label=_("Committee"), queryset=visible_committees, choice_rows=visible_committee_rows
    )

    class Meta:
        model = SelfEvaluation
        fields = ("q", "state", "committee")


class AuditFilter(ListFilterSet):
    search_fields = ("committee__name", "seed")
    ordering_fields = (
        ("created_at", "drawn", _("Drawn at")),
        ("period_end", "period", _("Period")),
        ("committee__name", "committee", _("Committee")),
    )

    committee = LazyModelChoiceFilter(
        label=_("Committee"), queryset=visible_committees, choice_rows=visible_committee_rows
    )

    class Meta:
        model = QualityAudit
        fields = ("q", "committee")


class ExpertFilter(ListFilterSet):
    search_fields = ("name", "affiliation", "institution__name", "committee__name")
    ordering_fields = (("name", "name", _("Name")),)

    field = django_filters.ChoiceFilter(
        label=_("Field"), choices=FieldOfWork.choices, method="filter_field"
    )
    active = django_filters.BooleanFilter(label=_("In the pool"))

    class Meta:
        model = PoolExpert
        fields = ("q", "field", "active")

    def filter_field(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        # A JSON list of codes: the quoted code matches on every database.
        return queryset.filter(fields_of_work__icontains=f'"{value}"')
