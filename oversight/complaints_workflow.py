"""The complaint and investigation transitions (R55, R56): one table each, pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _

from ethics.errors import IllegalTransition
from oversight.models_complaints import ComplaintStatus as CS
from oversight.models_complaints import InvestigationStatus as IS


class ComplaintAction(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    ACCEPT = "accept", _("Accept")
    NOT_ACCEPT = "not_accept", _("Do not accept")
    REFER = "refer", _("Refer")
    CLOSE = "close", _("Close")


class InvestigationAction(models.TextChoices):
    CONCLUDE = "conclude", _("Conclude")
    CLOSE = "close", _("Close")


COMPLAINT_TRANSITIONS: Final[Mapping[tuple[CS, ComplaintAction], CS]] = {
    (CS.RECEIVED, ComplaintAction.ACKNOWLEDGE): CS.ACKNOWLEDGED,
    (CS.ACKNOWLEDGED, ComplaintAction.ACCEPT): CS.ACCEPTED,
    (CS.ACKNOWLEDGED, ComplaintAction.NOT_ACCEPT): CS.NOT_ACCEPTED,
    (CS.ACKNOWLEDGED, ComplaintAction.REFER): CS.REFERRED,
    (CS.ACCEPTED, ComplaintAction.CLOSE): CS.CLOSED,
}

INVESTIGATION_TRANSITIONS: Final[Mapping[tuple[IS, InvestigationAction], IS]] = {
    (IS.OPEN, InvestigationAction.CONCLUDE): IS.CONCLUDED,
    (IS.CONCLUDED, InvestigationAction.CLOSE): IS.CLOSED,
}

#: Triage outcomes (R55) and the action each takes.
TRIAGE: Final[Mapping[str, ComplaintAction]] = {
    CS.ACCEPTED: ComplaintAction.ACCEPT,
    CS.NOT_ACCEPTED: ComplaintAction.NOT_ACCEPT,
    CS.REFERRED: ComplaintAction.REFER,
}


def complaint_next(current: str, action: str) -> CS:
    try:
        return COMPLAINT_TRANSITIONS[(CS(current), ComplaintAction(action))]
    except (KeyError, ValueError):
        raise IllegalTransition(current, action) from None


def complaint_actions_from(status: str) -> list[ComplaintAction]:
    return [a for (s, a) in COMPLAINT_TRANSITIONS if s == status]


def investigation_next(current: str, action: str) -> IS:
    try:
        return INVESTIGATION_TRANSITIONS[(IS(current), InvestigationAction(action))]
    except (KeyError, ValueError):
        raise IllegalTransition(current, action) from None
