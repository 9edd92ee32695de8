from rest_framework import serializers

from committees.models import Committee, FieldOfWork, Institution, Membership, RegimeChoice
from ethics.validators import normalize_credit_code


class InstitutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = ["id", "name", "credit_code", "kind", "authority", "authority_other", "region"]

    def to_internal_value(self, data):
        if hasattr(data, "get") and isinstance(data.get("credit_code"), str):
            data = data.copy()
            data["credit_code"] = normalize_credit_code(data["credit_code"])
        return super().to_internal_value(data)


class CommitteeSerializer(serializers.ModelSerializer):
    regimes = serializers.ListField(
        child=serializers.ChoiceField(choices=RegimeChoice.choices), allow_empty=False
    )
    fields_of_work = serializers.ListField(
        child=serializers.ChoiceField(choices=FieldOfWork.choices), required=False
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
        ]
        read_only_fields = ["registration_status"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            from committees.selectors import institutions_for_user

            # Only institutions the caller can see are accepted, so others stay invisible.
            fields["institution"].queryset = institutions_for_user(request.user)
        if self.instance is not None and not isinstance(self.instance, list):
            fields["institution"].read_only = True
        return fields


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
        read_only_fields = ["committee", "ended_on", "end_reason"]
        # The unique open-membership rule is checked by the service with a clear error.
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            fields["user"].read_only = True
        return fields

    def validate(self, attrs):
        start = attrs.get("term_start", getattr(self.instance, "term_start", None))
        end = attrs.get("term_end", getattr(self.instance, "term_end", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"term_end": "The term cannot end before it starts."}, code="invalid"
            )
        return attrs


class MembershipEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
