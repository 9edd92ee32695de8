"""The meetings list's filters: one FilterSet for the page and `GET /api/v1/meetings/`."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from committees.filters import visible_committee_rows, visible_committees
from ethics.listing import LazyModelChoiceFilter, ListFilterSet
from meetings.models import Meeting
from meetings.workflow import Mode, Status


class MeetingFilter(ListFilterSet):
    """Search by title, place and the names of the presiding member and those present."""

    search_fields = (
        "title",
        "place",
        "presiding__user__name",
        "presiding__user__username",
        "attendance__membership__user__name",
        "attendance__membership__user__username",
    )
    ordering_fields = (
        ("starts_at", "starts", _("Starts at")),
        ("committee__name", "committee", _("Committee")),
        ("status", "status", _("Status")),
    )

    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices)
    mode = django_filters.ChoiceFilter(label=_("Mode"), choices=Mode.choices)
    committee = LazyModelChoiceFilter(
        label=_("Committee"), queryset=visible_committees, choice_rows=visible_committee_rows
    )
    starts_from = django_filters.DateFilter(
        label=_("From"), field_name="starts_at", lookup_expr="date__gte"
    )
    starts_to = django_filters.DateFilter(
        label=_("To"), field_name="starts_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Meeting
        fields = ("q", "status", "mode", "committee", "starts_from", "starts_to")
