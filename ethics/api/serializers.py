from rest_framework import serializers

from ethics.models import User


class UserSerializer(serializers.ModelSerializer):
    """An account as the API shows it; input goes through ethics.forms.UserForm."""

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "institution", "institution_admin", "language"]
        read_only_fields = fields


class ChannelsSerializer(serializers.Serializer):
    """A person's notification channels: the inbox is always on."""

    in_app = serializers.BooleanField(read_only=True, default=True)
    email = serializers.BooleanField()
    digest = serializers.BooleanField()


class MeSerializer(UserSerializer):
    """One's own account (`/api/v1/users/me/`): with the channels and whether a calendar
    address is in use (the address itself is shown once, when it is made)."""

    channels = serializers.SerializerMethodField()
    calendar_feed = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "channels", "calendar_feed"]
        read_only_fields = fields

    def get_channels(self, user: User) -> dict[str, bool]:
        from ethics import channels

        prefs = channels.preferences(user)
        return {"in_app": True, "email": prefs.email, "digest": prefs.digest}

    def get_calendar_feed(self, user: User) -> bool:
        from ethics.channel_models import CalendarFeed

        return CalendarFeed.objects.filter(user=user).exists()
