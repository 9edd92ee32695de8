"""The API side of the action tables: one viewset method per table entry, generated.

A viewset names its table (`action_table = reviews.actions.APPLICATIONS`); every entry becomes a
DRF extra action at `POST /<resource>/{id}/<name>/` (or the entry's `url_path`), with the entry's
form turned into a request serializer for the OpenAPI schema. Errors take the api.md shapes
through the project's exception handler (400 field errors, 403, 404, 409 with rule and problems).

Model CRUD goes through the table too: `create_action` names the entry behind
`POST /<resource>/` (201) and `update_action` the one behind `PATCH /<resource>/{id}/` (200; its
form gets `partial=True`, so fields left out keep their values). An explicit extra action with the
same URL (e.g. `GET, POST /committees/{id}/members/`) wins and dispatches with `self.act(...)`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action as drf_action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from ethics import idempotency
from ethics.actions import Action, ActionTable, Call, InputInvalid
from ethics.forms import PeopleField, PersonField


def _field(field: forms.Field) -> serializers.Field:
    """The serializer field that documents a form field (schema only; the form validates)."""
    common: dict[str, Any] = {
        "required": field.required,
        "help_text": field.help_text or field.label or None,
    }
    if isinstance(field, PeopleField):  # usernames (or ids, as before)
        return serializers.ListField(child=serializers.CharField(), **common)
    if isinstance(field, PersonField):
        return serializers.CharField(allow_null=not field.required, **common)
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **common)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(allow_null=not field.required, **common)
    if isinstance(field, forms.MultipleChoiceField):
        # With their labels, so the schema shares one enum with the serializers of the model.
        choices = [(c, label) for c, label in field.choices if c != ""]  # type: ignore[union-attr,misc]
        return serializers.ListField(child=serializers.ChoiceField(choices=choices), **common)
    if isinstance(field, forms.ChoiceField):
        choices = [(c, label) for c, label in field.choices if c != ""]  # type: ignore[union-attr,misc]
        return serializers.ChoiceField(
            choices=choices, allow_blank=not field.required, allow_null=not field.required, **common
        )
    if isinstance(field, forms.BooleanField):
        common["required"] = False
        return serializers.BooleanField(**common)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(allow_null=not field.required, **common)
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(
            max_digits=field.max_digits or 20, decimal_places=field.decimal_places or 2, **common
        )
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(allow_null=not field.required, **common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(allow_null=not field.required, **common)
    if isinstance(field, forms.FileField):
        return serializers.FileField(**common)
    if isinstance(field, forms.JSONField):
        return serializers.JSONField(**common)
    max_length = getattr(field, "max_length", None)
    return serializers.CharField(allow_blank=not field.required, max_length=max_length, **common)


@cache
def form_serializer(form_class: type[forms.Form]) -> type[serializers.Serializer[Any]]:
    """A serializer class describing `form_class` for the OpenAPI schema."""
    attrs: dict[str, Any] = {name: _field(f) for name, f in form_class.base_fields.items()}
    name = form_class.__name__
    name = name[: -len("Form")] if name.endswith("Form") else name
    app = form_class.__module__.split(".")[0].capitalize()
    attrs["Meta"] = type("Meta", (), {"ref_name": f"{app}{name}"})
    return type(f"{name}Input", (serializers.Serializer,), attrs)


def request_schema(entry: Action) -> Any:
    """The OpenAPI request body of an entry: its form, as multipart when it takes files."""
    if entry.input is None:
        return None
    schema: Any = form_serializer(entry.input)
    if any(isinstance(f, forms.FileField) for f in entry.input.base_fields.values()):
        return {"multipart/form-data": schema}
    return schema


def _idempotency_key(request: Request) -> str | None:
    """`Idempotency-Key` of a creating POST (None without one); 400 when it is not a key."""
    try:
        return idempotency.valid_key(request.headers.get(idempotency.HEADER))
    except ValueError:
        raise InputInvalid(
            {"idempotency_key": [{"code": "invalid", "message": str(idempotency.BAD_KEY)}]}, {}
        ) from None


def _method(viewset: type[Any], table: ActionTable, entry: Action) -> Any:
    def handler(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        kwargs.pop("format", None)
        pk = kwargs.pop(self.lookup_url_kwarg or self.lookup_field, None)
        target = self.get_object() if entry.detail and pk is not None else None
        return self.act(request, entry.name, target=target, params=kwargs)

    handler.__name__ = entry.attr
    response_schema = entry.response_schema or getattr(viewset, "serializer_class", None)
    routed = drf_action(
        detail=entry.detail,
        methods=[entry.method],
        url_path=entry.url_path or entry.name,
        url_name=entry.name.replace("_", "-"),
    )(handler)
    # extend_schema goes outside: @action replaces the function's kwargs where it keeps the schema.
    return extend_schema(request=request_schema(entry), responses={entry.status: response_schema})(
        routed
    )


def _crud(viewset: type[Any], entry: Action, method: str) -> Any:
    """`create` (POST on the collection) or `partial_update` (PATCH) through a table entry."""
    if method == "create":

        def handler(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            return self.act(request, entry.name)

    else:

        def handler(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            target = self.get_object()
            return self.act(request, entry.name, target=target, form_kwargs={"partial": True})

    handler.__name__ = method
    response_schema = entry.response_schema or getattr(viewset, "serializer_class", None)
    return extend_schema(request=request_schema(entry), responses={entry.status: response_schema})(
        handler
    )


class ActionViewSetMixin:
    """Give a viewset one endpoint per entry of `action_table` (explicit methods win)."""

    action_table: ClassVar[ActionTable | None] = None
    #: The entry behind `POST /<resource>/` and the one behind `PATCH /<resource>/{id}/`.
    create_action: ClassVar[str | None] = None
    update_action: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        table = cls.__dict__.get("action_table")
        if table is None:
            return
        crud = {"create": cls.create_action, "partial_update": cls.update_action}
        for method, name in crud.items():
            if name is not None:
                if name not in table:
                    raise ImproperlyConfigured(f"{cls.__name__}: {table.name} has no {name!r}")
                setattr(cls, method, _crud(cls, table.get(name), method))
        # Routes the class declares itself (e.g. GET and POST on one URL) win.
        explicit = {
            getattr(value, "url_path", None)
            for value in cls.__dict__.values()
            if hasattr(value, "mapping")
        }
        for entry in table:
            if entry.name in crud.values() or (entry.url_path or entry.name) in explicit:
                continue
            if entry.attr not in cls.__dict__:
                setattr(cls, entry.attr, _method(cls, table, entry))

    def act(
        self,
        request: Request,
        name: str,
        *,
        target: Any = None,
        params: Mapping[str, Any] | None = None,
        form_kwargs: Mapping[str, Any] | None = None,
    ) -> Response:
        """Perform the table's entry `name` with the request's body; answer with its status."""
        table = self.action_table
        assert table is not None
        entry = table.get(name)
        files = request.FILES if (request.content_type or "").startswith("multipart/") else None
        key = _idempotency_key(request) if not entry.detail else None
        scope = f"{table.name}:{name}:api"
        with idempotency.claimed(request.user, key, scope) as claim:
            if claim.first is not None:
                # The same key again: the first answer, without acting twice.
                return Response(
                    claim.first.body,
                    status=claim.first.status_code or entry.status,
                    headers={"Idempotent-Replayed": "true"},
                )
            call, result = table.perform(
                name,
                actor=request.user,
                target=target,
                data=request.data,
                files=files,
                params=params,
                form_kwargs=form_kwargs,
            )
            body = self.action_body(entry, call, result)
            if claim.row is not None:
                claim.row.status_code = entry.status
                claim.row.body = json.loads(JSONRenderer().render(body) or b"null")
                claim.row.save(update_fields=["status_code", "body"])
        return Response(body, status=entry.status)

    def action_body(self, entry: Action, call: Call, result: Any) -> Any:
        """The response: the entry's own `respond`, else the viewset's serializer."""
        if entry.respond is not None:
            return entry.respond(call, result)
        # A creating action answers with what it created; any other with its target, reloaded
        # through the same permission-scoped queryset.
        instance = result if not entry.detail else self.get_object()  # type: ignore[attr-defined]
        if instance is None:
            return None
        return self.get_serializer(instance).data  # type: ignore[attr-defined]
