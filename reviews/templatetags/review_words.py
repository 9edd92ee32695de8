"""Grounds and conversion reasons of a review round by their labels (`{% load review_words %}`)."""

from __future__ import annotations

from django import template

from ethics import regulations
from reviews.services.emergency import REASONS

register = template.Library()


@register.filter
def ground_label(code: str | None) -> str:
    """R32: the legal ground of a simplified review, in words."""
    if not code:
        return ""
    return str(regulations.SIMPLIFIED_GROUND_LABELS.get(code, code))


@register.filter
def conversion_label(code: str | None) -> str:
    """R49: why a round became an emergency meeting, in words (free text stays as written)."""
    if not code:
        return ""
    return str(REASONS.get(code, code))
