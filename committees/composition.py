"""Committee composition rules (R4-R7; NHC N1-N3) as one pure function.

No ORM and no clock: the caller passes plain member records, the rule set of the committee's
regimes and the date to check. Each problem carries the api.md code, its rule ID and a message
that cites the article, so the page can show the secretary why, in Chinese.

Conventions:
* A member counts on ``on`` when ``term_start <= on <= last day`` (``term_end``, or ``ended_on`` if
  the appointment ended early): a term that ended yesterday does not count.
* Only 委员 count (chair, vice-chair, member); the secretary runs the office but is not a member.
* R7 "任期不超过5年": a term may end at the latest on the same calendar date 5 years after it
  started (Civil Code month/year periods, clamped at month end), so 2026-01-05 → 2031-01-05 is
  exactly 5 years and 2031-01-06 is one day too long.
"""

# Chinese legal citations use full-width punctuation on purpose.

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from ethics.deadlines import add_months
from ethics.regulations import (
    ETHICS_OR_LAW,
    EXTERNAL,
    LAY,
    SCIENCE,
    Problem,
    RuleSet,
    meets_category,
)

VOTING_ROLES = frozenset({"chair", "vice_chair", "member"})


@dataclass(frozen=True)
class MemberRecord:
    """What the rules need to know about one appointment."""

    role: str
    expertise: str
    gender: str
    external: bool
    term_start: date
    term_end: date
    ended_on: date | None = None
    id: int | None = None
    name: str = ""
    # R8 / N14 pledges; default True so callers that do not track them get no warnings.
    confidentiality_pledge: bool = True
    coi_declaration: bool = True

    @property
    def last_day(self) -> date:
        return min(self.term_end, self.ended_on) if self.ended_on else self.term_end

    def in_term(self, on: date) -> bool:
        return self.term_start <= on <= self.last_day

    @property
    def voting(self) -> bool:
        return self.role in VOTING_ROLES


@dataclass(frozen=True)
class Composition:
    valid: bool
    members_in_term: int
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "members_in_term": self.members_in_term,
            "problems": [problem.as_dict() for problem in self.problems],
            "warnings": [warning.as_dict() for warning in self.warnings],
        }


def _fill(message: Promise, values: Mapping[str, object]) -> str:
    return str(message) % {key: str(value) for key, value in values.items()}


_fill_lazy = lazy(_fill, str)


def _msg(message: Promise, **values: object) -> Promise:
    """Placeholders filled but still lazy, so the message renders in the reader's language."""
    return cast(Promise, _fill_lazy(message, values))


def _problem(code: str, rule: str, article: str, message: Promise, **extra: str) -> Problem:
    return Problem(code, rule, message, {"article": article, **extra})


_EXPERTISE_MESSAGES: Mapping[str, Promise] = {
    SCIENCE: _("No science peer with a relevant S&T background is in term (%(article)s)."),
    ETHICS_OR_LAW: _("No ethics or law expert is in term (%(article)s)."),
    LAY: _("No lay member from outside the institution is in term (%(article)s)."),
    EXTERNAL: _("No member from outside the unit is in term (%(article)s)."),
}

# The NHC lay-member category comes from NHC Art. 8 (N1), whatever rule set carries it.
_NHC_ART8 = "《涉及人的生命科学和医学研究伦理审查办法》第八条"


def latest_term_end(term_start: date, max_years: int) -> date:
    """The last allowed term end for a term starting on ``term_start`` (R7)."""
    return add_months(term_start, 12 * max_years)


def term_too_long(term_start: date, term_end: date, max_years: int) -> bool:
    return term_end > latest_term_end(term_start, max_years)


def _size_problems(voting: Sequence[MemberRecord], rules: RuleSet) -> list[Problem]:
    minimum = rules.min_members
    if len(voting) >= minimum.value:
        return []
    message = _(
        "Only %(count)s members are in term; the committee needs at least %(required)s (%(article)s)."
    )
    return [
        _problem(
            "too_few_members",
            minimum.rule,
            minimum.article,
            _msg(message, count=len(voting), required=minimum.value, article=minimum.article),
            members_in_term=str(len(voting)),
            required=str(minimum.value),
        )
    ]


def _chair_problems(voting: Sequence[MemberRecord], rules: RuleSet) -> list[Problem]:
    param = rules.chairs_required
    chairs = sum(1 for member in voting if member.role == "chair")
    if chairs == 0:
        message = _("The committee has no chair in term (%(article)s).")
        return [
            _problem("no_chair", param.rule, param.article, _msg(message, article=param.article))
        ]
    if chairs > param.value:
        message = _(
            "The committee has %(count)s chairs in term; it must have exactly one (%(article)s)."
        )
        return [
            _problem(
                "several_chairs",
                param.rule,
                param.article,
                _msg(message, count=chairs, article=param.article),
                chairs=str(chairs),
            )
        ]
    return []


def _category_problems(voting: Sequence[MemberRecord], rules: RuleSet) -> list[Problem]:
    param = rules.required_expertise
    problems: list[Problem] = []
    for category in param.value:
        if any(meets_category(category, m.expertise, external=m.external) for m in voting):
            continue
        rule, article = (param.rule, param.article) if category != LAY else ("N1", _NHC_ART8)
        problems.append(
            _problem(
                "missing_expertise",
                rule,
                article,
                _msg(_EXPERTISE_MESSAGES[category], article=article),
                expertise=category,
            )
        )
    return problems


def _gender_and_external(voting: Sequence[MemberRecord], rules: RuleSet) -> list[Problem]:
    problems: list[Problem] = []
    genders = rules.require_both_genders
    if genders.value and len({m.gender for m in voting}) < 2:
        message = _("The members in term are not of both genders (%(article)s).")
        problems.append(
            _problem(
                "single_gender",
                genders.rule,
                genders.article,
                _msg(message, article=genders.article),
            )
        )
    external = rules.require_external
    if external.value and not any(m.external for m in voting):
        problems.append(
            _problem(
                "no_external_member",
                external.rule,
                external.article,
                _msg(_EXPERTISE_MESSAGES[EXTERNAL], article=external.article),
            )
        )
    return problems


def _term_problems(members: Iterable[MemberRecord], rules: RuleSet) -> list[Problem]:
    param = rules.max_term_years
    problems = []
    for member in members:
        if not term_too_long(member.term_start, member.term_end, param.value):
            continue
        message = _(
            "The term of %(name)s (%(start)s to %(end)s) is longer than %(years)s years (%(article)s)."
        )
        problems.append(
            _problem(
                "term_too_long",
                param.rule,
                param.article,
                _msg(
                    message,
                    name=member.name or "-",
                    start=member.term_start.isoformat(),
                    end=member.term_end.isoformat(),
                    years=param.value,
                    article=param.article,
                ),
                membership=str(member.id or ""),
            )
        )
    return problems


def _warnings(voting: Sequence[MemberRecord], rules: RuleSet) -> list[Problem]:
    """Not violations, but what a careful secretary fixes: no vice-chair (R5), pledges (R8)."""
    warnings: list[Problem] = []
    if voting and not any(m.role == "vice_chair" for m in voting):
        article = rules.chairs_required.article
        message = _("No vice-chair is in term; the rules expect several (%(article)s).")
        warnings.append(_problem("no_vice_chair", "R5", article, _msg(message, article=article)))
    for member in voting:
        if member.confidentiality_pledge and member.coi_declaration:
            continue
        message = _(
            "%(name)s has not signed both the confidentiality pledge and the conflict-of-interest declaration."
        )
        warnings.append(
            Problem(
                "missing_pledge",
                "R8",
                _msg(message, name=member.name or "-"),
                {"membership": str(member.id or "")},
            )
        )
    return warnings


def composition(members: Iterable[MemberRecord], rules: RuleSet, on: date) -> Composition:
    """Every composition problem of a committee on date ``on`` (R4, R5, R6, R7; N1-N3)."""
    in_term = [member for member in members if member.in_term(on)]
    voting = [member for member in in_term if member.voting]
    problems = [
        *_size_problems(voting, rules),
        *_chair_problems(voting, rules),
        *_category_problems(voting, rules),
        *_gender_and_external(voting, rules),
        *_term_problems(in_term, rules),
    ]
    return Composition(
        valid=not problems,
        members_in_term=len(voting),
        problems=tuple(problems),
        warnings=tuple(_warnings(voting, rules)),
    )


def missing_documents(present_kinds: Iterable[str], required: Mapping[str, str]) -> list[Problem]:
    """R3, R21, R47: charter and SOP kinds of which no version is on file."""
    have = set(present_kinds)
    return [
        Problem("missing_document", rule, _("No version is on file."), {"document": kind})
        for kind, rule in required.items()
        if kind not in have
    ]
