"""The reviews lists, one FilterSet each (ethics/listing.py), shared by the page and the API:

* ``ApplicationFilterSet``: intake (``/reviews/intake/``) and ``GET /api/v1/applications/``;
* ``ProjectFilterSet``: my projects and ``GET /api/v1/projects/``;
* ``AssignmentFilterSet``: my reviews (``/reviews/my-reviews/``) and ``GET /api/v1/assignments/``;
* ``FollowUpFilterSet``: the follow-up queue (deadlines of tracking reviews and re-reviews).

Every queryset handed to them is already scoped to the reader (reviews.selectors), so no filter
or search reaches a row the reader may not see.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics.filters import DeadlineFilterSet
from ethics.listing import YES_NO, IdFilter, LazyModelChoiceFilter, ListFilterSet, person_fields
from reviews import selectors, workflow
from reviews.models import Application, Project, ReviewerAssignment, ReviewState


def _known_committees(request: Any) -> QuerySet[Any]:
    from committees.models import Committee

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Committee.objects.none()
    # An option shows the name (Committee.__str__); the JSON columns stay unread (issue 18).
    return selectors.known_committees(user).only("name").order_by("name", "pk")


def _known_committee_rows(request: Any) -> list[tuple[int, str]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return selectors.known_committee_choices(user)


INTAKE_BUCKETS = [
    ("open", _("All open")),
    ("new", _("New")),
    ("returned", _("Returned")),
    ("under_review", _("Under review")),
    ("due_soon", _("Due soon")),
    ("overdue", _("Overdue")),
]


class ApplicationFilterSet(ListFilterSet):
    search_fields = ("ref", "project__title", *person_fields("project__lead"))
    ordering_fields = (
        ("submitted_at", "submitted", _("Submitted")),
        ("due_at", "due", _("Decision due")),
        ("ref", "ref", _("Reference")),
        ("project__title", "title", _("Title")),
        ("created_at", "created", _("Created")),
    )

    bucket = django_filters.ChoiceFilter(
        choices=INTAKE_BUCKETS, method="filter_bucket", label=_("Queue")
    )
    status = django_filters.ChoiceFilter(choices=workflow.Status.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=workflow.Kind.choices, label=_("Kind"))
    procedure = django_filters.ChoiceFilter(
        choices=workflow.Procedure.choices, label=_("Procedure")
    )
    committee = LazyModelChoiceFilter(
        queryset=_known_committees, choice_rows=_known_committee_rows, label=_("Committee")
    )
    project = IdFilter(field_name="project_id", label=_("Project"), widget=forms.HiddenInput)
    submitted_from = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__gte", label=_("Submitted from")
    )
    submitted_to = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__lte", label=_("Submitted until")
    )
    overdue = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_overdue", label=_("Overdue")
    )

    class Meta:
        model = Application
        fields: list[str] = []

    def filter_bucket(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return selectors.intake_filter(queryset, value)

    def filter_overdue(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        condition = selectors.application_overdue()
        return queryset.filter(condition if value == "true" else ~condition)


class ProjectFilterSet(ListFilterSet):
    search_fields = (
        "title",
        "applications__ref",
        *person_fields("lead"),
        *person_fields("team"),
    )
    ordering_fields = (
        ("created_at", "created", _("Created")),
        ("title", "title", _("Title")),
        ("status", "status", _("Status")),
    )

    status = django_filters.ChoiceFilter(choices=workflow.ProjectStatus.choices, label=_("Status"))
    committee = LazyModelChoiceFilter(
        queryset=_known_committees, choice_rows=_known_committee_rows, label=_("Committee")
    )
    needs = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_needs", label=_("Waiting for me")
    )
    created_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("Created from")
    )
    created_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Created until")
    )

    class Meta:
        model = Project
        fields: list[str] = []

    def filter_needs(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Projects with a draft, a return or a correction request waiting for the reader."""
        waiting = selectors.projects_needing_applicant(self.request.user).values("pk")
        return (
            queryset.filter(pk__in=waiting) if value == "true" else queryset.exclude(pk__in=waiting)
        )


class AssignmentFilterSet(ListFilterSet):
    search_fields = (
        "review__application__ref",
        "review__application__project__title",
        *person_fields("review__application__project__lead"),
    )
    ordering_fields = (
        ("assigned_at", "assigned", _("Assigned")),
        ("review__due_at", "due", _("Decision due")),
        ("review__application__ref", "ref", _("Reference")),
    )

    state = django_filters.ChoiceFilter(
        field_name="review__state", choices=ReviewState.choices, label=_("Review state")
    )
    procedure = django_filters.ChoiceFilter(
        field_name="review__procedure", choices=workflow.Procedure.choices, label=_("Procedure")
    )
    kind = django_filters.ChoiceFilter(
        field_name="review__application__kind", choices=workflow.Kind.choices, label=_("Kind")
    )
    opinion = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_opinion", label=_("Opinion given")
    )
    overdue = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_overdue", label=_("Overdue")
    )

    class Meta:
        model = ReviewerAssignment
        fields: list[str] = []

    def filter_opinion(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(opinion__isnull=value != "true")

    def filter_overdue(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        condition = Q(review__state=ReviewState.OPEN, review__due_at__lte=timezone.now())
        return queryset.filter(condition if value == "true" else ~condition)


FOLLOW_UP_BUCKETS = [
    ("tracking", _("Overdue tracking reviews")),
    ("tracking_soon", _("Tracking reviews due soon")),
    ("tracking_all", _("All tracking reviews")),
    ("rereview", _("Re-review opinions awaited")),
]


class FollowUpFilterSet(DeadlineFilterSet):
    """The follow-up queue: the deadlines list narrowed to tracking reviews and re-reviews."""

    bucket = django_filters.ChoiceFilter(
        choices=FOLLOW_UP_BUCKETS, method="filter_bucket", label=_("Queue")
    )

    def filter_bucket(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(selectors.follow_up_condition(value))
