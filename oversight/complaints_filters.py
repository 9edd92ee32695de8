"""The complaints and investigations lists' filters: one FilterSet each for the page and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from committees.filters import visible_committee_rows, visible_committees
from ethics.listing import LazyModelChoiceFilter, ListFilterSet
from oversight.models_complaints import (
    Complaint,
    ComplaintStatus,
    HandlingBody,
    Investigation,
    InvestigationStatus,
    SubjectKind,
)


class ComplaintFilter(ListFilterSet):
    """Search the summary and what the reporter named; never the reporter (R55)."""

    search_fields = ("summary", "project_text", "person_text", "referred_to")
    ordering_fields = (
        ("received_at", "received", _("Received at")),
        ("status", "status", _("Status")),
    )

    status = django_filters.ChoiceFilter(label=_("Status"), choices=ComplaintStatus.choices)
    subject_kind = django_filters.ChoiceFilter(label=_("About"), choices=SubjectKind.choices)
    committee = LazyModelChoiceFilter(
        label=_("Committee"), queryset=visible_committees, choice_rows=visible_committee_rows
    )
    received_from = django_filters.DateFilter(
        label=_("Received from"), field_name="received_at", lookup_expr="date__gte"
    )
    received_to = django_filters.DateFilter(
        label=_("Received by"), field_name="received_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Complaint
        fields = ("q", "status", "subject_kind", "committee", "received_from", "received_to")


class InvestigationFilter(ListFilterSet):
    search_fields = ("title", "scope")
    ordering_fields = (
        ("created_at", "opened", _("Opened at")),
        ("status", "status", _("Status")),
    )

    status = django_filters.ChoiceFilter(label=_("Status"), choices=InvestigationStatus.choices)
    handling_body = django_filters.ChoiceFilter(
        label=_("Handling body"), choices=HandlingBody.choices
    )
    committee = LazyModelChoiceFilter(
        label=_("Committee"), queryset=visible_committees, choice_rows=visible_committee_rows
    )

    class Meta:
        model = Investigation
        fields = ("q", "status", "handling_body", "committee")
