"""Words, not codes: template filters that turn audited actions, notification causes and actors
into what a person reads (`{% load words %}`)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext

from ethics.action_labels import action_label as _action_label
from ethics.action_labels import cause_label as _cause_label

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    return _action_label(code or "")


@register.filter
def cause_label(cause: str) -> str:
    return _cause_label(cause or "")


@register.filter
def actor_name(event: Any) -> str:
    """Who took an audited action: the person's name (the system when nobody did). ``event`` is
    an ``AuditEvent`` or a timeline row that carries the name already (``actor_display``)."""
    shown = getattr(event, "actor_display", None)
    if shown is not None:
        return str(shown)
    actor = getattr(event, "actor", None)
    if actor is not None:
        return str(actor.display_name)
    label = getattr(event, "actor_label", "")
    return gettext("System") if label in ("", "system") else str(label)
