"""What the committees API answers. Input goes through the action tables' forms
(committees/actions.py, committees/forms.py), so these serializers only read."""

from rest_framework import serializers

from committees.models import (
    Committee,
    CommitteeDocument,
    Entrustment,
    FieldOfWork,
    Institution,
    Membership,
    Pledge,
    RegimeChoice,
    Training,
)
from ethics.api.readonly import BlankAwareModelSerializer


class InstitutionSerializer(BlankAwareModelSerializer):
    class Meta:
        model = Institution
        fields = ["id", "name", "credit_code", "kind", "authority", "authority_other", "region"]
        read_only_fields = fields


class CommitteeSerializer(serializers.ModelSerializer):
    regimes = serializers.ListField(
        child=serializers.ChoiceField(choices=RegimeChoice.choices), read_only=True
    )
    fields_of_work = serializers.ListField(
        child=serializers.ChoiceField(choices=FieldOfWork.choices), read_only=True
    )

    class Meta:
        model = Committee
        fields = [
            "id",
            "institution",
            "name",
            "kind",
            "regimes",
            "fields_of_work",
            "established_on",
            "registration_status",
            "deputy",
            "emergency_member_review",  # R47-R49: the emergency SOP's member route
        ]
        read_only_fields = fields


class CompositionProblemSerializer(serializers.Serializer):
    code = serializers.CharField()
    rule = serializers.CharField()
    message = serializers.CharField()
    expertise = serializers.CharField(required=False)
    article = serializers.CharField(required=False)


class CompositionSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    members_in_term = serializers.IntegerField()
    problems = CompositionProblemSerializer(many=True)
    warnings = CompositionProblemSerializer(many=True)


class MembershipSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "committee",
            "user",
            "name",
            "role",
            "expertise",
            "gender",
            "external",
            "local_knowledge",
            "title",
            "term_start",
            "term_end",
            "appointment_ref",
            "ended_on",
            "end_reason",
        ]
        read_only_fields = fields


_FILE_FIELDS = ["original_name", "sha256", "size", "content_type", "quarantine"]


class DocumentSerializer(serializers.ModelSerializer):
    """One version of a charter or SOP document (the file itself: the document's download page)."""

    class Meta:
        model = CommitteeDocument
        fields = [
            "id",
            "committee",
            "kind",
            "version",
            "title",
            "effective_on",
            "uploaded_at",
            "retain_until",
            *_FILE_FIELDS,
        ]
        read_only_fields = fields


class PledgeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pledge
        fields = ["id", "membership", "kind", "signed_on", "valid_until", "note", *_FILE_FIELDS]
        read_only_fields = fields


class TrainingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Training
        fields = [
            "id",
            "membership",
            "title",
            "provider",
            "completed_on",
            "hours",
            *_FILE_FIELDS,
        ]
        read_only_fields = fields


class EntrustmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Entrustment
        fields = [
            "id",
            "entrusting_institution",
            "receiving_committee",
            "scope",
            "starts_on",
            "ends_on",
            "ended_on",
            "created_at",
            *_FILE_FIELDS,
        ]
        read_only_fields = fields


def _plain(value: object) -> object:
    """A rule value as JSON: fractions as "2/3", tuples as lists."""
    from fractions import Fraction

    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


class RuleSetSerializer(serializers.Serializer):
    """A committee's effective rule set (``committees.selectors.rule_rows``): every parameter
    with its rule ID, article, source (primary, secondary, unverified), default and SOP value."""

    def to_representation(self, committee: Committee) -> dict[str, object]:
        from committees.selectors import rule_rows

        return {
            "committee": committee.pk,
            "name": committee.name,
            "regimes": committee.regime_codes,
            "params": [
                {
                    "name": row.name,
                    "label": str(row.param.label),
                    "rule": row.param.rule,
                    "article": row.param.article,
                    "source": str(row.param.source),
                    "value": _plain(row.param.value),
                    "default": _plain(row.default.value),
                    "committee_set": row.param.committee_set,
                    "settable": row.bounds is not None,
                    "bounds": list(row.bounds) if row.bounds else None,
                }
                for row in rule_rows(committee)
            ],
        }


class ImportRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(read_only=True)
    key = serializers.CharField(read_only=True)
    outcome = serializers.CharField(
        read_only=True, help_text="created, updated, unchanged or error"
    )
    changed = serializers.ListField(child=serializers.CharField(), read_only=True)
    errors = serializers.ListField(child=serializers.CharField(), read_only=True)


class ImportBatchSerializer(serializers.ModelSerializer):
    """A checked directory sheet and its per-row report (README "Directory import")."""

    report = ImportRowSerializer(many=True, read_only=True)
    counts = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    has_errors = serializers.BooleanField(read_only=True)

    class Meta:
        from committees.models import ImportBatch

        model = ImportBatch
        fields = [
            "id",
            "kind",
            "committee",
            "file_name",
            "sha256",
            "created_by",
            "created_at",
            "checked_at",
            "applied_at",
            "counts",
            "has_errors",
            "report",
        ]
        read_only_fields = fields
