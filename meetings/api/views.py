"""The meetings API (api.md, Meetings): reads through the selectors; every state change is an
entry of `meetings.actions.MEETINGS`, dispatched by `ActionViewSetMixin`."""

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ethics.actions import Action, Call
from ethics.api.actions import ActionViewSetMixin, form_serializer
from meetings import forms, selectors, services
from meetings.actions import MEETINGS
from meetings.api import serializers as s
from meetings.filters import MeetingFilter
from meetings.models import Meeting


class MeetingViewSet(
    ActionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Meetings of the committees the caller may see (api.md "Meetings"): agenda, attendance,
    recusals, votes and conclusions; actions change them."""

    action_table = MEETINGS

    serializer_class = s.MeetingSerializer
    # The meetings page's FilterSet: ?q=, ?o= and every filter mean the same on both routes.
    filterset_class = MeetingFilter

    def get_queryset(self) -> QuerySet[Meeting]:
        return selectors.meetings_for_user(self.request.user).prefetch_related("items")

    def _detail(self, meeting_id: int) -> dict[str, Any]:
        """The meeting with what the caller may see of each item (tallies, votes, attendance)."""
        meeting = selectors.meeting_get_for_user(self.request.user, meeting_id)
        attendance, views = selectors.board(meeting, self.request.user, reports=True)
        context = {"views": {v.item.pk: v for v in views}, "attendance": attendance}
        return s.MeetingSerializer(meeting, context=context).data

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._detail(self.get_object().pk))

    def action_body(self, entry: Action, call: Call, result: Any) -> Any:
        if entry.respond is not None:
            return entry.respond(call, result)
        return self._detail(call.target.pk if entry.detail else result.pk)

    @extend_schema(
        request=form_serializer(forms.ScheduleForm), responses={201: s.MeetingSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Schedule a meeting: the table's "schedule" action, at the collection's own URL (201;
        honours Idempotency-Key like every creating action)."""
        return self.act(request, "schedule")

    # POST /meetings/ is "schedule"; no second route for it.
    act_schedule = create


class MinutesPdfView(APIView):
    """GET /meetings/{id}/minutes.pdf: the latest locked version, audited."""

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request: Request, pk: int) -> FileResponse:
        meeting = selectors.meeting_get_for_user(request.user, pk)
        minutes = services.minutes_open(meeting_id=meeting.pk, actor=request.user)
        return FileResponse(
            minutes.file.open("rb"),
            as_attachment=True,
            filename=f"minutes-{meeting.pk}-v{minutes.version}.pdf",
            content_type="application/pdf",
        )
