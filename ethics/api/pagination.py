"""API list pagination (api.md "Lists"): keyset (cursor) pages by default, page numbers on request.

Every list answers ``{"count", "next", "previous", "results"}``.

* Default, keyset: ``?cursor=<opaque>`` (the ``next`` and ``previous`` links carry it) and
  ``?page_size=``. A page is one ``WHERE (ordering columns) past the cursor ORDER BY … LIMIT n+1``
  over the list's own ordering (its default or ``?o=``), tie-broken by the primary key; an index
  on the ordering serves it, so its cost does not grow with the table and there is no
  ``COUNT(*)`` over the reader's visibility union (issue 18). ``count`` is the exact number of
  rows when the whole list fits on the first page, otherwise ``null`` (unknown without counting).
* ``?page=N`` (the earlier contract, kept): page-number pagination with the exact ``count``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F, Model, OrderBy, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

_KEY = "_keyset_%d"
MAX_ID = 2**63 - 1


class _CursorEncoder(DjangoJSONEncoder):
    """Django's encoder keeps milliseconds only; a key must round-trip to the microsecond."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


@dataclass(frozen=True)
class _Key:
    path: str  # an ORM path (``created_at``, ``project__lead__name``) or an annotation's name
    descending: bool
    nullable: bool

    def reversed(self) -> _Key:
        return _Key(self.path, not self.descending, self.nullable)

    def order(self) -> str:
        return f"-{self.path}" if self.descending else self.path

    # Flipping every key's direction reverses the whole order on both databases (PostgreSQL
    # sorts NULLs last ascending and first descending, SQLite the other way round); ``past``
    # places NULLs as the database does.
    def past(self, value: Any, nulls_last_ascending: bool) -> Q | None:
        """Rows strictly after ``value`` in this key's order (None: no row can be)."""
        nulls_after = nulls_last_ascending != self.descending
        if value is None:
            if not self.nullable or nulls_after:
                return None
            return Q(**{f"{self.path}__isnull": False})
        past = Q(**{f"{self.path}__{'lt' if self.descending else 'gt'}": value})
        if self.nullable and nulls_after:
            past |= Q(**{f"{self.path}__isnull": True})
        return past

    def equal(self, value: Any) -> Q:
        if value is None:
            return Q(**{f"{self.path}__isnull": True})
        return Q(**{self.path: value})


def _nullable(model: type[Model], path: str, queryset: QuerySet[Any]) -> bool | None:
    """Whether the ORM path may be NULL (a null FK on the way counts); None: not a plain path."""
    if path in queryset.query.annotations:
        return True
    opts = model._meta
    nullable = False
    parts = path.split("__")
    for index, part in enumerate(parts):
        try:
            field = opts.pk if part == "pk" else opts.get_field(part)
        except FieldDoesNotExist:
            return None
        if field is None:
            return None
        nullable = nullable or bool(getattr(field, "null", False))
        if field.many_to_many or field.one_to_many:
            return None  # one row per related row: not a key of the list's rows
        if index < len(parts) - 1:
            if not field.is_relation:
                return None
            opts = field.related_model._meta  # type: ignore[union-attr]
    return nullable


def keyset_keys(queryset: QuerySet[Any]) -> list[_Key] | None:
    """The queryset's ordering as keyset keys ending in the primary key, or None when it is not
    plain field paths (random order, expressions, to-many paths): such a list pages by number."""
    query = queryset.query
    ordering: list[Any] = list(query.order_by) or (
        list(queryset.model._meta.ordering) if query.default_ordering else []
    )
    if query.distinct_fields or query.combinator:
        return None
    keys: list[_Key] = []
    pk_name = queryset.model._meta.pk.name
    for entry in ordering:
        if isinstance(entry, OrderBy) and isinstance(entry.expression, F):
            if entry.nulls_first or entry.nulls_last:
                return None
            path, descending = entry.expression.name, entry.descending
        elif isinstance(entry, F):
            path, descending = entry.name, False
        elif isinstance(entry, str) and entry and entry != "?":
            descending = entry.startswith("-")
            path = entry.lstrip("-+")
        else:
            return None
        if path == "pk":
            path = pk_name
        nullable = _nullable(queryset.model, path, queryset)
        if nullable is None:
            return None
        keys.append(_Key(path, descending, nullable))
        if path == pk_name:
            return keys  # unique: later keys never decide
    keys.append(_Key(pk_name, keys[-1].descending if keys else False, False))
    return keys


def keyset_after(keys: list[_Key], values: list[Any], *, nulls_last_ascending: bool = True) -> Q:
    """Rows strictly after the row whose key values are ``values``, in ``keys``' order:
    ``k1 past v1 OR (k1 = v1 AND k2 past v2) OR …``, plus a range bound on the first key so that
    an index on the ordering starts at the cursor instead of filtering from the top."""
    condition = Q(pk__in=[])
    prefix = Q()
    for key, value in zip(keys, values, strict=True):
        past = key.past(value, nulls_last_ascending)
        if past is not None:
            condition |= prefix & past
        prefix &= key.equal(value)
    first, first_value = keys[0], values[0]
    if first_value is not None and not first.nullable:
        bound = "lte" if first.descending else "gte"
        condition &= Q(**{f"{first.path}__{bound}": first_value})
    return condition


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_param = "cursor"
    invalid_cursor_message = _("Invalid cursor.")

    keyset = False
    has_next = False
    count: int | None = None

    # --- which mode -----------------------------------------------------------------------

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        self.request = request
        keys = None if self.page_query_param in request.query_params else keyset_keys(queryset)
        if keys is None:
            self.keyset = False
            return super().paginate_queryset(queryset, request, view)
        self.keyset = True
        return self._keyset_page(queryset, request, keys)

    def paginate_branches(
        self, rows: QuerySet[Any], branches: list[Q], request: Request
    ) -> list[Any] | None:
        """A keyset page of the rows that match any of ``branches``, read branch by branch.

        ``rows`` is the list filtered and ordered but not yet narrowed to what the reader may
        see; ``branches`` are the visibility conditions whose union is exactly that (e.g.
        ``reviews.policies.visible_application_branches``). Each branch gives its first
        ``page_size + 1`` ids past the cursor, through its own index, and the page reads only
        those rows: the reader's whole visibility union is neither joined nor sorted (issue 18).
        None when the request asks for page numbers or the ordering cannot be a keyset: the
        caller then pages the visibility-scoped list as usual."""
        self.request = request
        if self.page_query_param in request.query_params:
            return None
        keys = keyset_keys(rows)
        if keys is None:
            return None
        self.keyset = True
        return self._keyset_page(rows, request, keys, [rows.filter(b) for b in branches])

    def get_paginated_response(self, data: Any) -> Response:
        if not self.keyset:
            return super().get_paginated_response(data)
        return Response(
            OrderedDict(
                [
                    ("count", self.count),
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("results", data),
                ]
            )
        )

    def get_next_link(self) -> str | None:
        if not self.keyset:
            return super().get_next_link()
        return self._link(self.next_cursor)

    def get_previous_link(self) -> str | None:
        if not self.keyset:
            return super().get_previous_link()
        return self._link(self.previous_cursor)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        result = super().get_paginated_response_schema(schema)
        result["properties"]["count"]["nullable"] = True
        result["properties"]["count"]["description"] = (
            "Exact with ?page=; by cursor only when the whole list fits on the first page."
        )
        return result

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The opaque position of a keyset page (from next/previous).",
                "schema": {"type": "string"},
            }
        )
        return parameters

    # --- keyset ---------------------------------------------------------------------------

    def _keyset_page(
        self,
        queryset: QuerySet[Any],
        request: Request,
        keys: list[_Key],
        branches: list[QuerySet[Any]] | None = None,
    ) -> list[Any]:
        size = self.get_page_size(request) or self.page_size
        position = self._decode(request.query_params.get(self.cursor_query_param), len(keys))
        backward = bool(position and position[1])
        walk = [key.reversed() for key in keys] if backward else keys
        order = [key.order() for key in walk]
        after = Q()
        if position is not None:
            try:
                after = keyset_after(walk, position[0], nulls_last_ascending=_pg())
                queryset = queryset.filter(after)
            except (ValueError, TypeError, OverflowError, DjangoValidationError):
                raise ValidationError(
                    {self.cursor_query_param: [self.invalid_cursor_message]}
                ) from None
        rows = list(keyset_page_query(queryset, keys, order, size, branches, after))
        return self._settle(rows, keys, size, position, backward=backward)

    def first_page(self, rows: list[Any], keys: list[_Key], request: Request) -> list[Any]:
        """The first keyset page of rows already read as ``keyset_page_query`` reads them (its
        ``page_size + 1`` rows, the key annotations included): the same page, count and links
        as ``paginate_branches`` gives a request with no cursor (issue 18: a list's landing
        page read with one compiled query, reviews.api.views)."""
        self.request = request
        self.keyset = True
        return self._settle(rows, keys, self.get_page_size(request) or self.page_size, None)

    def _settle(
        self,
        rows: list[Any],
        keys: list[_Key],
        size: int,
        position: tuple[list[Any], bool] | None,
        *,
        backward: bool = False,
    ) -> list[Any]:
        """The page of ``rows`` (read with ``size + 1`` as their limit) and its count and links."""
        more = len(rows) > size
        rows = rows[:size]
        if backward:
            rows.reverse()
        self.count = len(rows) if position is None and not more else None
        self.next_cursor = self.previous_cursor = None
        if rows:
            first, last = self._values(rows[0], keys), self._values(rows[-1], keys)
            if more if not backward else position is not None:
                self.next_cursor = self._encode(last, backward=False)
            if (position is not None) if not backward else more:
                self.previous_cursor = self._encode(first, backward=True)
        self.has_next = self.next_cursor is not None
        return rows

    @staticmethod
    def _values(row: Any, keys: list[_Key]) -> list[Any]:
        if isinstance(row, dict):  # a ``.values()`` row (ethics.api.rows)
            return [row[_KEY % i] for i in range(len(keys))]
        return [getattr(row, _KEY % i) for i in range(len(keys))]

    @staticmethod
    def _encode(values: list[Any], *, backward: bool) -> str:
        raw = json.dumps([values, int(backward)], cls=_CursorEncoder, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def _decode(self, cursor: str | None, width: int) -> tuple[list[Any], bool] | None:
        if not cursor:
            return None
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            values, backward = json.loads(raw)
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            values, backward = None, None
        if (
            not isinstance(values, list)
            or len(values) != width
            or backward not in (0, 1)
            or not all(_plain(v) for v in values)
        ):
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
        return values, bool(backward)

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, cursor)


def keyset_page_query(
    queryset: QuerySet[Any],
    keys: list[_Key],
    order: list[str],
    size: int,
    branches: list[QuerySet[Any]] | None = None,
    after: Q | None = None,
) -> QuerySet[Any]:
    """The query of a keyset page of ``queryset`` (already past the cursor), with each key as
    an annotation (``keyset_key_names``), in ``order``, ``size + 1`` rows.

    With ``branches``, the page's rows are among each branch's first ``size + 1`` rows past the
    cursor (``after``): only those ids are read (each branch through its own index) and ordered,
    so rows outside every branch are never read and ``queryset`` need not repeat the union."""
    if branches is not None:
        after = Q() if after is None else after
        queryset = queryset.filter(pk__in=_branch_ids(branches, after, order, size + 1))
    rows = queryset.annotate(**{_KEY % i: F(key.path) for i, key in enumerate(keys)})
    return rows.order_by(*order)[: size + 1]


def keyset_key_names(keys: list[_Key]) -> tuple[str, ...]:
    """The names of the key annotations ``keyset_page_query`` adds, in the keys' order."""
    return tuple(_KEY % i for i in range(len(keys)))


def _branch_ids(
    branches: list[QuerySet[Any]], after: Q, order: list[str], limit: int
) -> QuerySet[Any] | list[Any]:
    """The first ``limit`` primary keys of each branch past the cursor: on PostgreSQL a subquery
    of the page's own query (a UNION ALL of the branches, which the database orders and limits
    inside a compound statement), else one query per branch (SQLite)."""
    from django.db import connection

    parts = [
        branch.filter(after).order_by(*order).values_list("pk", flat=True)[:limit]
        for branch in branches
    ]
    if connection.features.supports_slicing_ordering_in_compound:
        return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return [pk for part in parts for pk in part]


def _plain(value: Any) -> bool:
    """A cursor value as ``_encode`` writes it: text, a number a column holds, or null."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) <= MAX_ID
    return value is None or isinstance(value, str | float)


def _pg() -> bool:
    """Whether NULLs sort last ascending (PostgreSQL) rather than first (SQLite)."""
    from django.db import connection

    return connection.vendor == "postgresql"
