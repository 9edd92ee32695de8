"""Garbage for every action of every table (ethics.actions): the engine each app's test uses.

Each test folder declares, in its `test_action_garbage.py`, a `TARGETS` dict mapping a table name
to a function `(world) -> Target` (who acts, on what, and the page and API URLs of an action).
`tests/test_action_tables.py` fails when a table has no entry, so a new table can't be missed.
For every action with an input, the engine posts, to the page and to the API:
- a JSON body that is not an object, JSON nested 5,000 deep, and JSON that does not parse;
- every field of the form with a value of the wrong type (an object, a list or a scalar where
  the other is expected, a non-numeric id, an impossible date, 100,000 characters);
and asserts a 4xx (never a 5xx) with nothing changed: no audit event written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django import forms

from ethics.actions import Action, ActionTable
from ethics.models import AuditEvent


@dataclass
class Target:
    actor: Any
    target: Any
    page_url: Callable[[str], str] | None
    api_url: Callable[[str], str] | None


WRONG: dict[str, Any] = {
    "object": {"a": 1},
    "list": ["a", "b"],
    "number": 12345,
    "non-numeric id": "abc",
    "impossible date": "2026-02-31",
    "huge": "x" * 100_000,
}


def field_payloads(entry: Action, *, page: bool = False) -> Iterator[tuple[str, dict[str, Any]]]:
    """Wrong values per field. On a page every value arrives as text, so an object or a list
    is valid text for a text field there; the API refuses them."""
    assert entry.input is not None
    for name, spec in entry.input.base_fields.items():
        multi = isinstance(spec, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
        for label, value in WRONG.items():
            if isinstance(spec, forms.CharField) and label in ("number", "non-numeric id"):
                continue  # a number or a word is a valid text
            if isinstance(spec, forms.CharField) and label == "impossible date":
                continue
            if isinstance(spec, forms.BooleanField) and label != "object":
                continue  # a checkbox reads any value as on/off
            if isinstance(spec, forms.CharField) and label == "huge" and not spec.max_length:
                continue  # free text has no limit of its own
            if page and isinstance(spec, forms.CharField) and label in ("object", "list"):
                continue
            if multi and label == "list":
                value = [{"a": 1}]
            yield f"{name}={label}", {name: value}


def raw_bodies() -> Iterator[tuple[str, str]]:
    yield "not an object", json.dumps([1, 2, 3])
    yield "nested 5000", "[" * 5000 + "]" * 5000
    yield "not JSON", '{"a": '


def assert_refused_api(api_client: Any, url: str, body: str) -> None:
    before = AuditEvent.objects.count()
    response = api_client.generic("POST", url, body, content_type="application/json")
    assert 400 <= response.status_code < 500, (url, body[:80], response.status_code)
    assert AuditEvent.objects.count() == before, (url, body[:80])


def assert_refused_page(client: Any, url: str, data: dict[str, Any]) -> None:
    before = AuditEvent.objects.count()
    flat = {k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in data.items()}
    response = client.post(url, flat)
    assert 400 <= response.status_code < 500, (url, str(data)[:80], response.status_code)
    assert AuditEvent.objects.count() == before, (url, str(data)[:80])


def with_input(table: ActionTable) -> list[Action]:
    return [entry for entry in table if entry.input is not None]
