"""Read-only model serializers whose OpenAPI schema says what they answer.

Fuzzing the API with schemathesis (scripts/fuzz-api) found two ways a response broke its schema:

- DRF drops ``allow_blank`` from every read-only field it builds from a model
  (``read_only_fields``), so a ``CharField(choices=…, blank=True)`` or a ``URLField(blank=True)``
  is described as a plain enum or ``uri`` while the API answers ``""`` for an empty one (a
  meeting without a video link, a project without a proposed determination). Serializers of
  such models inherit from ``BlankAwareModelSerializer``: the blank value is kept in the field
  and so in the schema drf-spectacular writes (``oneOf`` the enum or ``BlankEnum``; a URI or a
  string of length 0).
- drf-spectacular lists every read-only field as required, but some keys are left out for some
  readers (the tally of a decision, R8/R20a: "not even the key"). A serializer names them in
  ``omitted_for_some_readers``; the extension below takes them out of ``required``.
"""

from typing import Any, ClassVar

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers


class BlankAwareModelSerializer(serializers.ModelSerializer):
    #: keys ``to_representation`` leaves out for some readers: not required in the schema
    omitted_for_some_readers: ClassVar[tuple[str, ...]] = ()

    def include_extra_kwargs(
        self, kwargs: dict[str, Any], extra_kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        allow_blank = kwargs.get("allow_blank", False)
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if allow_blank and kwargs.get("read_only"):
            kwargs["allow_blank"] = True  # what the row may hold, so what the schema must admit
        return kwargs


class _OmittedKeysAreOptional(OpenApiSerializerExtension):
    target_class = BlankAwareModelSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        omitted = set(getattr(self.target, "omitted_for_some_readers", ()))
        if omitted and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in omitted]
        return schema
