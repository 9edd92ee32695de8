"""The kernel's lists: the inbox and the audit log, one FilterSet each for page and API.

Codes (an audit action, a notification's cause, a model) are what the filters send and store;
people read their labels only.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ethics import selectors
from ethics.action_labels import action_label, cause_label
from ethics.listing import ListFilterSet
from ethics.models import AuditEvent, Notification

PROJECT_APPS = ("ethics", "committees", "reviews", "meetings", "oversight", "registry", "reports")
_CAUSE = re.compile(r"^(?P<code>.+?)(?: \((?P<rule>[A-Z]+\d+[a-z]?)\))?$")


def cause_code(cause: str) -> str:
    """A notification's cause without its rule: "filing.submit (R54)" -> "filing.submit"."""
    match = _CAUSE.match(cause or "")
    return match.group("code") if match else cause


def _set_choices(filter_: Any, choices: list[tuple[str, str]]) -> None:
    """The reader's own choices; a form field built earlier (the API schema) is rebuilt."""
    filter_.extra["choices"] = choices
    filter_.__dict__.pop("_field", None)


# --- inbox ---------------------------------------------------------------------------------------

UNREAD = "unread"
READ = "read"


def _reasons(request: Any) -> list[tuple[str, str]]:
    """The causes of the caller's own notifications, by label."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    causes = (
        Notification.objects.filter(recipient=user)
        .exclude(cause="")
        .order_by()
        .values_list("cause", flat=True)
        .distinct()
    )
    codes = {cause_code(cause) for cause in causes}  # "code (R26)" and "code" are one reason
    return sorted(((code, cause_label(code)) for code in codes), key=lambda pair: pair[1])


class NotificationFilter(ListFilterSet):
    """Search the message's subject and text; filter by read state, reason and date."""

    search_fields = ("title", "body")
    ordering_fields = (("created_at", "time", _("Time")),)

    state = django_filters.ChoiceFilter(
        label=_("Read or unread"),
        choices=[
            (UNREAD, pgettext_lazy("message state", "Unread")),
            (READ, pgettext_lazy("message state", "Read")),
        ],
        method="filter_state",
    )
    reason = django_filters.ChoiceFilter(label=_("Cause"), choices=[], method="filter_reason")
    received_from = django_filters.DateFilter(
        label=_("From"), field_name="created_at", lookup_expr="date__gte"
    )
    received_to = django_filters.DateFilter(
        label=_("To"), field_name="created_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Notification
        fields = ("q", "state", "reason", "received_from", "received_to")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self.filters["reason"], _reasons(self.request))

    def filter_state(self, queryset: QuerySet[Notification], name: str, value: str) -> Any:
        return queryset.filter(read_at__isnull=value == UNREAD)

    def filter_reason(self, queryset: QuerySet[Notification], name: str, value: str) -> Any:
        return queryset.filter(Q(cause__exact=value) | Q(cause__startswith=f"{value} ("))


# --- audit log -----------------------------------------------------------------------------------


def object_types() -> list[tuple[str, str]]:
    """Every model of the project, by its name (the value is "app_label.model")."""
    models = [m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS]
    return sorted(
        (
            (f"{m._meta.app_label}.{m._meta.model_name}", str(m._meta.verbose_name).capitalize())
            for m in models
        ),
        key=lambda pair: pair[1],
    )


def object_type_label(content_type: Any) -> str:
    """A content type by its model's name (no query: the model class is in the registry)."""
    model = content_type.model_class()
    return str(model._meta.verbose_name).capitalize() if model else ""


def label_events(events: Any) -> None:
    """Set `action_label` and `target_type_label` on each event of a page (for templates)."""
    for event in events:
        event.action_label = action_label(event.action)
        event.target_type_label = (
            object_type_label(event.target_type) if event.target_type_id else ""
        )


def _actions(request: Any) -> list[tuple[str, str]]:
    """The actions of the events the caller may read, by label."""
    user = getattr(request, "user", None)
    if user is None:
        return []
    codes = (
        selectors.audit_events_for_user(user).order_by().values_list("action", flat=True).distinct()
    )
    return sorted(((code, action_label(code)) for code in codes), key=lambda pair: pair[1])


class AuditEventFilter(ListFilterSet):
    """Search the actor's name and the object's description; filter by action (its label),
    actor (by name), object type and date."""

    search_fields = ("actor_label", "actor__name", "actor__username", "target_repr", "reason")
    ordering_fields = (("created_at", "time", _("Time")), ("actor_label", "actor", _("Actor")))

    action = django_filters.ChoiceFilter(label=_("Action"), choices=[])
    actor = django_filters.CharFilter(label=_("Actor"), method="filter_actor", max_length=150)
    target_type = django_filters.ChoiceFilter(
        label=_("Object type"), choices=object_types, method="filter_target_type"
    )
    target_id = django_filters.CharFilter(label=_("Object ID"), max_length=64)
    since = django_filters.DateFilter(
        label=_("From"), field_name="created_at", lookup_expr="date__gte"
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="created_at", lookup_expr="date__lte"
    )

    class Meta:
        model = AuditEvent
        fields = ("q", "action", "actor", "target_type", "target_id", "since", "until")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self.filters["action"], _actions(self.request))

    def filter_actor(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> Any:
        return queryset.filter(
            Q(actor_label__icontains=value)
            | Q(actor__name__icontains=value)
            | Q(actor__username__icontains=value)
        )

    def filter_target_type(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> Any:
        app_label, _dot, model = value.partition(".")
        return queryset.filter(target_type__app_label=app_label, target_type__model=model)
