"""Every state change of meetings, declared once for the pages and the API (ethics.actions).

One table, `MEETINGS`, whose target is the meeting. Actions on one agenda item carry the item id
in the URL: `POST /api/v1/meetings/{id}/items/{item_id}/<path>/` and
`/meetings/{id}/items/{item_id}/do/<name>/`; the item is looked up in that meeting, through the
same permission-scoped selector (404 when it is not there). Creating a meeting ("schedule") is
`POST /api/v1/meetings/` and the page `/meetings/new/`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse

from committees.models import Committee
from ethics import policies
from ethics.actions import Action, ActionTable, Call, policy
from ethics.models import User
from meetings import forms, selectors, services, workflow
from meetings.api import serializers as s
from meetings.models import AgendaItem, Meeting, VoteChoice
from meetings.policies import officer_committee_ids
from meetings.workflow import ItemStatus
from reviews.models import Application, Outcome
from reviews.selectors import next_decision_number

ITEM = r"items/(?P<item_id>[0-9]+)"

# --- who may (403 otherwise) and when a button is offered (the services still decide: 409) ---


def may_schedule(user: User, _target: Any = None) -> bool:
    """Officers (chair, vice-chair, secretary in term) schedule their committees' meetings."""
    return bool(user.is_superuser or officer_committee_ids(user))


def may_vote(user: User, meeting: Meeting) -> bool:
    """Members vote for themselves; officers record a member's vote."""
    return policies.may(user, "vote_self", meeting) or policies.may(user, "record", meeting)


def _offered(action: workflow.Action) -> Any:
    def shown(meeting: Meeting) -> bool:
        return workflow.allowed(meeting.status, action)

    return shown


# --- input choices that depend on the meeting ---------------------------------------------------


def _items(meeting: Meeting) -> QuerySet[AgendaItem]:
    return AgendaItem.objects.filter(meeting_id=meeting.pk).order_by("position", "id")


def _schedule_kwargs(user: User, _target: Any) -> dict[str, Any]:
    # The committees this person runs: any other id is "not a valid choice" (400), never a hint
    # that another institution's committee exists.
    committees = Committee.objects.all()
    if not user.is_superuser:
        committees = committees.filter(pk__in=officer_committee_ids(user))
    return {"committees": committees.order_by("name", "id")}


def _add_kwargs(_user: User, meeting: Meeting) -> dict[str, Any]:
    # Any application of the committee; whether it waits for a meeting is the service's 409 (R15).
    return {"applications": Application.objects.filter(committee_id=meeting.committee_id)}


def _items_kwargs(_user: User, meeting: Meeting) -> dict[str, Any]:
    return {"items": _items(meeting)}


def _members_kwargs(_user: User, meeting: Meeting) -> dict[str, Any]:
    # Any member of the committee: a member out of term, absent or recused is the service's 409
    # with its rule (R7, R18, R19, R20a), not "not a valid choice".
    return {"members": selectors.voting_members(meeting.committee_id)}


# --- services -----------------------------------------------------------------------------------


def _item(call: Call) -> AgendaItem:
    """The agenda item named in the URL, on this meeting and visible to the actor, or 404."""
    item_id = call.params.get("item_id")
    if item_id is None:
        raise Http404
    return selectors.item_get_for_user(call.actor, call.target.pk, int(item_id))


def _schedule(call: Call) -> Meeting:
    return services.meeting_schedule(actor=call.actor, **call.data)


def _add(call: Call) -> AgendaItem:
    application = call.data["application"]
    if application is not None:
        return services.agenda_add(
            meeting_id=call.target.pk, application_id=application.pk, actor=call.actor
        )
    return services.agenda_add_other(
        meeting_id=call.target.pk, title=call.data["title"], actor=call.actor
    )


def _order(call: Call) -> Any:
    return services.agenda_reorder(
        meeting_id=call.target.pk, item_ids=call.data["items"], actor=call.actor
    )


def _move(call: Call) -> Any:
    return services.agenda_move(
        meeting_id=call.target.pk,
        item_id=call.data["item"].pk,
        direction=call.data["direction"],
        actor=call.actor,
    )


def _reports(call: Call) -> Any:
    return services.agenda_sync_reports(meeting_id=call.target.pk, actor=call.actor)


def _notice(call: Call) -> Any:
    return services.notice_send(meeting_id=call.target.pk, actor=call.actor)


def _open(call: Call) -> Any:
    return services.meeting_open(
        meeting_id=call.target.pk,
        present=[m.pk for m in call.data["present"]],
        presiding=call.data["presiding"].pk,
        designation=call.data["designation"],
        actor=call.actor,
    )


def _close(call: Call) -> Any:
    return services.meeting_close(meeting_id=call.target.pk, actor=call.actor)


def _correct(call: Call) -> Any:
    return services.minutes_correct(
        meeting_id=call.target.pk, text=call.data["text"], actor=call.actor
    )


def _declare(call: Call) -> Any:
    return services.member_declare(item_id=_item(call).pk, actor=call.actor, **call.data)


def _recuse(call: Call) -> Any:
    return services.recusal_record(
        item_id=_item(call).pk,
        membership_id=call.data["member"].pk,
        reason=call.data["reason"],
        actor=call.actor,
    )


def _consultant(call: Call) -> Any:
    return services.consultant_admit(item_id=_item(call).pk, actor=call.actor, **call.data)


def _vote(call: Call) -> Any:
    member = call.data["member"]
    return services.vote_cast(
        item_id=_item(call).pk,
        choice=call.data["choice"],
        membership_id=member.pk if member is not None else None,
        actor=call.actor,
    )


def _notes(call: Call) -> Any:
    return services.item_note(item_id=_item(call).pk, notes=call.data["notes"], actor=call.actor)


def _conclude(call: Call) -> Any:
    data = {k: v for k, v in call.data.items() if k != "confirm"}
    return services.item_conclude(item_id=_item(call).pk, actor=call.actor, **data)


def _defer(call: Call) -> Any:
    return services.item_defer(item_id=_item(call).pk, reason=call.data["reason"], actor=call.actor)


def _concluded_message(_call: Call, item: AgendaItem) -> Any:
    """A deferral says so ("已暂缓"), never that a conclusion was reached."""
    if item.status == ItemStatus.DEFERRED:
        return _("The item was deferred.")
    return _("The item was concluded.")


def _cancel(call: Call) -> Any:
    return services.meeting_cancel(
        meeting_id=call.target.pk, reason=call.data["reason"], actor=call.actor
    )


def _reschedule(call: Call) -> Any:
    return services.meeting_reschedule(
        meeting_id=call.target.pk,
        starts_at=call.data["starts_at"],
        reason=call.data["reason"],
        actor=call.actor,
    )


def _excuse(call: Call) -> Any:
    return services.member_excuse(
        meeting_id=call.target.pk,
        membership_id=call.data["member"].pk,
        reason=call.data["reason"],
        actor=call.actor,
    )


def _arrive(call: Call) -> Any:
    return services.attendance_arrive(
        meeting_id=call.target.pk,
        membership_id=call.data["member"].pk,
        at=call.data.get("at"),
        actor=call.actor,
    )


def _depart(call: Call) -> Any:
    return services.attendance_depart(
        meeting_id=call.target.pk,
        membership_id=call.data["member"].pk,
        at=call.data.get("at"),
        actor=call.actor,
    )


def _attendance_body(_call: Call, row: Any) -> dict[str, Any]:
    return {
        "member": row.membership_id,
        "arrived_at": row.arrived_at.isoformat(),
        "left_at": row.left_at.isoformat() if row.left_at else None,
    }


def _remove(call: Call) -> None:
    services.agenda_remove(item_id=_item(call).pk, actor=call.actor)


# --- API bodies that are not the meeting (api.md) ------------------------------------------------


def _item_body(_call: Call, item: AgendaItem) -> Any:
    return s.AgendaItemSerializer(item).data


def _conclusion(_call: Call, item: AgendaItem) -> dict[str, Any]:
    return {
        "status": item.status,
        "outcome": item.outcome,
        "deferred": item.status == ItemStatus.DEFERRED,
        "tally": item.tally,
        "decision": item.decision_id,
    }


# --- what an irreversible step does, said before it is taken (ethics.actions.Action.confirm) ---


def _confirm_conclude(call: Call) -> list[Any]:
    """What concluding does now: adopt the outcome that has the votes (numbered decision), or,
    with votes missing, defer the item back to the queue (已暂缓), as item_conclude will."""
    item = _item(call)
    if not item.votable:
        return [_("“%(item)s” is recorded as noted; nothing more can be recorded on it.")
                % {"item": item.title}]  # fmt: skip
    tally = selectors.item_tally(item)
    lines: list[Any] = []
    if tally.not_voted:
        lines.append(
            _("%(missing)s of %(present)s members present have not voted.")
            % {"missing": tally.not_voted, "present": tally.present}
        )
    if not tally.quorate:
        lines.append(_("The quorum for this item is not met (R19); concluding will be refused."))
    elif tally.adopted is None:
        lines.append(
            _(
                "No outcome has the %(threshold)s votes needed (R24): concluding now defers the "
                "item and it returns to the queue for a later meeting."
            )
            % {"threshold": tally.threshold}
        )
    else:
        outcome = Outcome(tally.adopted).label
        lines.append(
            _("“%(outcome)s” has the votes needed (R24) and is adopted as the decision.")
            % {"outcome": outcome}
        )
        if item.application_id is not None:
            lines.append(
                _("This takes decision number %(number)s and cannot be undone.")
                % {"number": next_decision_number(call.target.committee_id)}
            )
    return lines


def _confirm_defer(call: Call) -> Any:
    return _(
        "“%(item)s” is deferred: no decision is taken at this meeting and it returns "
        "to the queue for a later meeting. This cannot be undone at this meeting."
    ) % {"item": _item(call).title}


def _confirm_close(call: Call) -> list[Any]:
    return [
        _(
            "The meeting is closed: no more attendance, votes or items can be recorded, and the "
            "minutes are prepared from what is recorded now."
        ),
        _("This cannot be undone; later changes are corrections appended to the minutes."),
    ]


def _confirm_cancel(call: Call) -> Any:
    return _(
        "The meeting is cancelled and every member is notified; its items return to the queue. "
        "This cannot be undone; schedule a new meeting instead."
    )


def _confirm_vote(call: Call) -> Any:
    member = call.data.get("member")
    choice = VoteChoice(call.data["choice"]).label
    if member is None:
        return _(
            "Your vote “%(choice)s” is recorded on “%(item)s” and counts in the tally; it can be "
            "changed only until the item is concluded."
        ) % {"choice": choice, "item": _item(call).title}
    return _(
        "The vote “%(choice)s” is recorded for %(member)s on “%(item)s” and counts in the "
        "tally; it can be changed only until the item is concluded."
    ) % {"choice": choice, "member": member.user.display_name, "item": _item(call).title}


def _confirm_remove(call: Call) -> Any:
    return _(
        "“%(item)s” is removed from the agenda and the declarations on it are discarded; an "
        "application returns to the queue. To discuss it here it must be added again."
    ) % {"item": _item(call).title}


MEETINGS = ActionTable(
    "meetings.meeting",
    load=lambda user, pk, item_id=None: _load(user, pk, item_id),
    actions=[
        Action(
            "schedule",
            run=_schedule,
            label=_("Schedule a meeting"),
            input=forms.ScheduleForm,
            form_kwargs=_schedule_kwargs,
            allowed=may_schedule,
            done=_("The meeting was scheduled."),
            status=201,
            detail=False,
            on_page=False,
        ),
        Action(
            "add",
            run=_add,
            label=_("Add to the agenda"),
            input=forms.AgendaItemForm,
            form_kwargs=_add_kwargs,
            allowed=policy("edit_agenda"),
            shown=_offered(workflow.Action.EDIT_AGENDA),
            done=_("The item is on the agenda."),
            status=201,
            url_path="items",
            respond=_item_body,
            response_schema=s.AgendaItemSerializer,
        ),
        Action(
            "order",
            run=_order,
            label=workflow.Action.EDIT_AGENDA.label,
            input=forms.OrderForm,
            form_kwargs=_items_kwargs,
            allowed=policy("edit_agenda"),
            shown=_offered(workflow.Action.EDIT_AGENDA),
            done=_("The agenda was reordered."),
            url_path="items/order",
        ),
        Action(
            "move",
            run=_move,
            label=workflow.Action.EDIT_AGENDA.label,
            input=forms.MoveForm,
            form_kwargs=_items_kwargs,
            allowed=policy("edit_agenda"),
            shown=_offered(workflow.Action.EDIT_AGENDA),
            done=_("The agenda was reordered."),
            url_path="items/move",
        ),
        Action(
            "reports",
            run=_reports,
            label=workflow.Action.EDIT_AGENDA.label,
            allowed=policy("edit_agenda"),
            shown=_offered(workflow.Action.EDIT_AGENDA),
            done=_("Simplified decisions were added as reports."),
            url_path="items/reports",
        ),
        Action(
            "notice",
            run=_notice,
            label=workflow.Action.SEND_NOTICE.label,
            allowed=policy("send_notice"),
            shown=_offered(workflow.Action.SEND_NOTICE),
            done=_("The notice was sent."),
        ),
        Action(
            "open",
            run=_open,
            label=workflow.Action.OPEN.label,
            input=forms.OpenForm,
            form_kwargs=_members_kwargs,
            allowed=policy("open"),
            shown=_offered(workflow.Action.OPEN),
            done=_("The meeting is open."),
        ),
        Action(
            "close",
            run=_close,
            confirm=_confirm_close,
            label=workflow.Action.CLOSE.label,
            allowed=policy("close"),
            shown=_offered(workflow.Action.CLOSE),
            done=_("The meeting is closed; the minutes are being prepared."),
        ),
        Action(
            "correct",
            run=_correct,
            label=workflow.Action.CORRECT.label,
            input=forms.CorrectionForm,
            allowed=policy("correct"),
            shown=_offered(workflow.Action.CORRECT),
            done=_("The correction was appended to the minutes."),
            status=201,
            url_path="corrections",
            respond=lambda _call, correction: {"text": correction.text},
            response_schema=s.CorrectionOutput,
        ),
        Action(
            "cancel",
            run=_cancel,
            confirm=_confirm_cancel,
            label=workflow.Action.CANCEL.label,
            input=forms.CancelForm,
            allowed=policy("cancel"),
            shown=_offered(workflow.Action.CANCEL),
            done=_("The meeting was cancelled; members were notified."),
        ),
        Action(
            "reschedule",
            run=_reschedule,
            label=workflow.Action.RESCHEDULE.label,
            input=forms.RescheduleForm,
            allowed=policy("reschedule"),
            shown=_offered(workflow.Action.RESCHEDULE),
            done=_("The meeting was rescheduled; members were notified."),
        ),
        Action(
            "excuse",
            run=_excuse,
            label=workflow.Action.EXCUSE.label,
            input=forms.ExcuseForm,
            form_kwargs=_members_kwargs,
            allowed=policy("excuse"),
            shown=_offered(workflow.Action.EXCUSE),
            done=_("The member was excused."),
            status=201,
            url_path="excusals",
            respond=lambda _call, e: {"member": e.membership_id, "reason": e.reason},
            response_schema=s.ExcusalOutput,
        ),
        Action(
            "arrive",
            run=_arrive,
            label=_("Record an arrival"),
            input=forms.AttendForm,
            form_kwargs=_members_kwargs,
            allowed=policy("attend"),
            shown=_offered(workflow.Action.ATTEND),
            done=_("The arrival was recorded."),
            status=201,
            url_path="arrivals",
            respond=_attendance_body,
            response_schema=s.AttendanceOutput,
        ),
        Action(
            "depart",
            run=_depart,
            label=_("Record a departure"),
            input=forms.AttendForm,
            form_kwargs=_members_kwargs,
            allowed=policy("attend"),
            shown=_offered(workflow.Action.ATTEND),
            done=_("The departure was recorded."),
            url_path="departures",
            respond=_attendance_body,
            response_schema=s.AttendanceOutput,
        ),
        # --- one agenda item ---
        Action(
            "declare",
            run=_declare,
            label=workflow.Action.DECLARE.label,
            input=forms.DeclareForm,
            allowed=policy("declare"),
            shown=_offered(workflow.Action.DECLARE),
            done=_("Your declaration was recorded."),
            url_path=f"{ITEM}/declaration",
            respond=lambda _call, d: {"item": d.item_id, "conflicted": d.conflicted},
            response_schema=s.ItemDeclareOutput,
        ),
        Action(
            "recuse",
            run=_recuse,
            label=workflow.ItemAction.RECUSE.label,
            input=forms.RecusalForm,
            form_kwargs=_members_kwargs,
            allowed=policy("record"),
            shown=_offered(workflow.Action.RECORD),
            done=_("The recusal was recorded."),
            status=201,
            url_path=f"{ITEM}/recusals",
            respond=lambda _call, r: {"member": r.membership_id, "reason": r.reason},
            response_schema=s.RecusalOutput,
        ),
        Action(
            "consultant",
            run=_consultant,
            label=workflow.ItemAction.ADMIT.label,
            input=forms.ConsultantForm,
            allowed=policy("record"),
            shown=_offered(workflow.Action.RECORD),
            done=_("The consultant was admitted."),
            status=201,
            url_path=f"{ITEM}/consultants",
            respond=lambda _call, c: s.ConsultantOutput(c).data,
            response_schema=s.ConsultantOutput,
        ),
        Action(
            "vote",
            run=_vote,
            confirm=_confirm_vote,
            label=workflow.ItemAction.VOTE.label,
            input=forms.VoteForm,
            form_kwargs=_members_kwargs,
            allowed=may_vote,
            shown=_offered(workflow.Action.RECORD),
            done=_("The vote was recorded."),
            status=201,
            url_path=f"{ITEM}/votes",
            respond=lambda _call, v: {
                "item": v.item_id,
                "member": v.membership_id,
                "choice": v.choice,
            },
            response_schema=s.ItemVoteOutput,
        ),
        Action(
            "notes",
            run=_notes,
            label=workflow.ItemAction.NOTE.label,
            input=forms.NotesForm,
            allowed=policy("record"),
            shown=_offered(workflow.Action.RECORD),
            done=_("The notes were saved."),
            url_path=f"{ITEM}/notes",
            respond=_item_body,
            response_schema=s.AgendaItemSerializer,
        ),
        Action(
            "conclude",
            run=_conclude,
            confirm=_confirm_conclude,
            label=workflow.ItemAction.CONCLUDE.label,
            input=forms.ConcludeForm,
            allowed=policy("record"),
            shown=_offered(workflow.Action.RECORD),
            done=_concluded_message,
            url_path=f"{ITEM}/conclude",
            respond=_conclusion,
            response_schema=s.ItemConcludeOutput,
        ),
        Action(
            "defer",
            run=_defer,
            confirm=_confirm_defer,
            label=workflow.ItemAction.DEFER.label,
            input=forms.DeferForm,
            allowed=policy("record"),
            shown=_offered(workflow.Action.RECORD),
            done=_("The item was deferred."),
            url_path=f"{ITEM}/defer",
            respond=_conclusion,
            response_schema=s.ItemConcludeOutput,
        ),
        Action(
            "remove",
            run=_remove,
            confirm=_confirm_remove,
            label=workflow.ItemAction.REMOVE.label,
            allowed=policy("edit_agenda"),
            shown=_offered(workflow.Action.EDIT_AGENDA),
            done=_("The item was removed from the agenda."),
            status=204,
            url_path=ITEM,
            method="delete",
            respond=lambda _call, _result: None,
            response_schema=OpenApiResponse(description=_("The item was removed.")),
        ),
    ],
)


def _load(user: User, pk: int, item_id: int | None = None) -> Meeting:
    """The meeting (404 when hidden); on an item's URL, the item must be on it (404 otherwise)."""
    meeting = selectors.meeting_get_for_user(user, pk)
    if item_id is not None:
        selectors.item_get_for_user(user, meeting.pk, item_id)
    return meeting
