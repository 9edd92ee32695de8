"""The meetings API: the same selectors and services as the pages (api.md, Meetings)."""

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from committees.models import Committee
from ethics import policies
from meetings import selectors, services
from meetings.api import serializers as s
from meetings.models import Meeting
from meetings.workflow import ItemStatus


def _valid(serializer_class: Any, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


ITEM = r"items/(?P<item_id>[0-9]+)"


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.MeetingSerializer
    filterset_fields = ["committee", "status"]

    def get_queryset(self) -> QuerySet[Meeting]:
        return selectors.meetings_for_user(self.request.user).prefetch_related("items")

    def _detail(self, meeting_id: int, code: int = status.HTTP_200_OK) -> Response:
        meeting = selectors.meeting_get_for_user(self.request.user, meeting_id)
        attendance, views = selectors.board(meeting, self.request.user)
        context = {"views": {v.item.pk: v for v in views}, "attendance": attendance}
        return Response(s.MeetingSerializer(meeting, context=context).data, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object().pk)

    def _item(self, pk: str, item_id: str) -> Any:
        return selectors.item_get_for_user(self.request.user, int(pk), int(item_id))

    @extend_schema(request=s.MeetingCreateInput, responses={201: s.MeetingSerializer})
    def create(self, request: Request) -> Response:
        data = _valid(s.MeetingCreateInput, request)
        committee = policies.get_visible_or_404(
            request.user, Committee.objects.all(), pk=data.pop("committee")
        )
        meeting = services.meeting_schedule(committee=committee, actor=request.user, **data)
        return self._detail(meeting.pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.AgendaItemInput, responses={201: s.AgendaItemSerializer})
    @action(detail=True, methods=["post"])
    def items(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        data = _valid(s.AgendaItemInput, request)
        if data.get("application"):
            item = services.agenda_add(
                meeting_id=meeting.pk, application_id=data["application"], actor=request.user
            )
        else:
            item = services.agenda_add_other(
                meeting_id=meeting.pk, title=data["title"], actor=request.user
            )
        return Response(s.AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AgendaOrderInput, responses=s.MeetingSerializer)
    @action(detail=True, methods=["post"], url_path="items/order")
    def order(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        data = _valid(s.AgendaOrderInput, request)
        services.agenda_reorder(meeting_id=meeting.pk, item_ids=data["items"], actor=request.user)
        return self._detail(meeting.pk)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=ITEM)
    def remove_item(self, request: Request, pk: str, item_id: str) -> Response:
        item = self._item(pk, item_id)
        services.agenda_remove(item_id=item.pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=s.MeetingSerializer)
    @action(detail=True, methods=["post"])
    def notice(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        services.notice_send(meeting_id=meeting.pk, actor=request.user)
        return self._detail(meeting.pk)

    @extend_schema(request=s.MeetingOpenInput, responses=s.MeetingSerializer)
    @action(detail=True, methods=["post"], url_path="open")
    def open_(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        data = _valid(s.MeetingOpenInput, request)
        services.meeting_open(meeting_id=meeting.pk, actor=request.user, **data)
        return self._detail(meeting.pk)

    @extend_schema(request=s.ItemDeclareInput, responses=s.ItemDeclareOutput)
    @action(detail=True, methods=["post"], url_path=f"{ITEM}/declaration")
    def declaration(self, request: Request, pk: str, item_id: str) -> Response:
        item = self._item(pk, item_id)
        data = _valid(s.ItemDeclareInput, request)
        services.member_declare(item_id=item.pk, actor=request.user, **data)
        return Response({"item": item.pk, "conflicted": data["conflicted"]})

    @extend_schema(request=s.ItemRecusalInput, responses={201: s.ItemRecusalInput})
    @action(detail=True, methods=["post"], url_path=f"{ITEM}/recusals")
    def recusals(self, request: Request, pk: str, item_id: str) -> Response:
        item = self._item(pk, item_id)
        data = _valid(s.ItemRecusalInput, request)
        recusal = services.recusal_record(
            item_id=item.pk, membership_id=data["member"], reason=data["reason"], actor=request.user
        )
        return Response(
            {"member": recusal.membership_id, "reason": recusal.reason},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.ItemConsultantInput, responses={201: s.ItemConsultantInput})
    @action(detail=True, methods=["post"], url_path=f"{ITEM}/consultants")
    def consultants(self, request: Request, pk: str, item_id: str) -> Response:
        item = self._item(pk, item_id)
        data = _valid(s.ItemConsultantInput, request)
        consultant = services.consultant_admit(item_id=item.pk, actor=request.user, **data)
        return Response(
            {
                "name": consultant.name,
                "affiliation": consultant.affiliation,
                "declaration": consultant.declaration,
                "no_direct_interest": True,
            },
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.ItemVoteInput, responses={201: s.ItemVoteOutput})
    @action(detail=True, methods=["post"], url_path=f"{ITEM}/votes")
    def votes(self, request: Request, pk: str, item_id: str) -> Response:
        item = self._item(pk, item_id)
        data = _valid(s.ItemVoteInput, request)
        vote = services.vote_cast(
            item_id=item.pk,
            choice=data["choice"],
            membership_id=data.get("member"),
            actor=request.user,
        )
        return Response(
            {"item": item.pk, "member": vote.membership_id, "choice": vote.choice},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.ItemNotesInput, responses=s.AgendaItemSerializer)
    @action(detail=True, methods=["post"], url_path=f"{ITEM}/notes")
    def notes(self, request: Request, pk: str, item_id: str) -> Response:
        item = self._item(pk, item_id)
        data = _valid(s.ItemNotesInput, request)
        item = services.item_note(item_id=item.pk, notes=data["notes"], actor=request.user)
        return Response(s.AgendaItemSerializer(item).data)

    @extend_schema(request=s.ItemConcludeInput, responses=s.ItemConcludeOutput)
    @action(detail=True, methods=["post"], url_path=f"{ITEM}/conclude")
    def conclude(self, request: Request, pk: str, item_id: str) -> Response:
        """Adopt the outcome with at least 2/3 of the members present and not recused (R24;
        NHC: also more than half of all members, N4), or defer the item keeping the tally.

        The base counts every member present, in term and not recused: abstentions and members
        who did not vote count in it. Concluding again returns the same result (one decision).
        "conditions" (修改后批准, 修改后再审) and "reasons" (不予批准) are required by R23; under
        NHC, "dissent" is required when anyone voted against (N4).
        """
        item = self._item(pk, item_id)
        data = _valid(s.ItemConcludeInput, request)
        item = services.item_conclude(item_id=item.pk, actor=request.user, **data)
        return Response(
            {
                "outcome": item.outcome,
                "deferred": item.status == ItemStatus.DEFERRED,
                "tally": item.tally,
                "decision": item.decision_id,
            }
        )

    @extend_schema(request=s.DeferInput, responses=s.ItemConcludeOutput)
    @action(detail=True, methods=["post"], url_path=f"{ITEM}/defer")
    def defer(self, request: Request, pk: str, item_id: str) -> Response:
        item = self._item(pk, item_id)
        data = _valid(s.DeferInput, request)
        item = services.item_defer(item_id=item.pk, actor=request.user, reason=data["reason"])
        return Response({"outcome": None, "deferred": True, "tally": item.tally, "decision": None})

    @extend_schema(request=None, responses=s.MeetingSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        services.meeting_close(meeting_id=meeting.pk, actor=request.user)
        return self._detail(meeting.pk)

    @extend_schema(request=s.MinutesCorrectionInput, responses={201: s.MinutesCorrectionInput})
    @action(detail=True, methods=["post"])
    def corrections(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        data = _valid(s.MinutesCorrectionInput, request)
        correction = services.minutes_correct(
            meeting_id=meeting.pk, text=data["text"], actor=request.user
        )
        return Response({"text": correction.text}, status=status.HTTP_201_CREATED)


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
