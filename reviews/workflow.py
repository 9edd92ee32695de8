"""Application statuses, actions and the one transition table (R14, R25, R32-R35, R47-R48).

Buttons, templates and the API read the table through ``actions_from(status)``; services call
``next_status`` before every change, so an action the table does not allow is refused (409).
Pure: no ORM, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _

from ethics.errors import IllegalTransition


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for completion")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    UNDER_REVIEW = "under_review", _("Under review")
    AWAITING_REREVIEW = "awaiting_rereview", _("Awaiting expert re-review")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Action(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    RETURN = "return", _("Return for completion")
    NOT_ACCEPT = "not_accept", _("Do not accept")
    ACCEPT = "accept", _("Accept")
    ASSIGN = "assign", _("Assign reviewers")
    DECLARE = "declare", _("Declare conflicts of interest")
    OPINION = "opinion", _("Record opinion")
    EXTEND = "extend", _("Extend the deadline")
    DECIDE = "decide", _("Decide")
    WITHDRAW = "withdraw", _("Withdraw")


class Kind(models.TextChoices):
    INITIAL = "initial", _("Initial review")
    AMENDMENT = "amendment", _("Amendment")
    TRACKING = "tracking", _("Tracking review report")
    RISK_REPORT = "risk_report", _("Risk-change or adverse-event report")
    DEVIATION = "deviation", _("Deviation report")
    CLOSURE = "closure", _("Closure report")
    APPEAL = "appeal", _("Appeal")
    EXEMPTION = "exemption", _("Exemption request")


class Procedure(models.TextChoices):
    MEETING = "meeting", _("Meeting review")
    SIMPLIFIED = "simplified", _("Simplified procedure")
    EMERGENCY = "emergency", _("Emergency procedure")


class Verdict(models.TextChoices):
    """A reviewer's opinion: the four outcomes of §2 plus doubt and a request for a meeting (R34)."""

    APPROVE = "approve", _("Approve")
    APPROVE_WITH_MODIFICATIONS = "approve_with_modifications", _("Approve after modification")
    RESUBMIT = "resubmit", _("Re-review after modification")
    DISAPPROVE = "disapprove", _("Disapprove")
    CONTINUE = "continue", _("Continue")
    SUSPEND = "suspend", _("Suspend")
    TERMINATE = "terminate", _("Terminate")
    DOUBT = "doubt", _("Has doubts")
    REQUEST_MEETING = "request_meeting", _("Request meeting review")


# R34: a simplified review can only end in one of these, agreed by every reviewer.
SIMPLIFIED_APPROVING: Final = frozenset({Verdict.APPROVE, Verdict.APPROVE_WITH_MODIFICATIONS})
NEGATIVE_VERDICTS: Final = frozenset(
    {Verdict.RESUBMIT, Verdict.DISAPPROVE, Verdict.SUSPEND, Verdict.TERMINATE}
)

# Roles a user can hold towards one application (computed in reviews/policies.py).
APPLICANT: Final = "applicant"  # lead or team member of the project
SECRETARY: Final = "secretary"  # secretary, chair or vice-chair of the reviewing committee
CHAIR: Final = "chair"
REVIEWER: Final = "reviewer"  # an assigned member

_BEFORE_DECISION: Final = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.RETURNED,
    Status.UNDER_REVIEW,
    Status.AWAITING_REREVIEW,
)

TRANSITIONS: Final[Mapping[tuple[Status, Action], Status]] = {
    (Status.DRAFT, Action.SUBMIT): Status.SUBMITTED,
    (Status.RETURNED, Action.SUBMIT): Status.SUBMITTED,
    # R14: the committee accepts (with a procedure), returns with every missing item, or refuses.
    (Status.SUBMITTED, Action.RETURN): Status.RETURNED,
    (Status.SUBMITTED, Action.NOT_ACCEPT): Status.NOT_ACCEPTED,
    (Status.SUBMITTED, Action.ACCEPT): Status.UNDER_REVIEW,
    (Status.UNDER_REVIEW, Action.ASSIGN): Status.UNDER_REVIEW,
    (Status.UNDER_REVIEW, Action.DECLARE): Status.UNDER_REVIEW,
    (Status.UNDER_REVIEW, Action.OPINION): Status.UNDER_REVIEW,
    (Status.UNDER_REVIEW, Action.EXTEND): Status.UNDER_REVIEW,
    (Status.UNDER_REVIEW, Action.DECIDE): Status.DECIDED,
    # Withdraw at any point before a decision.
    **{(status, Action.WITHDRAW): Status.WITHDRAWN for status in _BEFORE_DECISION},
}

# Who may take each action (the policy checks the role against the application's committee).
ACTION_ROLES: Final[Mapping[Action, frozenset[str]]] = {
    Action.SUBMIT: frozenset({APPLICANT}),
    Action.WITHDRAW: frozenset({APPLICANT}),
    Action.RETURN: frozenset({SECRETARY}),
    Action.NOT_ACCEPT: frozenset({SECRETARY}),
    Action.ACCEPT: frozenset({SECRETARY}),
    # R33: for the simplified procedure only the chair designates; services narrow this.
    Action.ASSIGN: frozenset({SECRETARY, CHAIR}),
    Action.EXTEND: frozenset({SECRETARY, CHAIR}),
    Action.DECLARE: frozenset({REVIEWER}),
    Action.OPINION: frozenset({REVIEWER}),
    Action.DECIDE: frozenset({CHAIR}),
}

# Statuses in which the applicant may add document versions without a correction request.
EDITABLE: Final = frozenset({Status.DRAFT, Status.RETURNED})
OPEN_STATUSES: Final = frozenset({Status.SUBMITTED, Status.UNDER_REVIEW, Status.AWAITING_REREVIEW})


def next_status(current: str, action: str) -> Status:
    """The status after `action`, or IllegalTransition (409) if the table has no such edge."""
    try:
        return TRANSITIONS[(Status(current), Action(action))]
    except (KeyError, ValueError):
        raise IllegalTransition(current, action) from None


def actions_from(status: str) -> list[Action]:
    """Every action the table allows from `status`, in declaration order."""
    return [action for (source, action) in TRANSITIONS if source == status]


def allowed(status: str, action: str) -> bool:
    return (status, action) in TRANSITIONS
