"""Meeting and agenda-item statuses, actions and their transition tables (R18-R24, R35).

Services call ``next_status`` / ``next_item_status`` before every change, so an action the table
does not allow is refused with 409; pages and the API read ``actions_from``. Pure: no ORM.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _

from ethics.errors import IllegalTransition


class Status(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video meeting")


class Action(models.TextChoices):
    EDIT_AGENDA = "edit_agenda", _("Edit the agenda")
    SEND_NOTICE = "send_notice", _("Send the notice")
    DECLARE = "declare", _("Declare conflicts of interest")
    OPEN = "open", _("Open the meeting")
    RECORD = "record", _("Record recusals, consultants and votes")
    CLOSE = "close", _("Close the meeting")
    CORRECT = "correct", _("Append a correction to the minutes")
    CANCEL = "cancel", _("Cancel the meeting")
    RESCHEDULE = "reschedule", _("Reschedule the meeting")
    EXCUSE = "excuse", _("Excuse a member")
    ATTEND = "attend", _("Record an arrival or a departure")


TRANSITIONS: Final[Mapping[tuple[Status, Action], Status]] = {
    (Status.SCHEDULED, Action.EDIT_AGENDA): Status.SCHEDULED,
    (Status.SCHEDULED, Action.SEND_NOTICE): Status.SCHEDULED,
    (Status.SCHEDULED, Action.DECLARE): Status.SCHEDULED,
    (Status.SCHEDULED, Action.OPEN): Status.OPEN,
    # A scheduled meeting may be cancelled or moved (with a reason, members notified); members
    # are excused before it opens.
    (Status.SCHEDULED, Action.CANCEL): Status.CANCELLED,
    (Status.SCHEDULED, Action.RESCHEDULE): Status.SCHEDULED,
    (Status.SCHEDULED, Action.EXCUSE): Status.SCHEDULED,
    # Urgent items may still be added while the meeting runs.
    (Status.OPEN, Action.EDIT_AGENDA): Status.OPEN,
    (Status.OPEN, Action.DECLARE): Status.OPEN,
    (Status.OPEN, Action.RECORD): Status.OPEN,
    # Arrivals and departures while the meeting runs (R19 is re-checked per item).
    (Status.OPEN, Action.ATTEND): Status.OPEN,
    (Status.OPEN, Action.CLOSE): Status.CLOSED,
    # Minutes are locked at closing; corrections are appended, never edited in place.
    (Status.CLOSED, Action.CORRECT): Status.CLOSED,
}


class ItemKind(models.TextChoices):
    REVIEW = "review", _("Application for meeting review")
    REPORT = "report", _("Report of a simplified-procedure decision")  # R35
    OTHER = "other", _("Other business")


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONCLUDED = "concluded", _("Concluded")
    DEFERRED = "deferred", _("Deferred")


class ItemAction(models.TextChoices):
    RECUSE = "recuse", _("Record a recusal")
    ADMIT = "admit", _("Admit a consultant")
    VOTE = "vote", _("Vote")
    NOTE = "note", _("Record discussion notes")
    CONCLUDE = "conclude", _("Conclude")
    DEFER = "defer", _("Defer")
    REMOVE = "remove", _("Remove from the agenda")


ITEM_TRANSITIONS: Final[Mapping[tuple[ItemStatus, ItemAction], ItemStatus]] = {
    (ItemStatus.PENDING, ItemAction.RECUSE): ItemStatus.PENDING,
    (ItemStatus.PENDING, ItemAction.ADMIT): ItemStatus.PENDING,
    (ItemStatus.PENDING, ItemAction.VOTE): ItemStatus.PENDING,
    (ItemStatus.PENDING, ItemAction.NOTE): ItemStatus.PENDING,
    (ItemStatus.PENDING, ItemAction.REMOVE): ItemStatus.PENDING,
    # R24: an outcome reaching the threshold concludes; otherwise the item is deferred.
    (ItemStatus.PENDING, ItemAction.CONCLUDE): ItemStatus.CONCLUDED,
    (ItemStatus.PENDING, ItemAction.DEFER): ItemStatus.DEFERRED,
}

DONE_ITEM_STATUSES: Final = frozenset({ItemStatus.CONCLUDED, ItemStatus.DEFERRED})

ABSTAIN: Final = "abstain"


def next_status(current: str, action: str) -> Status:
    """The meeting status after `action`, or IllegalTransition (409)."""
    try:
        return TRANSITIONS[(Status(current), Action(action))]
    except (KeyError, ValueError):
        raise IllegalTransition(current, action) from None


def next_item_status(current: str, action: str) -> ItemStatus:
    """The item status after `action`, or IllegalTransition (409)."""
    try:
        return ITEM_TRANSITIONS[(ItemStatus(current), ItemAction(action))]
    except (KeyError, ValueError):
        raise IllegalTransition(current, action) from None


def actions_from(status: str) -> list[Action]:
    return [action for (source, action) in TRANSITIONS if source == status]


def item_actions_from(status: str) -> list[ItemAction]:
    return [action for (source, action) in ITEM_TRANSITIONS if source == status]


def allowed(status: str, action: str) -> bool:
    return (status, action) in TRANSITIONS
