"""Application statuses, actions and the one transition table (R14, R25, R27, R32-R35, R38-R44,
R47-R48), and the project lifecycle table (R28, R31a, R58, R61).

Buttons, templates and the API read the table through ``actions_from(status)``; services call
``next_status`` before every change, so an action the table does not allow is refused (409).
Finer states after a decision (modifications pending, re-review submitted, appeal filed) live in
the Decision, ReReview and Appeal records; services guard on them with their own 409 codes.
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
    # After the first decision (issue 5).
    SUBMIT_MODIFICATIONS = "submit_modifications", _("Submit the requested modifications")
    CONFIRM_MODIFICATIONS = "confirm_modifications", _("Confirm the modifications")
    RETURN_MODIFICATIONS = "return_modifications", _("Return the modifications")
    RESUBMIT = "resubmit", _("Resubmit for a new review round")
    APPEAL = "appeal", _("File an appeal")
    START_REREVIEW = "start_rereview", _("Send to expert re-review")
    SUBMIT_REREVIEW = "submit_rereview", _("Record submission for expert re-review")
    RECORD_REREVIEW = "record_rereview", _("Record the expert re-review opinion")
    ACKNOWLEDGE = "acknowledge", _("Acknowledge the report")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    APPROVED = "approved", _("Approved")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")
    COMPLETED = "completed", _("Completed")


class ProjectAction(models.TextChoices):
    APPROVE = "approve", _("Approve")
    START = "start", _("Start the activity")
    SUSPEND = "suspend", _("Suspend")
    RESUME = "resume", _("Resume")
    TERMINATE = "terminate", _("Terminate")
    COMPLETE = "complete", _("Close (completed)")
    REINSTATE = "reinstate", _("Reinstate after an appeal")


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


# R34: a simplified review can only end in one of these, agreed by every reviewer (R32(3): a
# tracking review without major change may continue the activity by the simplified procedure).
SIMPLIFIED_APPROVING: Final = frozenset(
    {Verdict.APPROVE, Verdict.APPROVE_WITH_MODIFICATIONS, Verdict.CONTINUE}
)
# R49: designated members decide an emergency review only when all of them approve outright;
# any other opinion (conditions included) sends it to an emergency meeting.
EMERGENCY_APPROVING: Final = frozenset({Verdict.APPROVE, Verdict.CONTINUE})
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
    # R38: a listed activity's approval is preliminary and goes to expert re-review; after
    # 修改后批准 it goes there once the modifications are confirmed.
    (Status.UNDER_REVIEW, Action.START_REREVIEW): Status.AWAITING_REREVIEW,
    (Status.DECIDED, Action.START_REREVIEW): Status.AWAITING_REREVIEW,
    (Status.AWAITING_REREVIEW, Action.SUBMIT_REREVIEW): Status.AWAITING_REREVIEW,
    # R42-R44: the opinion (同意 / 不同意) is recorded, then the committee decides finally.
    (Status.AWAITING_REREVIEW, Action.RECORD_REREVIEW): Status.AWAITING_REREVIEW,
    (Status.AWAITING_REREVIEW, Action.DECIDE): Status.DECIDED,
    # 修改后批准: the researcher submits the modifications, the secretary checks them.
    (Status.DECIDED, Action.SUBMIT_MODIFICATIONS): Status.DECIDED,
    (Status.DECIDED, Action.CONFIRM_MODIFICATIONS): Status.DECIDED,
    (Status.DECIDED, Action.RETURN_MODIFICATIONS): Status.DECIDED,
    # 修改后再审: a new round on the same application, history kept.
    (Status.DECIDED, Action.RESUBMIT): Status.SUBMITTED,
    # R27: a written appeal against an adverse decision (a new appeal application carries it).
    (Status.DECIDED, Action.APPEAL): Status.DECIDED,
    # R30: the secretary triages reports: acknowledge, return for more (RETURN), or ACCEPT.
    (Status.SUBMITTED, Action.ACKNOWLEDGE): Status.DECIDED,
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
    Action.START_REREVIEW: frozenset({SECRETARY, CHAIR}),
    Action.SUBMIT_REREVIEW: frozenset({SECRETARY}),
    Action.RECORD_REREVIEW: frozenset({SECRETARY}),
    Action.SUBMIT_MODIFICATIONS: frozenset({APPLICANT}),
    Action.CONFIRM_MODIFICATIONS: frozenset({SECRETARY}),
    Action.RETURN_MODIFICATIONS: frozenset({SECRETARY}),
    Action.RESUBMIT: frozenset({APPLICANT}),
    Action.APPEAL: frozenset({APPLICANT}),
    Action.ACKNOWLEDGE: frozenset({SECRETARY}),
}

# Taken by the services themselves (never a button of their own).
INTERNAL_ACTIONS: Final = frozenset({Action.START_REREVIEW, Action.DECLARE, Action.OPINION})

# Kinds whose approval approves the activity itself (an upheld appeal gives a new decision, R27)
# and, for a listed activity, goes to expert re-review (R38; R46 adds major amendments).
APPROVING_KINDS: Final = frozenset({Kind.INITIAL, Kind.APPEAL})
# R30: reports the secretary triages; a closure report may simply be acknowledged as well.
TRIAGED_KINDS: Final = frozenset({Kind.RISK_REPORT, Kind.DEVIATION, Kind.CLOSURE})
# Applications that only exist for a project already approved (R28, R30, R31a).
FOLLOW_UP_KINDS: Final = frozenset(
    {Kind.AMENDMENT, Kind.TRACKING, Kind.RISK_REPORT, Kind.DEVIATION, Kind.CLOSURE}
)

# --- the project lifecycle (R28, R58, R61) ----------------------------------------------------

_RUNNING: Final = (ProjectStatus.APPROVED, ProjectStatus.ACTIVE, ProjectStatus.SUSPENDED)

PROJECT_TRANSITIONS: Final[Mapping[tuple[ProjectStatus, ProjectAction], ProjectStatus]] = {
    # R58: no approval (and, for a listed activity, no re-review) means no start.
    (ProjectStatus.PLANNED, ProjectAction.APPROVE): ProjectStatus.APPROVED,
    (ProjectStatus.APPROVED, ProjectAction.START): ProjectStatus.ACTIVE,
    # R28: tracking review may suspend or terminate; continuing resumes a suspended activity.
    (ProjectStatus.APPROVED, ProjectAction.SUSPEND): ProjectStatus.SUSPENDED,
    (ProjectStatus.ACTIVE, ProjectAction.SUSPEND): ProjectStatus.SUSPENDED,
    (ProjectStatus.SUSPENDED, ProjectAction.RESUME): ProjectStatus.ACTIVE,
    **{(status, ProjectAction.TERMINATE): ProjectStatus.TERMINATED for status in _RUNNING},
    # R27: an appeal against termination decided otherwise reinstates the activity.
    (ProjectStatus.TERMINATED, ProjectAction.REINSTATE): ProjectStatus.ACTIVE,
    # R61: closure ends tracking and starts the retention clock.
    **{(status, ProjectAction.COMPLETE): ProjectStatus.COMPLETED for status in _RUNNING},
}
RUNNING_PROJECT: Final = frozenset(_RUNNING)


def project_next_status(current: str, action: str) -> ProjectStatus:
    """The project status after `action`, or IllegalTransition (409)."""
    try:
        return PROJECT_TRANSITIONS[(ProjectStatus(current), ProjectAction(action))]
    except (KeyError, ValueError):
        raise IllegalTransition(current, action) from None


# Statuses in which the applicant may add document versions without a correction request.
EDITABLE: Final = frozenset({Status.DRAFT, Status.RETURNED})
OPEN_STATUSES: Final = frozenset({Status.SUBMITTED, Status.UNDER_REVIEW, Status.AWAITING_REREVIEW})
# The intake page's open queue (its default bucket) and the partial index that orders it
# (reviews.models application_intake_idx, issue 18): plain sorted values, stable in migrations.
INTAKE_STATUSES: Final = tuple(sorted(str(status) for status in {*OPEN_STATUSES, Status.RETURNED}))


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
