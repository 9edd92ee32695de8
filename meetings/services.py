"""Every state change of meetings: schedule, agenda, notice, declarations, opening and quorum,
consultants, recusals, votes, conclusion, closing and minutes (R18-R24, R20a, R21, R35, N4).

Each service owns its transaction, locks the meeting or item row, checks permission, moves the
status along workflow's tables and writes the audit row. A meeting's decision is issued through
reviews' ``decision_issue`` with the tally, like every other procedure.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees import gates
from committees.models import MANAGING_ROLES, Committee, DocumentKind, Membership
from committees.services import may_open_quarantined
from ethics import audit, channels, jobs, pdf, policies, regulations
from ethics import services as kernel
from ethics.errors import Conflict
from ethics.models import User
from ethics.services import invalid, require, site_text
from meetings import calendar, counting, selectors, workflow
from meetings import policies as meeting_policies
from meetings.models import (
    AgendaItem,
    Attendance,
    Consultant,
    Declaration,
    Excusal,
    Meeting,
    Minutes,
    MinutesCorrection,
    Recusal,
    Vote,
)
from meetings.workflow import ABSTAIN, Action, ItemAction, ItemKind, ItemStatus, Mode, Status
from reviews import services as review_services
from reviews.models import Application, ConflictSource, DocumentVersion, Review, ReviewState
from reviews.policies import (
    OfficerStep,
    interested_user_ids,
    is_applicant,
    is_conflicted,
    may_open_materials,
)
from reviews.workflow import Procedure
from reviews.workflow import Status as ApplicationStatus

MINUTES_TEMPLATE = "pdf/meetings/minutes.html"
MINUTES_TEMPLATE_VERSION = "1"


def _lock_meeting(meeting_id: int) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("committee", "presiding__user")
        .get(pk=meeting_id)
    )


def _lock_item(item_id: int) -> AgendaItem:
    item = (
        AgendaItem.objects.select_for_update(of=("self",))
        .select_related("meeting__committee", "meeting__presiding__user", "application__project")
        .get(pk=item_id)
    )
    return item


def _meeting_url(meeting: Meeting) -> str:
    return reverse("meetings:meeting-detail", args=[meeting.pk])


def _conflict_from(problems: list[regulations.Problem], code: str, message: Any) -> Conflict:
    return Conflict(
        code,
        message,
        rule=problems[0].rule if problems else None,
        problems=[p.as_dict() for p in problems],
    )


def _video_rules_on_file(committee: Committee) -> bool:
    return committee.documents.filter(kind=DocumentKind.VIDEO_MEETING_RULES).exists()


def _check_mode(committee: Committee, mode: str) -> None:
    if mode not in Mode.values:
        raise invalid("mode", _("Choose in person or video."), "invalid_choice")
    if mode == Mode.VIDEO and not _video_rules_on_file(committee):
        raise Conflict(
            "video_rules_missing",
            _("Video meetings need the committee's video-meeting rules on file."),
            rule="R21",
        )


def _members(committee_id: int) -> list[User]:
    """Everyone in term today (the secretary too): who is sent the meeting notice."""
    rows = (
        Membership.objects.in_term(on=timezone.localdate())
        .filter(committee_id=committee_id)
        .select_related("user")
    )
    return [row.user for row in rows]


# --- scheduling and agenda (R21, R35) ---------------------------------------------------------


@transaction.atomic
def meeting_schedule(
    *,
    committee: Committee,
    starts_at: datetime,
    actor: User,
    mode: str = Mode.IN_PERSON,
    place: str = "",
    video_link: str = "",
    title: str = "",
) -> Meeting:
    """Schedule a meeting; video meetings only with video-meeting rules on file (R21)."""
    meeting = Meeting(committee=committee, starts_at=starts_at, mode=mode)
    require(actor, "create", meeting)
    _refuse_past(starts_at)
    gates.require_composition(committee, timezone.localtime(starts_at).date())  # R4-R6, N1
    _check_mode(committee, mode)
    if mode == Mode.VIDEO and not video_link:
        raise invalid("video_link", _("A video meeting needs its link."), "required")
    meeting.place = place
    meeting.video_link = video_link
    meeting.title = title
    meeting.created_by = actor
    meeting.save()
    audit.record(
        actor=actor,
        action="meeting.schedule",
        target=meeting,
        after={"starts_at": starts_at, "mode": mode, "committee": committee.pk},
    )
    _sync_reports(meeting, actor)
    return meeting


def _next_position(meeting: Meeting) -> int:
    top = AgendaItem.objects.filter(meeting=meeting).aggregate(top=Max("position"))["top"]
    return (top or 0) + 1


def _sync_reports(meeting: Meeting, actor: User | None) -> list[AgendaItem]:
    """R35: list simplified-procedure decisions since the previous meeting (bounded, see
    ``selectors.reports_since``) as report items: one insert and one audit row per batch,
    however many there are."""
    decisions = list(selectors.simplified_decisions_to_report(meeting))
    if not decisions:
        return []
    start = _next_position(meeting)
    added = AgendaItem.objects.bulk_create(
        [
            AgendaItem(
                meeting=meeting,
                position=start + offset,
                kind=ItemKind.REPORT,
                application=decision.application,
                reported_decision=decision,
                title=f"{decision.number} {decision.application.project.title}"[:300],
            )
            for offset, decision in enumerate(decisions)
        ]
    )
    audit.record(
        actor=actor,
        action="agenda.report_add",
        target=meeting,
        after={"decisions": [d.number for d in decisions], "rule": "R35"},
    )
    return added


@transaction.atomic
def agenda_sync_reports(*, meeting_id: int, actor: User) -> list[AgendaItem]:
    """Add the simplified decisions not yet reported to the agenda (R35)."""
    meeting = _lock_meeting(meeting_id)
    workflow.next_status(meeting.status, Action.EDIT_AGENDA)
    require(actor, "edit_agenda", meeting)
    return _sync_reports(meeting, actor)


@transaction.atomic
def agenda_add(*, meeting_id: int, application_id: int, actor: User) -> AgendaItem:
    """Put an application under meeting review on the agenda."""
    meeting = _lock_meeting(meeting_id)
    workflow.next_status(meeting.status, Action.EDIT_AGENDA)
    require(actor, "edit_agenda", meeting)
    application = (
        Application.objects.select_related("project")
        .filter(pk=application_id, committee_id=meeting.committee_id)
        .first()
    )
    if application is None:
        raise invalid("application", _("No such application of this committee."), "not_found")
    review = Review.objects.filter(application=application, state=ReviewState.OPEN).first()
    if (
        application.status != ApplicationStatus.UNDER_REVIEW
        or review is None
        or review.procedure != Procedure.MEETING
    ):
        raise Conflict(
            "not_awaiting_meeting",
            _("Only applications under meeting review can be put on the agenda."),
            rule="R15",
        )
    if not selectors.waiting_for_meeting(meeting.committee_id).filter(pk=application.pk).exists():
        raise Conflict("already_on_agenda", _("This application is already on a meeting's agenda."))
    item = AgendaItem.objects.create(
        meeting=meeting,
        position=_next_position(meeting),
        kind=ItemKind.REVIEW,
        application=application,
        review=review,
        title=f"{application.ref or ''} {application.project.title}".strip()[:300],
    )
    audit.record(
        actor=actor,
        action="agenda.add",
        target=item,
        after={"application": application.pk, "meeting": meeting.pk},
    )
    _sync_reports(meeting, actor)
    return item


@transaction.atomic
def agenda_add_other(*, meeting_id: int, title: str, actor: User) -> AgendaItem:
    """Other business (a report, a notice) on the agenda; it is noted, never voted."""
    meeting = _lock_meeting(meeting_id)
    workflow.next_status(meeting.status, Action.EDIT_AGENDA)
    require(actor, "edit_agenda", meeting)
    if not title.strip():
        raise invalid("title", _("Give the item a title."), "required")
    item = AgendaItem.objects.create(
        meeting=meeting, position=_next_position(meeting), kind=ItemKind.OTHER, title=title[:300]
    )
    audit.record(actor=actor, action="agenda.add", target=item, after={"title": item.title})
    return item


@transaction.atomic
def agenda_remove(*, item_id: int, actor: User) -> None:
    """Take an item off the agenda before anything was recorded on it."""
    item = _lock_item(item_id)
    meeting = item.meeting
    workflow.next_status(meeting.status, Action.EDIT_AGENDA)
    workflow.next_item_status(item.status, ItemAction.REMOVE)
    require(actor, "edit_agenda", meeting)
    if item.votes.exists() or item.recusals.exists() or item.consultants.exists():
        raise Conflict("item_in_use", _("Votes or recusals are recorded on this item."))
    item.declarations.all().delete()
    audit.record(
        actor=actor,
        action="agenda.remove",
        target=meeting,
        before={"item": item.pk, "title": item.title, "application": item.application_id},
    )
    item.delete()


@transaction.atomic
def agenda_reorder(*, meeting_id: int, item_ids: Iterable[int], actor: User) -> list[AgendaItem]:
    """Put the agenda in the given order; every item must be listed once."""
    meeting = _lock_meeting(meeting_id)
    workflow.next_status(meeting.status, Action.EDIT_AGENDA)
    require(actor, "edit_agenda", meeting)
    return _reorder(meeting, [int(pk) for pk in item_ids], actor)


@transaction.atomic
def agenda_move(*, meeting_id: int, item_id: int, direction: str, actor: User) -> list[AgendaItem]:
    """Move one item a place up or down the agenda (at either end it stays where it is)."""
    meeting = _lock_meeting(meeting_id)
    workflow.next_status(meeting.status, Action.EDIT_AGENDA)
    require(actor, "edit_agenda", meeting)
    if direction not in ("up", "down"):
        raise invalid("direction", _("Move an item up or down."), "invalid_choice")
    order = list(
        AgendaItem.objects.filter(meeting=meeting)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    if item_id not in order:
        raise invalid("item", _("No such item on this agenda."), "invalid_choice")
    index = order.index(item_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    return _reorder(meeting, order, actor)


def _reorder(meeting: Meeting, wanted: list[int], actor: User) -> list[AgendaItem]:
    items = {item.pk: item for item in AgendaItem.objects.filter(meeting=meeting)}
    if sorted(wanted) != sorted(items):
        raise invalid("items", _("List every item of the agenda exactly once."), "invalid")
    before = [pk for pk, _item in sorted(items.items(), key=lambda kv: kv[1].position)]
    for position, pk in enumerate(wanted, start=1):
        items[pk].position = position
    AgendaItem.objects.bulk_update(list(items.values()), ["position"])
    audit.record(
        actor=actor, action="agenda.reorder", target=meeting, before={"order": before},
        after={"order": wanted},
    )  # fmt: skip
    return sorted(items.values(), key=lambda item: item.position)


@transaction.atomic
def notice_send(*, meeting_id: int, actor: User) -> Meeting:
    """Send the notice and the materials to every member (they open them after declaring)."""
    meeting = _lock_meeting(meeting_id)
    workflow.next_status(meeting.status, Action.SEND_NOTICE)
    require(actor, "send_notice", meeting)
    _sync_reports(meeting, actor)
    meeting.notice_sent_at = timezone.now()
    meeting.save(update_fields=["notice_sent_at"])
    audit.record(actor=actor, action="meeting.notice", target=meeting, after={"sent": True})
    local = timezone.localtime(meeting.starts_at)
    kernel.notify(
        recipients=_members(meeting.committee_id),
        title=_("Meeting of %(committee)s on %(when)s: notice and materials"),
        params={"committee": meeting.committee.name, "when": f"{local:%Y-%m-%d %H:%M}"},
        url=_meeting_url(meeting),
        cause="meeting.notice",
        ics=calendar.notice_ics(meeting),
    )
    _group_notice(meeting, "notice")
    return meeting


def _group_notice(meeting: Meeting, what: str) -> None:
    """Tell the committee's chat groups: that there is a notice, when, and the link; never the
    agenda, nor the reason (it reaches everyone in the group)."""
    texts = {
        "notice": _("Meeting notice: %(committee)s meets on %(when)s. Please sign in for details."),
        "reschedule": _(
            "Meeting rescheduled: %(committee)s now meets on %(when)s. Please sign in for details."
        ),
        "cancel": _("Meeting cancelled: %(committee)s, %(when)s. Please sign in for details."),
    }
    channels.group_post(
        committee_id=meeting.committee_id,
        key=f"meeting:{meeting.pk}:{what}:{meeting.sequence}",
        text=site_text(texts[what], committee=meeting.committee.name, when=_when(meeting)),
        url=_meeting_url(meeting),
    )


# --- cancelling, rescheduling, excusing (before the meeting) -----------------------------------


def _refuse_past(starts_at: datetime, field: str = "starts_at") -> None:
    """No meeting in the past: a day before today (Asia/Shanghai) is refused (400); today is
    fine, the meeting may still open today."""
    if timezone.localtime(starts_at).date() < timezone.localdate():
        raise invalid(field, _("A meeting cannot be scheduled in the past."), "past")


def _when(meeting: Meeting) -> str:
    return f"{timezone.localtime(meeting.starts_at):%Y-%m-%d %H:%M}"


@transaction.atomic
def meeting_cancel(*, meeting_id: int, reason: str, actor: User) -> Meeting:
    """Cancel a scheduled meeting with a reason; members are notified and its pending agenda
    items go back to the queue (``selectors.waiting_for_meeting`` and the R35 reports count
    only live meetings' agendas), ready for another meeting."""
    meeting = _lock_meeting(meeting_id)
    new = workflow.next_status(meeting.status, Action.CANCEL)
    require(actor, "cancel", meeting)
    if not reason.strip():
        raise invalid("reason", _("Give the reason for cancelling."), "required")
    returned = list(
        AgendaItem.objects.filter(meeting=meeting, status=ItemStatus.PENDING)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    meeting.status = new
    meeting.cancelled_at = timezone.now()
    meeting.cancel_reason = reason.strip()
    meeting.sequence += 1
    meeting.save(update_fields=["status", "cancelled_at", "cancel_reason", "sequence"])
    audit.record(
        actor=actor,
        action="meeting.cancel",
        target=meeting,
        before={"status": Status.SCHEDULED},
        after={"status": new, "items_returned": returned},
        reason=meeting.cancel_reason,
    )
    kernel.notify(
        recipients=_members(meeting.committee_id),
        title=_("Meeting of %(committee)s on %(when)s is cancelled: %(reason)s"),
        params={
            "committee": meeting.committee.name,
            "when": _when(meeting),
            "reason": meeting.cancel_reason,
        },
        url=_meeting_url(meeting),
        cause="meeting.cancel",
        ics=calendar.notice_ics(meeting),
    )
    _group_notice(meeting, "cancel")
    return meeting


@transaction.atomic
def meeting_reschedule(
    *, meeting_id: int, starts_at: datetime, reason: str, actor: User
) -> Meeting:
    """Move a scheduled meeting to another time (not in the past) with a reason; members are
    notified. Its agenda moves with it."""
    meeting = _lock_meeting(meeting_id)
    workflow.next_status(meeting.status, Action.RESCHEDULE)
    require(actor, "reschedule", meeting)
    if not reason.strip():
        raise invalid("reason", _("Give the reason for rescheduling."), "required")
    _refuse_past(starts_at)
    before = _when(meeting)
    previous = meeting.starts_at
    meeting.starts_at = starts_at
    meeting.sequence += 1
    meeting.save(update_fields=["starts_at", "sequence"])
    audit.record(
        actor=actor,
        action="meeting.reschedule",
        target=meeting,
        before={"starts_at": previous},
        after={"starts_at": starts_at},
        reason=reason.strip(),
    )
    kernel.notify(
        recipients=_members(meeting.committee_id),
        title=_("Meeting of %(committee)s moved from %(before)s to %(when)s: %(reason)s"),
        params={
            "committee": meeting.committee.name,
            "before": before,
            "when": _when(meeting),
            "reason": reason.strip(),
        },
        url=_meeting_url(meeting),
        cause="meeting.reschedule",
        ics=calendar.notice_ics(meeting),
    )
    _group_notice(meeting, "reschedule")
    return meeting


@transaction.atomic
def member_excuse(*, meeting_id: int, membership_id: int, reason: str, actor: User) -> Excusal:
    """Mark a member excused from a scheduled meeting, with the reason (in the minutes)."""
    meeting = _lock_meeting(meeting_id)
    workflow.next_status(meeting.status, Action.EXCUSE)
    require(actor, "excuse", meeting)
    membership = (
        Membership.objects.voting()
        .filter(pk=membership_id, committee_id=meeting.committee_id)
        .first()
    )
    if membership is None:
        raise invalid("member", _("Not a member of this committee."), "invalid")
    if not reason.strip():
        raise invalid("reason", _("Give the reason for the absence."), "required")
    if Excusal.objects.filter(meeting=meeting, membership=membership).exists():
        raise Conflict("already_excused", _("This member is already excused."))
    excusal = Excusal.objects.create(
        meeting=meeting, membership=membership, reason=reason.strip(), recorded_by=actor
    )
    audit.record(
        actor=actor,
        action="meeting.excuse",
        target=meeting,
        after={"member": membership.pk, "reason": excusal.reason},
    )
    return excusal


# --- declarations (R20a) ----------------------------------------------------------------------


def _membership_of(actor: User, committee_id: int) -> Membership:
    membership = (
        Membership.objects.open()
        .voting()
        .filter(committee_id=committee_id, user_id=actor.pk)
        .order_by("id")
        .first()
    )
    if membership is None:
        raise PermissionDenied
    return membership


def _is_applicant(membership: Membership, item: AgendaItem) -> bool:
    if item.application is None:
        return False
    project = item.application.project
    return (
        project.lead_id == membership.user_id or project.team.filter(pk=membership.user_id).exists()
    )


def _recuse(item: AgendaItem, membership: Membership, reason: str, actor: User) -> Recusal:
    recusal, created = Recusal.objects.get_or_create(
        item=item, membership=membership, defaults={"reason": reason, "recorded_by": actor}
    )
    if item.application_id is not None:
        # One conflict record for every layer: the materials close on every route (R20a).
        review_services.conflict_record(
            user_id=membership.user_id,
            application_id=item.application_id,
            source=ConflictSource.MEETING_ITEM,
            source_ref=f"item:{item.pk}",
            reason=reason,
            actor=actor,
        )
    if created:
        audit.record(
            actor=actor,
            action="item.recuse",
            target=item,
            after={"member": membership.pk, "reason": reason, "rule": "R20a"},
        )
        vote = Vote.objects.filter(item=item, membership=membership).first()
        if vote is not None:
            audit.record(
                actor=actor,
                action="vote.withdraw",
                target=item,
                before={"member": membership.pk, "choice": vote.choice},
                reason="R20a",
            )
            vote.delete()
    return recusal


@transaction.atomic
def member_declare(*, item_id: int, actor: User, conflicted: bool, note: str = "") -> Declaration:
    """A member declares, per item, whether they have a conflict; a conflict recuses (R20a)."""
    item = _lock_item(item_id)
    meeting = item.meeting
    workflow.next_status(meeting.status, Action.DECLARE)
    require(actor, "declare", meeting)
    membership = _membership_of(actor, meeting.committee_id)
    if not conflicted and _is_applicant(membership, item):
        raise Conflict(
            "applicant_conflict",
            _("You are an applicant on this project and must recuse yourself."),
            rule="R20a",
        )
    if not conflicted and item.application is not None:
        review_services.refuse_if_conflicted(actor, item.application)
    declaration = Declaration.objects.filter(item=item, membership=membership).first()
    if declaration is not None:
        if declaration.conflicted == conflicted:
            return declaration
        if declaration.conflicted:
            raise Conflict(
                "already_recused", _("A declared conflict cannot be withdrawn."), rule="R20a"
            )
        declaration.conflicted = True
        declaration.note = note
        declaration.declared_at = timezone.now()
        declaration.save(update_fields=["conflicted", "note", "declared_at"])
    else:
        declaration = Declaration.objects.create(
            item=item, membership=membership, conflicted=conflicted, note=note
        )
    audit.record(
        actor=actor,
        action="item.declare",
        target=item,
        after={"member": membership.pk, "conflicted": conflicted},
    )
    if conflicted:
        reason = note.strip() or site_text(_("Declared a conflict of interest"))
        _recuse(item, membership, reason, actor)
    return declaration


# --- opening and quorum (R18, R19) ------------------------------------------------------------


@transaction.atomic
def meeting_open(
    *,
    meeting_id: int,
    present: Iterable[int],
    presiding: int,
    actor: User,
    designation: str = "",
) -> Meeting:
    """Open with the members present; 409 no_quorum (R19) or a presiding problem (R18)."""
    meeting = _lock_meeting(meeting_id)
    new = workflow.next_status(meeting.status, Action.OPEN)
    require(actor, "open", meeting)
    _refuse_wrong_day(meeting)
    day = selectors.meeting_day(meeting)
    gates.require_composition(meeting.committee, day)  # R4-R6, N1
    _check_mode(meeting.committee, meeting.mode)
    ids = sorted({int(pk) for pk in present})
    memberships = list(
        Membership.objects.voting().filter(pk__in=ids, committee_id=meeting.committee_id)
    )
    if len(memberships) != len(ids):
        raise invalid("present", _("Only members of this committee can be present."), "invalid")
    chosen = next((m for m in memberships if m.pk == int(presiding)), None)
    if chosen is None or not chosen.in_term(day) or chosen.role not in MANAGING_ROLES:
        raise Conflict(
            "presiding_not_allowed",
            _("The chair, or a vice-chair designated by the chair, present, presides."),
            rule="R18",
        )
    if chosen.role != "chair" and not designation.strip():
        raise Conflict(
            "designation_required",
            _("Record how the chair designated the presiding vice-chair."),
            rule="R18",
        )
    attendees = [
        regulations.Attendee(m.expertise, m.gender, m.external, m.in_term(day)) for m in memberships
    ]
    rules = selectors_committee_rules(meeting.committee)
    problems = regulations.quorum_problems(attendees, rules=rules)
    if problems:
        raise _conflict_from(problems, "no_quorum", _("The meeting has no quorum."))
    now = timezone.now()
    Attendance.objects.bulk_create([_arrival(meeting, m, day, now) for m in memberships])
    meeting.status = new
    meeting.presiding = chosen
    meeting.designation = designation.strip()
    meeting.members_total = len(selectors.members_in_term(meeting.committee_id, day))
    meeting.opened_at = now
    meeting.save()
    warnings = regulations.quorum_warnings(attendees, rules=rules)
    audit.record(
        actor=actor,
        action="meeting.open",
        target=meeting,
        before={"status": Status.SCHEDULED},
        after={
            "status": new,
            "present": ids,
            "presiding": chosen.pk,
            "members_total": meeting.members_total,
            "warnings": [w.code for w in warnings],
            "rule": "R19",
        },
    )
    _sync_reports(meeting, actor)
    return meeting


def selectors_committee_rules(committee: Committee) -> regulations.RuleSet:
    return regulations.combined(committee.regime_codes)


def _refuse_wrong_day(meeting: Meeting) -> None:
    """A meeting opens only on its scheduled day (Asia/Shanghai), give or take
    ``settings.MEETING_OPEN_TOLERANCE_DAYS`` (default 0); otherwise reschedule it (409)."""
    tolerance = int(getattr(settings, "MEETING_OPEN_TOLERANCE_DAYS", 0) or 0)
    day = selectors.meeting_day(meeting)
    today = timezone.localdate()
    if abs((today - day).days) > tolerance:
        raise Conflict(
            "too_early" if today < day else "too_late",
            _("The meeting opens on its scheduled day, %(day)s; today is %(today)s.")
            % {"day": day.isoformat(), "today": today.isoformat()},
            problems=[
                {
                    "code": "not_meeting_day",
                    "day": day.isoformat(),
                    "today": today.isoformat(),
                    "tolerance_days": tolerance,
                }
            ],
        )


# --- arrivals and departures (R19) --------------------------------------------------------------


def _arrival(meeting: Meeting, m: Membership, day: Any, at: datetime) -> Attendance:
    return Attendance(
        meeting=meeting,
        membership=m,
        role=m.role,
        expertise=m.expertise,
        gender=m.gender,
        external=m.external,
        in_term=m.in_term(day),
        arrived_at=at,
        recorded_at=at,
    )


def _attending_member(meeting: Meeting, membership_id: int) -> Membership:
    membership = (
        Membership.objects.voting()
        .filter(pk=membership_id, committee_id=meeting.committee_id)
        .first()
    )
    if membership is None:
        raise invalid("member", _("Not a member of this committee."), "invalid")
    return membership


def _moment(meeting: Meeting, at: datetime | None, after: datetime | None) -> datetime:
    """When an arrival or departure happened: now by default; never in the future, before the
    opening or before the member's previous arrival or departure (400)."""
    now = timezone.now()
    if at is None:
        return now
    floors = [t for t in (meeting.opened_at, after) if t is not None]
    floor = max(floors) if floors else None
    if at > now or (floor is not None and at < floor):
        raise invalid(
            "at",
            _("The time must lie between the opening (or the last movement) and now."),
            "out_of_range",
        )
    return at


@transaction.atomic
def attendance_arrive(
    *, meeting_id: int, membership_id: int, actor: User, at: datetime | None = None
) -> Attendance:
    """A member arrives after the opening (or comes back): a new interval from `at` (now)."""
    meeting = _lock_meeting(meeting_id)
    workflow.next_status(meeting.status, Action.ATTEND)
    require(actor, "attend", meeting)
    membership = _attending_member(meeting, membership_id)
    rows = Attendance.objects.filter(meeting=meeting, membership=membership)
    if rows.filter(left_at__isnull=True).exists():
        raise Conflict("already_present", _("This member is already present."))
    last_left = rows.order_by("-left_at").values_list("left_at", flat=True).first()
    moment = _moment(meeting, at, last_left)
    row = _arrival(meeting, membership, selectors.meeting_day(meeting), moment)
    row.save()
    audit.record(
        actor=actor,
        action="attendance.arrive",
        target=meeting,
        after={"member": membership.pk, "at": row.arrived_at, "rule": "R19"},
    )
    return row


@transaction.atomic
def attendance_depart(
    *, meeting_id: int, membership_id: int, actor: User, at: datetime | None = None
) -> Attendance:
    """A member leaves: the open interval ends at `at` (now); items decided later count
    without them (R19)."""
    meeting = _lock_meeting(meeting_id)
    workflow.next_status(meeting.status, Action.ATTEND)
    require(actor, "attend", meeting)
    membership = _attending_member(meeting, membership_id)
    row = (
        Attendance.objects.select_for_update()
        .filter(meeting=meeting, membership=membership, left_at__isnull=True)
        .first()
    )
    if row is None:
        raise Conflict("not_present", _("This member is not present."), rule="R19")
    row.left_at = _moment(meeting, at, row.arrived_at)
    row.save(update_fields=["left_at"])
    audit.record(
        actor=actor,
        action="attendance.depart",
        target=meeting,
        after={"member": membership.pk, "at": row.left_at, "rule": "R19"},
    )
    return row


# --- during the meeting: consultants, recusals, votes (R20, R20a, R24) -------------------------


def _refuse_conflicted(item: AgendaItem, actor: User) -> None:
    """R20a: whoever is conflicted on the item's application, or is an applicant on it, takes no
    part in the item, officers included (a conflict declared anywhere counts)."""
    application = item.application
    if application is not None and (
        is_conflicted(actor, application) or is_applicant(actor, application)
    ):
        raise Conflict(
            "conflict_of_interest",
            _("With a conflict of interest on this application you take no part in this item."),
            rule="R20a",
        )


def _open_item(item_id: int, action: ItemAction, actor: User) -> AgendaItem:
    item = _lock_item(item_id)
    workflow.next_status(item.meeting.status, Action.RECORD)
    workflow.next_item_status(item.status, action)
    _refuse_conflicted(item, actor)
    return item


@transaction.atomic
def consultant_admit(
    *,
    item_id: int,
    name: str,
    declaration: str,
    no_direct_interest: bool,
    actor: User,
    affiliation: str = "",
    user: User | None = None,
) -> Consultant:
    """R20: a consultant attends one item after declaring no direct interest; never votes."""
    item = _open_item(item_id, ItemAction.ADMIT, actor)
    require(actor, "record", item.meeting)
    if not name.strip():
        raise invalid("name", _("Give the consultant's name."), "required")
    if not no_direct_interest or not declaration.strip():
        raise Conflict(
            "direct_interest",
            _("A consultant must declare having no direct interest in the item."),
            rule="R20",
        )
    if user is not None and item.application is not None:
        project = item.application.project
        if project.lead_id == user.pk or project.team.filter(pk=user.pk).exists():
            raise Conflict(
                "direct_interest", _("An applicant cannot be a consultant."), rule="R20a"
            )
    consultant = Consultant.objects.create(
        item=item,
        name=name.strip(),
        affiliation=affiliation,
        user=user,
        declaration=declaration.strip(),
        admitted_by=actor,
    )
    audit.record(
        actor=actor,
        action="item.consultant",
        target=item,
        after={"name": consultant.name, "rule": "R20"},
    )
    return consultant


@transaction.atomic
def recusal_record(*, item_id: int, membership_id: int, reason: str, actor: User) -> Recusal:
    """R20a: record a member's recusal from an item; the item's quorum is then re-checked."""
    item = _open_item(item_id, ItemAction.RECUSE, actor)
    require(actor, "record", item.meeting)
    membership = Membership.objects.filter(
        pk=membership_id, committee_id=item.meeting.committee_id
    ).first()
    if membership is None:
        raise invalid("member", _("Not a member of this committee."), "invalid")
    if not reason.strip():
        raise invalid("reason", _("Give the reason for the recusal."), "required")
    if Recusal.objects.filter(item=item, membership=membership).exists():
        raise Conflict("already_recused", _("This member is already recused from the item."))
    return _recuse(item, membership, reason.strip(), actor)


def _vote_member(item: AgendaItem, actor: User, membership_id: int | None) -> Membership:
    meeting = item.meeting
    if membership_id is None:
        return _membership_of(actor, meeting.committee_id)
    membership = Membership.objects.filter(
        pk=membership_id, committee_id=meeting.committee_id
    ).first()
    if membership is None:
        raise invalid("member", _("Not a member of this committee."), "invalid")
    if membership.user_id != actor.pk and not policies.may(actor, "record", meeting):
        raise PermissionDenied
    return membership


@transaction.atomic
def vote_cast(*, item_id: int, choice: str, actor: User, membership_id: int | None = None) -> Vote:
    """One vote per member per item (R24); a member votes for themself or the secretary records
    it; a change before conclusion replaces the vote and is audited."""
    item = _open_item(item_id, ItemAction.VOTE, actor)
    if not item.votable:
        raise Conflict("not_votable", _("This item is noted, not voted on."))
    membership = _vote_member(item, actor, membership_id)
    own = membership.user_id == actor.pk
    if choice not in selectors.item_choices(item):
        raise invalid("choice", _("This choice is not possible for this item."), "invalid_choice")
    attendance = selectors.present_attendance(item.meeting_id)
    present = next((a for a in attendance if a.membership_id == membership.pk), None)
    if present is None or not present.in_term:
        raise Conflict("not_present", _("Only members present and in term vote."), rule="R19")
    recused = set(item.recusals.values_list("membership_id", flat=True))
    recused |= selectors.conflicted_memberships(item, attendance)
    declared = {d.membership_id: d.conflicted for d in item.declarations.all()}
    if membership.pk in recused or declared.get(membership.pk) or _is_applicant(membership, item):
        raise Conflict(
            "conflict_of_interest", _("A member with a conflict does not vote."), rule="R20a"
        )
    if own and membership.pk not in declared:
        raise Conflict(
            "declaration_required",
            _("Declare that you have no conflict of interest before voting."),
            rule="R20a",
        )
    problems = counting.item_quorum(
        selectors.present_of(attendance), recused, selectors.item_rules(item)
    )
    if problems:
        raise _conflict_from(problems, "no_quorum", _("This item has no quorum after recusals."))
    vote = Vote.objects.filter(item=item, membership=membership).first()
    before = {"choice": vote.choice} if vote else {}
    if vote is None:
        vote = Vote.objects.create(item=item, membership=membership, choice=choice, cast_by=actor)
    elif vote.choice != choice:
        vote.choice = choice
        vote.cast_by = actor
        vote.cast_at = timezone.now()
        vote.save(update_fields=["choice", "cast_by", "cast_at"])
    else:
        return vote
    audit.record(
        actor=actor,
        action="vote.change" if before else "vote.cast",
        target=item,
        before=before | ({"member": membership.pk} if before else {}),
        after={"member": membership.pk, "choice": choice, "proxy": not own},
    )
    return vote


@transaction.atomic
def item_note(*, item_id: int, notes: str, actor: User) -> AgendaItem:
    """Record the discussion notes of an item for the minutes."""
    item = _open_item(item_id, ItemAction.NOTE, actor)
    require(actor, "record", item.meeting)
    before = item.notes
    item.notes = notes
    item.save(update_fields=["notes"])
    audit.record(actor=actor, action="item.notes", target=item, before={"notes": before},
                 after={"notes": notes})  # fmt: skip
    return item


# --- conclusion (R23, R24, N4) ----------------------------------------------------------------


def _item_quorum_conflict(item: AgendaItem, tally: counting.Tally) -> Conflict:
    """R19 at the moment the item is decided: members present now (arrivals and departures),
    less the recused; 409 with the rule and the counts."""
    departed = (
        Attendance.objects.filter(meeting_id=item.meeting_id, left_at__isnull=False)
        .exclude(
            membership_id__in=Attendance.objects.filter(
                meeting_id=item.meeting_id, left_at__isnull=True
            ).values("membership_id")
        )
        .values("membership_id")
        .distinct()
        .count()
    )
    counts = {"present": tally.present, "recused": tally.recused, "departed": departed}
    problems = [p.as_dict() for p in tally.quorum_problems]
    problems.append({"code": "counts", "rule": "R19", **{k: str(v) for k, v in counts.items()}})
    return Conflict(
        "no_quorum",
        _(
            "This item has no quorum now (R19): %(present)s members present and not recused, "
            "%(recused)s recused, %(departed)s left the meeting."
        )
        % counts,
        rule="R19",
        problems=problems,
    )


def _tally_for_decision(item: AgendaItem, tally: counting.Tally) -> dict[str, Any]:
    data = tally.as_dict()
    data["meeting"] = item.meeting_id
    data["item"] = item.pk
    return data


def _check_outcome_inputs(
    item: AgendaItem, outcome: str, tally: counting.Tally, conditions: str, reasons: str,
    dissent: str, rules: regulations.RuleSet,
) -> None:  # fmt: skip
    problems = regulations.outcome_problems(
        regulations.Outcome(outcome), conditions=conditions, reasons=reasons
    )
    if problems:
        field = "conditions" if problems[0].code == "conditions_required" else "reasons"
        raise invalid(field, problems[0].message, problems[0].code)
    against = sum(n for choice, n in tally.counts.items() if choice not in (outcome, ABSTAIN))
    # N4: under the NHC regime dissenting opinions are recorded in detail.
    majority = rules.majority_of_all
    if majority.value is not None and against and not dissent.strip():
        raise invalid(
            "dissent",
            _("Record the dissenting opinions (%(rule)s).") % {"rule": majority.rule},
            "dissent_required",
        )


def _item_presiding(item: AgendaItem, actor: User) -> Membership | None:
    """R18, R20a: the meeting's presiding member presides over an item (and signs its decision)
    unless they have an interest in its application; then the officer next in line among the
    members present and not recused (the chair, the deputy the chair designated, another
    vice-chair; reviews.services.eligible_officer). Nobody: 409 and the institution is told."""
    presiding = item.meeting.presiding
    application = item.application
    if presiding is None or application is None:
        return presiding
    if presiding.user_id not in interested_user_ids(application):
        return presiding
    recused = set(item.recusals.values_list("membership_id", flat=True))
    present = set(
        Attendance.objects.filter(meeting_id=item.meeting_id)
        .exclude(membership_id__in=recused)
        .values_list("membership__user_id", flat=True)
    )
    return review_services.eligible_officer(
        item.meeting.committee, application, OfficerStep.PRESIDE, among=present, actor=actor
    )


@review_services.escalating
@transaction.atomic
def item_conclude(
    *,
    item_id: int,
    actor: User,
    conditions: str = "",
    reasons: str = "",
    dissent: str = "",
) -> AgendaItem:
    """Adopt the outcome that reaches the threshold (R24, N4) as a decision, or defer the item.

    Idempotent: an item already concluded or deferred is returned as it is (one decision).
    """
    item = _lock_item(item_id)
    meeting = item.meeting
    require(actor, "record", meeting)
    _refuse_conflicted(item, actor)
    if item.status in workflow.DONE_ITEM_STATUSES:
        return item
    workflow.next_status(meeting.status, Action.RECORD)
    now = timezone.now()
    if not item.votable:
        item.status = workflow.next_item_status(item.status, ItemAction.CONCLUDE)
        item.concluded_at, item.concluded_by = now, actor
        item.save(update_fields=["status", "concluded_at", "concluded_by"])
        audit.record(
            actor=actor, action="item.note_report", target=item, after={"status": item.status}
        )
        return item
    tally = selectors.item_tally(item)
    if not tally.quorate:
        raise _item_quorum_conflict(item, tally)
    rules = selectors.item_rules(item)
    outcome = tally.adopted
    if outcome is not None:
        _check_outcome_inputs(item, outcome, tally, conditions, reasons, dissent, rules)
    item.status = workflow.next_item_status(
        item.status, ItemAction.CONCLUDE if outcome else ItemAction.DEFER
    )
    item.tally = _tally_for_decision(item, tally)
    item.outcome = outcome
    item.conditions = conditions.strip() if outcome else ""
    item.reasons = reasons.strip() if outcome else ""
    item.dissent = dissent.strip()
    item.concluded_at, item.concluded_by = now, actor
    presiding = _item_presiding(item, actor) if outcome is not None else meeting.presiding
    if outcome is not None and item.application_id is not None:
        local = timezone.localtime(meeting.starts_at)
        item.decision = review_services.decision_issue(
            application_id=item.application_id,
            outcome=outcome,
            actor=presiding.user if presiding else actor,
            conditions=conditions,
            reasons=reasons,
            tally=item.tally,
            presiding=presiding is not None,
            meaning=site_text(
                _("Signed as presiding member of the meeting of %(when)s (R18)"),
                when=f"{local:%Y-%m-%d}",
            ),
        )
    item.save()
    audit.record(
        actor=actor,
        action="item.conclude" if outcome else "item.defer",
        target=item,
        before={"status": ItemStatus.PENDING},
        after={
            "status": item.status,
            "outcome": outcome,
            "tally": item.tally,
            "presided_by": presiding.pk if presiding else None,
        },
    )
    return item


@transaction.atomic
def item_defer(*, item_id: int, actor: User, reason: str) -> AgendaItem:
    """Defer an item without a vote (e.g. no quorum after recusals); the tally so far is kept."""
    item = _lock_item(item_id)
    require(actor, "record", item.meeting)
    _refuse_conflicted(item, actor)
    if item.status in workflow.DONE_ITEM_STATUSES:
        return item
    workflow.next_status(item.meeting.status, Action.RECORD)
    if not reason.strip():
        raise invalid("reason", _("Give the reason for deferring."), "required")
    item.status = workflow.next_item_status(item.status, ItemAction.DEFER)
    if item.votable:
        item.tally = _tally_for_decision(item, selectors.item_tally(item))
    item.notes = f"{item.notes}\n{reason.strip()}".strip()
    item.concluded_at, item.concluded_by = timezone.now(), actor
    item.save(update_fields=["status", "tally", "notes", "concluded_at", "concluded_by"])
    audit.record(actor=actor, action="item.defer", target=item, after={"status": item.status},
                 reason=reason)  # fmt: skip
    return item


# --- closing and minutes ----------------------------------------------------------------------


@transaction.atomic
def meeting_close(*, meeting_id: int, actor: User) -> Meeting:
    """Close when every item is concluded or deferred; the minutes are locked and rendered."""
    meeting = _lock_meeting(meeting_id)
    new = workflow.next_status(meeting.status, Action.CLOSE)
    require(actor, "close", meeting)
    pending = list(
        AgendaItem.objects.filter(meeting=meeting)
        .exclude(kind=ItemKind.REPORT)
        .exclude(status__in=workflow.DONE_ITEM_STATUSES)
        .order_by("position")
    )
    if pending:
        raise Conflict(
            "items_pending",
            _("Every item must be concluded or deferred before closing."),
            problems=[
                {"code": "item_pending", "item": str(i.pk), "message": i.title} for i in pending
            ],
        )
    meeting.status = new
    meeting.closed_at = timezone.now()
    meeting.save(update_fields=["status", "closed_at"])
    _note_reports(meeting, actor)
    minutes = Minutes.objects.create(meeting=meeting, version=1)
    audit.record(
        actor=actor, action="meeting.close", target=meeting, before={"status": Status.OPEN},
        after={"status": new, "minutes": minutes.version},
    )  # fmt: skip
    jobs.enqueue("meetings.render_minutes", minutes_id=minutes.pk)
    return meeting


def _note_reports(meeting: Meeting, actor: User) -> None:
    """R35: the simplified decisions reported to the meeting are noted together at closing
    (one audit row), however many there are."""
    reports = AgendaItem.objects.filter(
        meeting=meeting, kind=ItemKind.REPORT, status=ItemStatus.PENDING
    )
    ids = list(reports.values_list("pk", flat=True))
    if ids:
        reports.update(
            status=ItemStatus.CONCLUDED, concluded_at=meeting.closed_at, concluded_by=actor
        )
        audit.record(
            actor=actor,
            action="item.note_reports",
            target=meeting,
            after={"items": ids, "rule": "R35"},
        )


@transaction.atomic
def minutes_correct(*, meeting_id: int, text: str, actor: User) -> MinutesCorrection:
    """Append a correction to locked minutes; a new version is rendered with it (R60)."""
    meeting = _lock_meeting(meeting_id)
    workflow.next_status(meeting.status, Action.CORRECT)
    require(actor, "correct", meeting)
    if not text.strip():
        raise invalid("text", _("Write the correction."), "required")
    correction = MinutesCorrection.objects.create(
        meeting=meeting, text=text.strip(), created_by=actor
    )
    top = Minutes.objects.filter(meeting=meeting).aggregate(top=Max("version"))["top"] or 0
    minutes = Minutes.objects.create(meeting=meeting, version=top + 1)
    audit.record(
        actor=actor, action="minutes.correct", target=meeting,
        after={"correction": correction.pk, "version": minutes.version},
    )  # fmt: skip
    jobs.enqueue("meetings.render_minutes", minutes_id=minutes.pk)
    return correction


def minutes_context(minutes: Minutes) -> dict[str, Any]:
    """Everything the minutes show, read from what was recorded (users.md #5)."""
    from meetings import minutes as builder

    return builder.context(minutes)


def minutes_render(*, minutes_id: int) -> Minutes:
    """Render one minutes version to PDF once (Chinese), store it with its hash; idempotent."""
    minutes = Minutes.objects.select_related("meeting__committee").get(pk=minutes_id)
    if minutes.file and minutes.template_version == MINUTES_TEMPLATE_VERSION:
        return minutes
    context = minutes_context(minutes)
    data = pdf.render(MINUTES_TEMPLATE, context)
    with transaction.atomic():
        locked = Minutes.objects.select_for_update().get(pk=minutes_id)
        if locked.file and locked.template_version == MINUTES_TEMPLATE_VERSION:
            return locked
        name = f"minutes-{locked.meeting_id}-v{locked.version}.pdf"
        locked.file.save(name, ContentFile(data), save=False)
        locked.sha256 = context["hash"]
        locked.template_version = MINUTES_TEMPLATE_VERSION
        locked.rendered_at = timezone.now()
        locked.save(update_fields=["file", "sha256", "template_version", "rendered_at"])
        audit.record(
            actor=None, action="minutes.render", target=minutes.meeting,
            after={"version": locked.version, "hash": locked.sha256},
        )  # fmt: skip
    return locked


@transaction.atomic
def minutes_open(*, meeting_id: int, actor: User, inline: bool = False) -> Minutes:
    """Permission-check a minutes download and audit it; `inline` is the PDF preview, audited
    as ``document.preview``."""
    meeting = Meeting.objects.get(pk=meeting_id)
    require(actor, "view", meeting)
    if not meeting_policies.may_open_minutes(actor, meeting):
        raise Http404
    minutes = selectors.latest_minutes(meeting)
    if minutes is None:
        raise Conflict("minutes_not_ready", _("The minutes are still being prepared."))
    audit.record(
        actor=actor, action="document.preview" if inline else "minutes.download", target=meeting,
        after={"version": minutes.version, "hash": minutes.sha256}
        | ({"document": "minutes"} if inline else {}),
    )  # fmt: skip
    return minutes


@transaction.atomic
def material_open(*, item_id: int, version_id: int, actor: User) -> DocumentVersion:
    """A member opens an item's document after declaring no conflict on it (R20a); audited.

    Who may open an application's materials at all is reviews' one policy: a conflict declared
    anywhere (or no grant) is a 404, like every other route to the same files.
    """
    item = AgendaItem.objects.select_related("meeting", "application__project").get(pk=item_id)
    meeting = item.meeting
    require(actor, "view", meeting)
    application = item.application
    if application is None:
        raise Http404
    version = DocumentVersion.objects.filter(
        pk=version_id, document__application_id=application.pk
    ).first()
    if version is None or is_conflicted(actor, application):
        raise Http404
    if version.quarantine and not may_open_quarantined(actor, application.project.committee_id):
        raise Http404  # active content kept in quarantine: the secretaries only (issue 13)
    if not policies.may(actor, "record", meeting):
        membership = _membership_of(actor, meeting.committee_id)
        if not Declaration.objects.filter(item=item, membership=membership).exists():
            raise Conflict(
                "declaration_required",
                _("Declare that you have no conflict of interest before opening the materials."),
                rule="R20a",
            )
    if not may_open_materials(actor, application):
        raise Http404
    audit.record(
        actor=actor,
        action="document.open",
        target=item.application,
        after={"version": version.pk, "meeting": meeting.pk, "item": item.pk},
    )
    return version


# --- the reviews' seams: emergency meetings (R49) and the tally as the only decision (R24) ------


def emergency_attach(review: Review, actor: User | None) -> bool:
    """R49: a round that became an emergency meeting goes on the agenda of the committee's next
    scheduled meeting that starts before the round's due time (the 72-hour clock, R48).

    Called by reviews inside the converting service's transaction; returns False when no
    meeting is scheduled in time (reviews then asks the officers to schedule one).
    """
    application = review.application
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .filter(
            committee_id=application.committee_id,
            status=Status.SCHEDULED,
            starts_at__gte=timezone.now(),
            starts_at__lt=review.due_at,
        )
        .order_by("starts_at", "pk")
        .first()
    )
    if meeting is None:
        return False
    item = AgendaItem.objects.create(
        meeting=meeting,
        position=_next_position(meeting),
        kind=ItemKind.REVIEW,
        application=application,
        review=review,
        title=f"{application.ref or ''} {application.project.title}".strip()[:300],
    )
    audit.record(
        actor=actor,
        action="agenda.add",
        target=item,
        after={"application": application.pk, "meeting": meeting.pk, "rule": "R49"},
    )
    kernel.notify(
        recipients=_members(meeting.committee_id),
        title=_("Emergency review of %(ref)s added to the meeting of %(when)s"),
        params={
            "ref": application.ref,
            "when": f"{timezone.localtime(meeting.starts_at):%Y-%m-%d %H:%M}",
        },
        url=_meeting_url(meeting),
        cause="agenda.add (R49)",
    )
    return True


def tally_confirms(application: Application, outcome: str, tally: Any) -> bool:
    """R24: `tally` is the live count of a pending review item of this application's open round,
    at an open meeting, quorate (R19) and adopting `outcome`: nothing else decides a meeting
    review, whatever route asks reviews' ``decision_issue``."""
    item_id = tally.get("item") if hasattr(tally, "get") else None
    if type(item_id) is not int:
        return False
    item = (
        AgendaItem.objects.filter(
            pk=item_id,
            application_id=application.pk,
            kind=ItemKind.REVIEW,
            status=ItemStatus.PENDING,
            meeting__status=Status.OPEN,
            review__state=ReviewState.OPEN,
        )
        .select_related("meeting__committee", "application__project")
        .first()
    )
    if item is None:
        return False
    current = selectors.item_tally(item)
    return (
        current.quorate
        and current.adopted == outcome
        and _tally_for_decision(item, current) == dict(tally)
    )
