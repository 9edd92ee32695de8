from rest_framework import serializers

from ethics.models import User


class UserSerializer(serializers.ModelSerializer):
    """An account as the API shows it; input goes through ethics.forms.UserForm."""

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "institution", "institution_admin", "language"]
        read_only_fields = fields
