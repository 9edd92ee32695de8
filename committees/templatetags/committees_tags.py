from datetime import date, datetime, timedelta

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def last_day(due_at: datetime | None) -> date | None:
    """The last day of a period stored as its exclusive end (24:00 of that day)."""
    if due_at is None:
        return None
    return timezone.localtime(due_at - timedelta(microseconds=1)).date()
