from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ethics.models import Deadline
from registry import selectors
from registry.models import Filing, PackageState
from registry.workflow import Kind as FilingKind
from registry.workflow import Status as FilingStatus


@extend_schema_field(
    {
        "type": "object",
        "properties": {"type": {"type": "string"}, "id": {"type": "integer"}},
        "required": ["type", "id"],
    }
)
class SubjectField(serializers.Field):
    def to_representation(self, value: Deadline) -> dict:
        return {"type": value.subject_type.model, "id": value.subject_id}


class DeadlineSerializer(serializers.ModelSerializer):
    subject = SubjectField(source="*", read_only=True)
    committee = serializers.IntegerField(
        source="committee_id", read_only=True, allow_null=True, label=_("committee")
    )

    class Meta:
        model = Deadline
        fields = [
            "id",
            "kind",
            "subject",
            "committee",
            "title",
            "rule",
            "due_at",
            "state",
            "met_at",
        ]
        read_only_fields = fields


def _inline_enum(values: list[str]) -> dict:
    # Inline enums: a named component would collide with the other "kind"/"status" enums.
    return {"type": "string", "enum": values}


@extend_schema_field(_inline_enum(FilingKind.values))
class FilingKindField(serializers.CharField):
    pass


@extend_schema_field(_inline_enum(FilingStatus.values))
class FilingStatusField(serializers.CharField):
    pass


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {
            "version": {"type": "integer"},
            "state": {"type": "string", "enum": PackageState.values},
            "verification_hash": {"type": "string"},
            "rendered_at": {"type": "string", "format": "date-time", "nullable": True},
            "pdf": {"type": "string", "nullable": True},
            "signed_off_by": {"type": "integer", "nullable": True},
            "signed_off_at": {"type": "string", "format": "date-time", "nullable": True},
        },
    }
)
class PackageField(serializers.Field):
    def to_representation(self, filing: Filing) -> dict | None:
        package = selectors.latest_package(filing)
        if package is None:
            return None
        request = self.context.get("request")
        pdf_url = None
        if package.state == PackageState.READY:
            pdf_url = reverse("filing-package-pdf", args=[filing.pk])
            if request is not None:
                pdf_url = request.build_absolute_uri(pdf_url)
        return {
            "version": package.version,
            "state": package.state,
            "verification_hash": package.verification_hash,
            "rendered_at": package.rendered_at,
            "pdf": pdf_url,
            "signed_off_by": package.signed_off_by_id,
            "signed_off_at": package.signed_off_at,
        }


class FilingSerializer(serializers.ModelSerializer):
    kind = FilingKindField(read_only=True)
    status = FilingStatusField(read_only=True)
    package = PackageField(source="*", read_only=True)

    class Meta:
        model = Filing
        fields = [
            "id",
            "kind",
            "committee",
            "project",
            "period",
            "due_on",
            "status",
            "receipt",
            "submitted_on",
            "acknowledged_on",
            "rule",
            "deadline",
            "package",
        ]
        read_only_fields = fields
