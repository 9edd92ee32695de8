from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ethics.list_filters import action_label, cause_label, object_type_label
from ethics.models import AuditEvent, Notification, User


class UserSerializer(serializers.ModelSerializer):
    """An account as the API shows it; input goes through ethics.forms.UserForm."""

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "institution", "institution_admin", "language"]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    """An inbox entry; `cause` is what a person reads (the action's label, the rule)."""

    cause = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "created_at", "title", "body", "url", "cause", "read", "read_at"]
        read_only_fields = fields

    def get_cause(self, note: Notification) -> str:
        return cause_label(note.cause)

    def get_read(self, note: Notification) -> bool:
        return note.read_at is not None


class AuditEventSerializer(serializers.ModelSerializer):
    """One audit event (api.md "Audit"): the actor by name, the action's code and label."""

    at = serializers.DateTimeField(source="created_at")
    actor = serializers.SerializerMethodField()
    action_label = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "action_label",
            "target",
            "before",
            "after",
            "reason",
        ]
        read_only_fields = fields

    def get_actor(self, event: AuditEvent) -> dict[str, Any] | None:
        if event.actor is None:
            return {"id": None, "name": str(_("System"))}
        return {"id": event.actor_id, "name": event.actor.display_name}

    def get_action_label(self, event: AuditEvent) -> str:
        return action_label(event.action)

    def get_target(self, event: AuditEvent) -> dict[str, Any] | None:
        if event.target_type is None:
            return None
        return {
            "type": f"{event.target_type.app_label}.{event.target_type.model}",
            "type_label": object_type_label(event.target_type),
            "id": event.target_id,
            "label": event.target_repr,
        }


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
