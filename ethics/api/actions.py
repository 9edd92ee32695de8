"""The API side of the action tables: one viewset method per table entry, generated.

A viewset names its table (`action_table = reviews.actions.APPLICATIONS`); every entry becomes a
DRF extra action at `POST /<resource>/{id}/<name>/` (or the entry's `url_path`), with the entry's
form turned into a request serializer for the OpenAPI schema. Errors take the api.md shapes
through the project's exception handler (400 field errors, 403, 404, 409 with rule and problems).
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

from django import forms
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action as drf_action
from rest_framework.request import Request
from rest_framework.response import Response

from ethics.actions import Action, ActionTable, Call


def _field(field: forms.Field) -> serializers.Field:
    """The serializer field that documents a form field (schema only; the form validates)."""
    common: dict[str, Any] = {
        "required": field.required,
        "help_text": field.help_text or field.label or None,
    }
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **common)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(allow_null=not field.required, **common)
    if isinstance(field, forms.MultipleChoiceField):
        # With their labels, so the schema shares one enum with the serializers of the model.
        choices = [(c, label) for c, label in field.choices if c != ""]
        return serializers.ListField(child=serializers.ChoiceField(choices=choices), **common)
    if isinstance(field, forms.ChoiceField):
        choices = [(c, label) for c, label in field.choices if c != ""]
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


def _method(viewset: type[Any], table: ActionTable, entry: Action) -> Any:
    def handler(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        kwargs.pop("format", None)
        pk = kwargs.pop(self.lookup_url_kwarg or self.lookup_field, None)
        target = self.get_object() if entry.detail and pk is not None else None
        files = request.FILES if request.content_type.startswith("multipart/") else None
        call, result = table.perform(
            entry.name,
            actor=request.user,
            target=target,
            data=request.data,
            files=files,
            params=kwargs,
        )
        body = self.action_body(entry, call, result)
        return Response(body, status=entry.status)

    handler.__name__ = entry.attr
    request_schema: Any = form_serializer(entry.input) if entry.input is not None else None
    if entry.input is not None and any(
        isinstance(f, forms.FileField) for f in entry.input.base_fields.values()
    ):
        request_schema = {"multipart/form-data": request_schema}
    response_schema = entry.response_schema or getattr(viewset, "serializer_class", None)
    routed = drf_action(
        detail=entry.detail,
        methods=[entry.method],
        url_path=entry.url_path or entry.name,
        url_name=entry.name.replace("_", "-"),
    )(handler)
    # extend_schema goes outside: @action replaces the function's kwargs where it keeps the schema.
    return extend_schema(request=request_schema, responses={entry.status: response_schema})(routed)


class ActionViewSetMixin:
    """Give a viewset one endpoint per entry of `action_table` (explicit methods win)."""

    action_table: ClassVar[ActionTable | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        table = cls.__dict__.get("action_table")
        if table is None:
            return
        for entry in table:
            if entry.attr not in cls.__dict__:
                setattr(cls, entry.attr, _method(cls, table, entry))

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
