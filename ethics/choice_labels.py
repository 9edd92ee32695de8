"""Choice labels from a table per field and language (issue 18: no per-row label lookups).

Django's ``get_<field>_display()`` builds ``dict(make_hashable(field.flatchoices))`` on every
call: for a list page's 25 rows with a status, a kind and a procedure, some 75 dicts a page,
each hashing every lazy label (a ``gettext`` per choice). ``install()`` (from
``EthicsConfig.ready``) points every model's ``get_<field>_display`` at ``display`` below, which
builds that table once per field and language and answers the same string Django would: the
label in the active language, or the value itself when it is not a choice. Fields whose choices
are a callable keep Django's own lookup (their choices may change), unless their app registers
a function answering the same from the value (``register_labels``: ``Deadline.kind``, whose
declared clocks Django would otherwise turn into a dict on every call)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partialmethod
from typing import Any

from django.apps import apps
from django.db.models import Field, Model
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language

_DJANGO_DISPLAY: Any = Model._get_FIELD_display  # type: ignore[attr-defined]
_TABLES: dict[tuple[Field[Any, Any], str | None], dict[Any, Any]] = {}
_CALLABLE_LABELS: dict[Field[Any, Any], Callable[[Any], Any]] = {}


def register_labels(model: type[Model], field_name: str, label: Callable[[Any], Any]) -> None:
    """``label(value)`` answers ``get_<field_name>_display`` for a field whose choices are a
    callable: the same string Django's lookup would give (the label in the active language, the
    value itself when it is not a choice), without building every choice per call."""
    field = model._meta.get_field(field_name)
    if not isinstance(field, Field) or not isinstance(field.choices, CallableChoiceIterator):
        raise TypeError(f"{model.__name__}.{field_name} has no callable choices")
    _CALLABLE_LABELS[field] = label


def _table(field: Field[Any, Any]) -> dict[Any, Any]:
    key = (field, get_language())
    table = _TABLES.get(key)
    if table is None:
        table = {
            value: force_str(label, strings_only=True)
            for value, label in dict(make_hashable(field.flatchoices)).items()
        }
        _TABLES[key] = table
    return table


def display(instance: Model, field: Field[Any, Any]) -> Any:
    """``get_<field>_display()``: the choice's label in the active language, else the value."""
    if isinstance(field.choices, CallableChoiceIterator):
        label = _CALLABLE_LABELS.get(field)
        if label is None:
            return _DJANGO_DISPLAY(instance, field)
        return label(getattr(instance, field.attname))
    value = getattr(instance, field.attname)
    hashable = make_hashable(value)
    table = _table(field)
    if hashable in table:
        return table[hashable]
    return force_str(value, strings_only=True)


def labeller(model: type[Model], field_name: str) -> Callable[[Any], Any]:
    """``get_<field_name>_display`` of one field as a function of the value, with the label
    table looked up once (a list page's rows: one table per column instead of a language
    lookup per cell). Same answers as ``display``."""
    field = model._meta.get_field(field_name)
    if not isinstance(field, Field):
        raise TypeError(f"{model.__name__}.{field_name} is not a concrete field")
    if isinstance(field.choices, CallableChoiceIterator):  # as display() answers
        registered = _CALLABLE_LABELS.get(field)
        if registered is not None:
            return registered  # the deadline kinds' (hooks.deadline_kind_display)
        # Django's lookup, its choices read when the labeller is made (once a page), not once
        # a row; each label is still written in the language active at the call.
        choices = dict(make_hashable(field.flatchoices))

        def fresh(value: Any) -> Any:
            return force_str(choices.get(make_hashable(value), value), strings_only=True)

        return fresh
    table = _table(field)

    def label(value: Any) -> Any:
        hashable = make_hashable(value)
        if hashable in table:
            return table[hashable]
        return force_str(value, strings_only=True)

    return label


def install() -> int:
    """Replace Django's ``get_<field>_display`` on every loaded model; returns how many."""
    replaced = 0
    for model in apps.get_models(include_auto_created=True):
        for name, attr in list(vars(model).items()):
            if (
                name.startswith("get_")
                and name.endswith("_display")
                and isinstance(attr, partialmethod)
                and attr.func is _DJANGO_DISPLAY
            ):
                setattr(model, name, partialmethod(display, **attr.keywords))
                replaced += 1
    return replaced
