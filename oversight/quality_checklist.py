"""The self-evaluation checklist (B1): what a committee checks itself against, each item drawn
from a rule of the rule set or the Beijing opinions. Pure data, no ORM.

A self-evaluation copies the codes when it opens; a later version of this list leaves past
evaluations as they were (an unknown code still reads as its code's label "—").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    rule: str
    label: Promise


CHECKLIST: Final[tuple[ChecklistItem, ...]] = (
    ChecklistItem("composition", "R4", _("The roster meets the size and composition rules")),
    ChecklistItem("charter_sop", "R3", _("Charter, systems and standard operating procedures are in force")),
    ChecklistItem("conflicts", "R20a", _("Conflicts of interest were declared and recusals recorded")),
    ChecklistItem("quorum_votes", "R19", _("Meetings had a quorum and decisions the required votes")),
    ChecklistItem("timeliness", "R25", _("Decisions were made within the time limit")),
    ChecklistItem("decisions_reasoned", "R23", _("Decisions state conditions or reasons as required")),
    ChecklistItem("tracking", "R28", _("Tracking reviews were held when due")),
    ChecklistItem("rereview", "R38", _("Listed activities went to expert re-review")),
    ChecklistItem("registration", "R51", _("Listed activities were registered within 30 days")),
    ChecklistItem("emergency", "R47", _("The emergency review system is in force with its time limit")),
    ChecklistItem("training", "R10a", _("Members received their periodic training")),
    ChecklistItem("archives", "R60", _("Files are complete and review is traceable")),
    ChecklistItem("annual_report", "R52", _("The annual report was filed by 31 March")),
)  # fmt: skip

_BY_CODE: Final = {item.code: item for item in CHECKLIST}


def codes() -> list[str]:
    return [item.code for item in CHECKLIST]


def item(code: str) -> ChecklistItem | None:
    return _BY_CODE.get(code)


def label(code: str) -> str:
    found = _BY_CODE.get(code)
    return str(found.label) if found is not None else "—"


def rule(code: str) -> str:
    found = _BY_CODE.get(code)
    return found.rule if found is not None else ""
