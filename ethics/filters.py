"""The deadlines list (page ``/registry/deadlines/``, its CSV export, the secretary's follow-up
queue and ``GET /api/v1/deadlines/``): one FilterSet (ethics/listing.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ethics import hooks
from ethics.deadlines import SHANGHAI
from ethics.listing import YES_NO, ListFilterSet
from ethics.models import Deadline, DeadlineState, overdue_condition


def _state_choices() -> list[tuple[str, Any]]:
    return [("active", _("Open or overdue")), *DeadlineState.choices]


class DeadlineFilterSet(ListFilterSet):
    """Clocks the reader may see: search title, rule, note (and committee name where the list
    carries it); filter by committee, kind, state, overdue (the one definition) and due date."""

    search_fields = ("title", "rule", "note")
    ordering_fields = (
        ("due_at", "due", _("Due")),
        ("opened_at", "opened", _("Opened at")),
        ("title", "title", _("Title")),
        ("kind", "kind", _("Kind")),
    )

    committee = django_filters.TypedChoiceFilter(
        field_name="committee_id", coerce=int, choices=[], label=_("Committee")
    )
    kind = django_filters.ChoiceFilter(choices=hooks.deadline_kind_choices, label=_("Kind"))
    state = django_filters.ChoiceFilter(
        choices=_state_choices, method="filter_state", label=_("State")
    )
    overdue = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_overdue", label=_("Overdue")
    )
    due_from = django_filters.DateFilter(method="filter_due_from", label=_("Due from"))
    due_to = django_filters.DateFilter(method="filter_due_to", label=_("Due until"))

    class Meta:
        model = Deadline
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        committee = self.filters["committee"]
        committee.extra["choices"] = hooks.committee_choices(user)
        committee.__dict__.pop("_field", None)  # a field built before (the schema) had no choices

    def get_search_fields(self, queryset: QuerySet[Any]) -> Sequence[str]:
        if "committee_name" in queryset.query.annotations:  # the deadlines page's rows
            return (*self.search_fields, "committee_name")
        return self.search_fields

    def filter_state(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == "active":
            return queryset.filter(state__in=[DeadlineState.OPEN, DeadlineState.OVERDUE])
        return queryset.filter(state=value)

    def filter_overdue(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(overdue_condition() if value == "true" else ~overdue_condition())

    # A deadline is read by its last day (ethics.deadlines.last_day_of): "due from 1 July" keeps
    # a period ending at 24:00 on 1 July (stored as 2 July 00:00).
    def filter_due_from(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(due_at__gt=_start_of(value))

    def filter_due_to(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(Q(due_at__lte=_start_of(value, days=1)))


def _start_of(day: date, days: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=days), time.min, tzinfo=SHANGHAI)
