"""A list's rows written from ``.values()`` dicts, with the answer its serializer would give.

DRF writes every cell of a list through ``Field.get_attribute`` and ``Field.to_representation``
on model instances, and the instances carry joined rows and prefetched relations a list may not
show: for the 50 rows of an API list page that was some 200 model instances and 700 generic field
calls per request (issue 18). A ``RowWriter`` reads the serializer's own fields once, asks the
database for exactly the columns they show (``.values()``) and writes each row with the same
conversions: plain columns (text, choices, numbers, booleans, JSON) as the database gives them,
a foreign key as its id, everything else (dates and times, in the reader's time zone) through the
field's own ``to_representation``. A field it cannot write from a column (a method field, a
nested or dotted source) must be given as an annotation named in ``computed``; a serializer with
such a field left over is refused when the writer is built, so the writer never guesses.

``tests/reviews/test_api_list_rows.py`` and the lists' own tests compare its rows with the
serializer's, for every role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rest_framework import serializers
from rest_framework.relations import PrimaryKeyRelatedField

# Fields whose ``to_representation`` gives back a database value of its own type unchanged
# (``str(text)``, ``int(number)``, a boolean, a choice's stored value, decoded JSON).
_AS_STORED: tuple[type[serializers.Field], ...] = (
    serializers.CharField,
    serializers.IntegerField,
    serializers.BooleanField,
    serializers.ChoiceField,
)


@dataclass(frozen=True)
class _Cell:
    name: str  # the key of the answer
    column: str  # the key of the ``.values()`` row
    convert: Callable[[Any], Any] | None  # None: the stored value as it is


class RowWriter:
    """The rows of ``serializer_class`` from ``.values()`` dicts (see the module docstring).

    ``computed`` maps a field's name to the annotation that holds its value."""

    def __init__(
        self,
        serializer_class: type[serializers.ModelSerializer],
        *,
        computed: Mapping[str, str] | None = None,
    ) -> None:
        computed = dict(computed or {})
        cells = []
        for name, field in serializer_class().fields.items():
            if field.write_only:
                continue
            if name in computed:
                cells.append(_Cell(name, computed.pop(name), None))
                continue
            cells.append(_cell(serializer_class, name, field))
        if computed:
            raise ValueError(f"{serializer_class.__name__} has no fields {sorted(computed)}")
        self.cells = tuple(cells)
        self.columns = tuple(dict.fromkeys(c.column for c in self.cells))

    def values(self, queryset: Any) -> Any:
        """``queryset`` reading only the columns the rows show (annotations named in
        ``computed`` must already be on it)."""
        return queryset.values(*self.columns)

    def write(self, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        cells = self.cells
        answer = []
        for row in rows:
            item = {}
            for cell in cells:
                value = row[cell.column]
                item[cell.name] = (
                    value if cell.convert is None or value is None else cell.convert(value)
                )
            answer.append(item)
        return answer


def _cell(serializer_class: type, name: str, field: serializers.Field) -> _Cell:
    source = field.source
    if not isinstance(source, str) or source == "*" or "." in source:
        raise ValueError(f"{serializer_class.__name__}.{name}: source {source!r} is not a column")
    if isinstance(field, PrimaryKeyRelatedField) and field.pk_field is None:
        return _Cell(name, source, None)  # ``.values("project")`` is the project's id
    if isinstance(field, serializers.JSONField) and not field.binary:
        return _Cell(name, source, None)
    if type(field) in _AS_STORED:
        return _Cell(name, source, None)
    if isinstance(field, serializers.SerializerMethodField | serializers.BaseSerializer):
        raise ValueError(f"{serializer_class.__name__}.{name}: name its annotation in computed")
    if isinstance(field, serializers.RelatedField | serializers.ManyRelatedField):
        raise ValueError(f"{serializer_class.__name__}.{name}: a relation is not a column")
    return _Cell(name, source, field.to_representation)
