"""Vote choices by their labels (`{% load meeting_words %}`): people never read `approve`."""

from __future__ import annotations

from django import template

from meetings.models import VoteChoice

register = template.Library()


@register.filter
def vote_label(choice: str | None) -> str:
    if not choice:
        return ""
    try:
        return str(VoteChoice(choice).label)
    except ValueError:
        return choice
