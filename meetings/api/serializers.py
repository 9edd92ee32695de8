"""Serializers of the meetings API (api.md, Meetings).

Enum-valued fields are plain strings annotated with an inline enum, so the schema lists the
values without adding enum components whose names ("status", "kind", "mode") other resources use.
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ethics.api.readonly import BlankAwareModelSerializer
from meetings.models import AgendaItem, Meeting, VoteChoice
from meetings.selectors import ItemView
from meetings.workflow import DONE_ITEM_STATUSES, ItemKind, ItemStatus, Mode, Status
from reviews.models import Outcome


def _enum_field(values: list[str], **kwargs: Any) -> serializers.CharField:
    @extend_schema_field({"type": "string", "enum": values})
    class EnumString(serializers.CharField):
        pass

    return EnumString(**kwargs)


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "present": {"type": "integer"},
            "recused": {"type": "integer"},
            "not_voted": {"type": "integer"},
            "threshold": {"type": "integer"},
            "total_members": {"type": "integer"},
            "consultants": {"type": "integer"},
            "rules": {"type": "array", "items": {"type": "string"}},
        },
    }
)
class TallyField(serializers.JSONField):
    pass


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "description": "One of: " + ", ".join(Outcome.values) + " (the decision outcomes).",
    }
)
class OutcomeField(serializers.CharField):
    """A decision outcome; typed as a string so the schema reuses no other "outcome" enum."""


class AgendaItemSerializer(serializers.ModelSerializer):
    kind = _enum_field(ItemKind.values, read_only=True)
    status = _enum_field(ItemStatus.values, read_only=True)
    outcome = OutcomeField(read_only=True, allow_null=True)
    deferred = serializers.SerializerMethodField()
    tally = serializers.SerializerMethodField()
    votes = serializers.SerializerMethodField()

    class Meta:
        model = AgendaItem
        fields = [
            "id", "position", "kind", "application", "title", "status", "outcome", "deferred",
            "decision", "conditions", "reasons", "dissent", "notes", "tally", "votes",
        ]  # fmt: skip
        read_only_fields = fields

    def _view(self, item: AgendaItem) -> ItemView | None:
        return self.context.get("views", {}).get(item.pk)

    def _hidden(self) -> set[int]:
        """Applications whose discussion the reader may not see (conflicted or applicant, R20a);
        read once per response and shared by every meeting of a list."""
        if "hidden_applications" not in self.context:
            from reviews.models import Application
            from reviews.policies import tally_hidden_filter

            request = self.context.get("request")
            user = getattr(request, "user", None)
            hidden: set[int] = set()
            if user is not None and user.is_authenticated:
                hidden = set(
                    Application.objects.filter(tally_hidden_filter(user)).values_list(
                        "pk", flat=True
                    )
                )
            self.context["hidden_applications"] = hidden
        return self.context["hidden_applications"]

    def to_representation(self, instance: AgendaItem) -> dict[str, Any]:
        data = super().to_representation(instance)
        view = self._view(instance)
        hidden = (
            view.conflicted
            if view is not None
            else instance.application_id is not None and instance.application_id in self._hidden()
        )
        if hidden:
            # The discussion notes and dissenting opinions are the members' opinions.
            data["notes"] = ""
            data["dissent"] = ""
        return data

    def get_deferred(self, item: AgendaItem) -> bool:
        return item.status == ItemStatus.DEFERRED

    @extend_schema_field(TallyField)
    def get_tally(self, item: AgendaItem) -> dict[str, Any] | None:
        view = self._view(item)
        if view is None or not view.may_see_tally:
            return None
        if item.status in DONE_ITEM_STATUSES:
            return item.tally or None
        return view.tally.as_dict() if view.tally else None

    @extend_schema_field(
        {
            "type": "array",
            "nullable": True,
            "items": {
                "type": "object",
                "properties": {"member": {"type": "integer"}, "choice": {"type": "string"}},
            },
        }
    )
    def get_votes(self, item: AgendaItem) -> list[dict[str, Any]] | None:
        view = self._view(item)
        if view is None or not view.may_see_votes:
            return None
        return [{"member": v.membership_id, "choice": v.choice} for v in view.votes]


class MeetingSerializer(BlankAwareModelSerializer):
    mode = _enum_field(Mode.values, read_only=True)
    status = _enum_field(Status.values, read_only=True)
    items = serializers.SerializerMethodField()
    present = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id", "committee", "title", "starts_at", "mode", "place", "video_link", "status",
            "presiding", "designation", "present", "notice_sent_at", "opened_at", "closed_at",
            "cancelled_at", "cancel_reason", "items",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_present(self, meeting: Meeting) -> list[int]:
        attendance = self.context.get("attendance")
        if attendance is None:
            return []
        return [a.membership_id for a in attendance]

    @extend_schema_field(AgendaItemSerializer(many=True))
    def get_items(self, meeting: Meeting) -> list[dict[str, Any]]:
        views = self.context.get("views")
        if views is not None:
            items = [view.item for view in views.values()]
        else:
            items = list(meeting.items.all())
        return AgendaItemSerializer(items, many=True, context=self.context).data


class ItemDeclareOutput(serializers.Serializer):
    item = serializers.IntegerField()
    conflicted = serializers.BooleanField()


class RecusalOutput(serializers.Serializer):
    member = serializers.IntegerField()
    reason = serializers.CharField()


class ConsultantOutput(serializers.Serializer):
    name = serializers.CharField()
    affiliation = serializers.CharField()
    declaration = serializers.CharField()
    no_direct_interest = serializers.SerializerMethodField()

    def get_no_direct_interest(self, _consultant: Any) -> bool:
        return True  # a consultant is admitted only after declaring it (R20)


class ItemVoteOutput(serializers.Serializer):
    item = serializers.IntegerField()
    member = serializers.IntegerField()
    choice = _enum_field(VoteChoice.values)


class ExcusalOutput(serializers.Serializer):
    member = serializers.IntegerField()
    reason = serializers.CharField()


class AttendanceOutput(serializers.Serializer):
    member = serializers.IntegerField()
    arrived_at = serializers.DateTimeField()
    left_at = serializers.DateTimeField(allow_null=True)


class ItemConcludeOutput(serializers.Serializer):
    status = serializers.CharField()
    outcome = OutcomeField(allow_null=True)
    deferred = serializers.BooleanField()
    tally = TallyField()
    decision = serializers.IntegerField(allow_null=True)


class CorrectionOutput(serializers.Serializer):
    text = serializers.CharField()
