"""What a list row's cells show, computed once per page in Python (issue 18).

A list template that writes ``{% url 'x' a.pk %}``, ``{{ a.when|date:"Y-m-d" }}`` and an
``{% if %}`` per cell pays the template engine for every row: a ``reverse()`` (resolver walk,
quoting) per link, a date format per timestamp, a parsed condition per cell. A page's view builds
its rows from these helpers instead, so the template loop only writes strings. The output is the
same text the template tags wrote (``tests/reviews/test_list_rows.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

# A number no route's path holds by chance: reversed once, then replaced by each row's key.
_MARK = 918_273_645_546_372_819


def pk_url(viewname: str) -> Callable[[Any], str]:
    """``reverse(viewname, args=[pk])`` for many primary keys at the cost of one ``reverse``.

    The route is reversed once with a marker and split around it; each call joins the parts
    around ``pk`` (an integer key, written by the ``<int:pk>`` converter as ``str(pk)``). A route
    where the marker does not appear exactly once falls back to ``reverse`` per call."""
    marker = str(_MARK)
    path = reverse(viewname, args=[_MARK])
    if path.count(marker) != 1:
        return lambda pk: reverse(viewname, args=[pk])
    head, _sep, tail = path.partition(marker)
    return lambda pk: f"{head}{pk}{tail}"


_FIXED: dict[tuple[str, Any, Any, str], str] = {}


def fixed_url(viewname: str) -> str:
    """``reverse(viewname)`` of a route without arguments, reversed once per URL configuration
    and script prefix (the header's menu links on every page)."""
    key = (viewname, settings.ROOT_URLCONF, get_urlconf(), get_script_prefix())
    url = _FIXED.get(key)
    if url is None:
        url = _FIXED[key] = reverse(viewname)
    return url


def local_date(value: datetime | None, tz: tzinfo | None = None) -> str:
    """``{{ value|date:"Y-m-d" }}``: the moment's date in the active time zone (or ``tz``, the
    active one read once by the caller for a page of rows), or ``""``."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = value.astimezone(tz or timezone.get_current_timezone())
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def local_minute(value: datetime | None, tz: tzinfo | None = None) -> str:
    """``{{ value|date:"Y-m-d H:i" }}``: the moment to the minute in the active time zone (or
    ``tz``), or ``""``."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = value.astimezone(tz or timezone.get_current_timezone())
    return f"{local_date(value, tz)} {value.hour:02d}:{value.minute:02d}"


NO_VALUE = "—"  # what an empty cell shows


def or_dash(value: Any) -> str:
    """``{{ value|default:"—" }}``: the value as the template writes it, or the dash."""
    from ethics.listing import text_html

    return text_html(value) if value else NO_VALUE
