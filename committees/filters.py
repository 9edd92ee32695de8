"""The committees list's filters (page and `GET /api/v1/committees/`), and the committee choice
every list of committee-owned rows offers: only the committees the caller may see."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from committees.models import Committee, CommitteeKind, RegistrationStatus
from committees.selectors import committee_choice_rows, committees_for_user
from ethics.listing import LazyModelChoiceFilter, ListFilterSet
from ethics.models import Institution


def visible_committees(request: Any) -> QuerySet[Committee]:
    """The committees a filter offers and accepts: those the caller may see (others are a
    field error, so a filter never confirms that a hidden committee exists)."""
    user = getattr(request, "user", None)
    if user is None:
        return Committee.objects.none()
    return committees_for_user(user).only("id", "name")


def visible_committee_rows(request: Any) -> list[tuple[int, str]]:
    """``visible_committees``' options as (id, name) rows, read without building it."""
    user = getattr(request, "user", None)
    if user is None:
        return []
    return committee_choice_rows(user)


def visible_institutions(request: Any) -> QuerySet[Institution]:
    """Institutions of the committees the caller may see."""
    user = getattr(request, "user", None)
    if user is None:
        return Institution.objects.none()
    return (
        Institution.objects.filter(committees__in=committees_for_user(user).order_by())
        .distinct()
        .only("id", "name")
        .order_by("name", "id")
    )


class CommitteeFilter(ListFilterSet):
    """Search by the committee's or its institution's name."""

    search_fields = ("name", "institution__name")
    ordering_fields = (
        ("name", "name", _("Name")),
        ("institution__name", "institution", _("Institution")),
        ("established_on", "established", _("Established")),
    )

    institution = LazyModelChoiceFilter(label=_("Institution"), queryset=visible_institutions)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CommitteeKind.choices)
    registration_status = django_filters.ChoiceFilter(
        label=_("Registration"), choices=RegistrationStatus.choices
    )

    class Meta:
        model = Committee
        fields = ("q", "institution", "kind", "registration_status")
