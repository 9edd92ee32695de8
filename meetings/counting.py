"""Quorum and tally of one agenda item (R19, R20a, R24, N4), over rows already loaded. No ORM.

The base of R24 is "members present and not recused": every member in term who attended the
opening and is not recused from the item. Abstentions count in that base (an abstaining member
is present and did not vote for the outcome), and so does a present member who cast no vote, so
"到会委员的2/3以上" is read against everyone present, never against the votes cast.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ethics import regulations
from meetings.workflow import ABSTAIN


@dataclass(frozen=True)
class Present:
    membership_id: int
    expertise: str
    gender: str
    external: bool
    in_term: bool


@dataclass
class Tally:
    counts: dict[str, int]
    present: int
    recused: int
    not_voted: int
    threshold: int
    total_members: int
    adopted: str | None
    rules: list[str]
    quorum_problems: list[regulations.Problem] = field(default_factory=list)
    consultants: int = 0

    @property
    def quorate(self) -> bool:
        return not self.quorum_problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "procedure": "meeting",
            "counts": dict(self.counts),
            "present": self.present,
            "recused": self.recused,
            "not_voted": self.not_voted,
            "threshold": self.threshold,
            "total_members": self.total_members,
            "consultants": self.consultants,
            "rules": list(self.rules),
        }


def attendees(present: Iterable[Present], recused: set[int]) -> list[Present]:
    """Members present for the item: at the meeting and not recused (R20a)."""
    return [p for p in present if p.membership_id not in recused]


def item_quorum(
    present: Iterable[Present], recused: set[int], rules: regulations.RuleSet
) -> list[regulations.Problem]:
    """R19 re-checked per item after recusals (members out of term are not counted)."""
    people = [
        regulations.Attendee(p.expertise, p.gender, p.external, p.in_term)
        for p in attendees(present, recused)
    ]
    return regulations.quorum_problems(people, rules=rules)


def tally(
    *,
    present: Iterable[Present],
    recused: set[int],
    votes: dict[int, str],
    choices: Iterable[str],
    total_members: int,
    rules: regulations.RuleSet,
    consultants: int = 0,
) -> Tally:
    """Count the votes of eligible members and find the outcome adopted, if any (R24, N4)."""
    present = list(present)
    eligible = [p for p in attendees(present, recused) if p.in_term]
    eligible_ids = {p.membership_id for p in eligible}
    base = len(eligible)
    counted = {mid: choice for mid, choice in votes.items() if mid in eligible_ids}
    counts = dict.fromkeys(choices, 0)
    counts.setdefault(ABSTAIN, 0)
    for choice in counted.values():
        counts[choice] = counts.get(choice, 0) + 1
    total = max(total_members, base)
    adopted = None
    for choice, number in counts.items():
        if choice == ABSTAIN or not number:
            continue
        if regulations.vote_outcome_passes(number, base, total_members=total, rules=rules):
            adopted = choice
            break
    cited = [rules.vote_threshold.rule]
    if rules.majority_of_all.value is not None:
        cited.append(rules.majority_of_all.rule)
    return Tally(
        counts=counts,
        present=base,
        recused=len({p.membership_id for p in present} & recused),
        not_voted=base - len(counted),
        threshold=regulations.votes_required(base, total_members=total, rules=rules),
        total_members=total,
        adopted=adopted,
        rules=cited,
        quorum_problems=item_quorum(present, recused, rules),
        consultants=consultants,
    )
