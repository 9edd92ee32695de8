from django.contrib.auth.password_validation import validate_password
from rest_framework import serializers

from ethics.models import User


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "email",
            "institution",
            "institution_admin",
            "language",
            "password",
        ]
        read_only_fields = ["id"]

    def validate_password(self, value: str) -> str:
        validate_password(value)
        return value
