"""The emergency procedure is never weaker (R47-R49), and a meeting decides only by its tally (R24).

An emergency application is decided either by an emergency meeting (quorum R19, 2/3 R24) or,
where the committee's emergency SOP allows it (``Committee.emergency_member_review``, set and
audited through ``committee_update``), by at least two designated members who agree
unanimously on approval. Any other opinion (conditions, doubt, disapproval, a request for a
meeting, disagreement) turns the round into an emergency meeting within the same 72-hour clock
(R48: the decision clock of the round keeps running, unchanged).

The meetings app sits above reviews, so it registers here (from ``MeetingsConfig.ready``):

- ``register_meeting_attach(fn)``: ``fn(review, actor)`` puts a round that has just become an
  emergency meeting on the agenda of the committee's next scheduled meeting before the
  round's due time, returning True when it did;
- ``register_tally_check(fn)``: ``fn(application, outcome, tally)`` answers whether ``tally``
  is the record of a meeting item of this application that adopted ``outcome`` (R24).
  Without a registered check no meeting decision can be issued.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from ethics.errors import Conflict
from ethics.models import User
from reviews.models import Application, Review
from reviews.workflow import Procedure

MeetingAttach = Callable[[Review, User | None], bool]
TallyCheck = Callable[[Application, str, Mapping[str, Any]], bool]

_ATTACH: list[MeetingAttach] = []
_TALLY_CHECKS: list[TallyCheck] = []

# Why a round became an emergency meeting (Review.conversion_reason; R49), with its label.
SOP_MEETING_ONLY = "sop_meeting_only"
CONDITIONS = "conditions"
REASONS: Mapping[str, Any] = {
    SOP_MEETING_ONLY: _("the emergency SOP provides for a meeting"),
    CONDITIONS: _("a member asked for modifications"),
    "negative_opinion": _("a member gave a negative opinion"),
    "doubt": _("a member has doubts"),
    "meeting_requested": _("a member asked for a meeting"),
    "disagreement": _("the members disagree"),
}


def register_meeting_attach(fn: MeetingAttach) -> None:
    if fn not in _ATTACH:
        _ATTACH.append(fn)


def register_tally_check(fn: TallyCheck) -> None:
    if fn not in _TALLY_CHECKS:
        _TALLY_CHECKS.append(fn)


def attach_to_meeting(review: Review, actor: User | None) -> bool:
    """Put the round on the next meeting before its due time; False when there is none."""
    return any(fn(review, actor) for fn in _ATTACH)


def member_route_allowed(application: Application) -> bool:
    """R47-R49: the committee's emergency SOP lets designated members decide."""
    return bool(application.committee.emergency_member_review)


def is_emergency_meeting(review: Review) -> bool:
    """A meeting round that began as an emergency review (its 72-hour clock runs on)."""
    return review.procedure == Procedure.MEETING and review.converted_from == Procedure.EMERGENCY


def require_meeting_tally(
    application: Application, outcome: str, tally: Mapping[str, Any] | None
) -> None:
    """R24: a meeting review is decided only by the tally of the meeting that adopted it.

    Every route (page, API, admin, a service called directly) ends in ``decision_issue``,
    which asks this for a meeting round; a decision without the meeting's tally, or with an
    outcome the tally did not adopt, is refused.
    """
    if tally is None or not any(check(application, outcome, tally) for check in _TALLY_CHECKS):
        raise Conflict(
            "tally_required",
            _(
                "A meeting review is decided only by the outcome its meeting adopted in the vote "
                "(R24)."
            ),
            rule="R24",
        )
