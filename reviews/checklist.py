"""Document checklists per application kind (R13, regulations §3.1) and the Art. 2 pre-screen.

Pure data and functions: the services ask ``missing_slots(kind, scope, present)`` and get every
missing item at once (R14), each with the rule that requires it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reviews.workflow import Kind


class Scope(models.TextChoices):
    """MEAS Art. 2 scope categories (R12)."""

    HUMAN_PARTICIPANTS = "human_participants", _("Human research participants")
    HUMAN_DATA_SAMPLES = "human_data_samples", _("Human samples or personal information data")
    ANIMALS = "animals", _("Laboratory animals")
    OTHER_RISK = "other_risk", _("Other ethical risks (life and health, ecology, public order)")
    # Art. 2(4): other activities that laws and administrative regulations require to be reviewed.
    BY_LAW = "by_law", _("Required by laws and administrative regulations")


HUMAN_SCOPES: Final = frozenset({Scope.HUMAN_PARTICIPANTS, Scope.HUMAN_DATA_SAMPLES})
SOURCE_SCOPES: Final = frozenset({Scope.HUMAN_DATA_SAMPLES, Scope.ANIMALS})
# Data and algorithms (R22 (5)) and other risks: where the AI criteria apply (B7).
AI_SCOPES: Final = frozenset({Scope.HUMAN_DATA_SAMPLES, Scope.OTHER_RISK})


class Slot(models.TextChoices):
    OVERVIEW = "overview", _("Activity overview")
    PLAN = "plan", _("Implementation plan with risk assessment and emergency plan")
    QUALIFICATIONS = "qualifications", _("Qualifications, experience and ethics training")
    FUNDING = "funding", _("Funding source")
    COI = "coi", _("Conflict-of-interest declaration")
    CONSENT = "consent", _("Informed consent form")
    SOURCES = "sources", _("Sources of samples, data or animals")
    UNDERTAKING = "undertaking", _("Ethics and research-integrity undertaking")
    PARTNER_APPROVALS = "partner_approvals", _("Partner countries' ethics approvals")
    AMENDMENT = "amendment", _("Description of the changes")
    PROGRESS = "progress", _("Progress report")
    RISK = "risk", _("Risk-change or adverse-event report")
    DEVIATION = "deviation", _("Deviation report")
    CLOSURE = "closure", _("Closure report")
    APPEAL = "appeal", _("Written appeal with reasons")
    EXEMPTION = "exemption", _("Justification for exemption")
    OTHER = "other", _("Other material")


@dataclass(frozen=True)
class Item:
    slot: Slot
    rule: str
    # Required only if the project's scope meets one of these categories (empty: always).
    when_scope: frozenset[str] = frozenset()
    required: bool = True

    def applies(self, scope: Collection[str]) -> bool:
        return not self.when_scope or bool(self.when_scope & set(scope))

    @property
    def label(self) -> Promise:
        return Slot(self.slot).label


_ART9: Final[tuple[Item, ...]] = (
    Item(Slot.OVERVIEW, "R13"),
    Item(Slot.PLAN, "R13"),
    Item(Slot.QUALIFICATIONS, "R13"),
    Item(Slot.FUNDING, "R13"),
    Item(Slot.COI, "R13"),
    Item(Slot.CONSENT, "R13", HUMAN_SCOPES),
    Item(Slot.SOURCES, "R13", SOURCE_SCOPES),
    Item(Slot.UNDERTAKING, "R13"),
)
_OTHER: Final = Item(Slot.OTHER, "R13", required=False)

CHECKLISTS: Final[Mapping[Kind, tuple[Item, ...]]] = {
    Kind.INITIAL: (*_ART9, Item(Slot.PARTNER_APPROVALS, "R16", required=False), _OTHER),
    Kind.AMENDMENT: (
        Item(Slot.AMENDMENT, "R31a"),
        Item(Slot.PLAN, "R13"),
        Item(Slot.CONSENT, "R13", HUMAN_SCOPES, required=False),
        _OTHER,
    ),
    Kind.TRACKING: (Item(Slot.PROGRESS, "R29"), _OTHER),
    Kind.RISK_REPORT: (Item(Slot.RISK, "R30"), _OTHER),
    Kind.DEVIATION: (Item(Slot.DEVIATION, "R31a"), _OTHER),
    Kind.CLOSURE: (Item(Slot.CLOSURE, "R28"), _OTHER),
    Kind.APPEAL: (Item(Slot.APPEAL, "R27"), _OTHER),
    Kind.EXEMPTION: (
        Item(Slot.EXEMPTION, "N10"),
        Item(Slot.SOURCES, "N10"),
        Item(Slot.UNDERTAKING, "R13"),
        _OTHER,
    ),
}


def checklist(kind: str, scope: Collection[str]) -> list[Item]:
    """The items that apply to an application of `kind` for a project with `scope`."""
    return [item for item in CHECKLISTS[Kind(kind)] if item.applies(scope)]


def slots_for(kind: str) -> list[str]:
    return [item.slot.value for item in CHECKLISTS[Kind(kind)]]


def missing_slots(kind: str, scope: Collection[str], present: Collection[str]) -> list[Item]:
    """Every required item without an uploaded document (R13, all at once per R14)."""
    return [
        item for item in checklist(kind, scope) if item.required and item.slot not in set(present)
    ]


# --- the Art. 2 pre-screen (R11, R12) ---------------------------------------------------------


@dataclass(frozen=True)
class Question:
    key: str
    text: Promise
    scope: str  # the category a "yes" puts the project in (Art. 2(1)-(4))


PRESCREEN: Final[tuple[Question, ...]] = (
    Question(
        "humans",
        _("Does the activity involve people as research participants?"),
        Scope.HUMAN_PARTICIPANTS,
    ),
    Question(
        "human_data",
        _("Does it use human biological samples or personal information data?"),
        Scope.HUMAN_DATA_SAMPLES,
    ),
    Question("animals", _("Does it involve laboratory animals?"), Scope.ANIMALS),
    Question(
        "other_risk",
        _(
            "Could it pose ethical risks to life and health, the ecological environment, "
            "public order or sustainable development?"
        ),
        Scope.OTHER_RISK,
    ),
    Question(
        "by_law",
        _("Do laws or administrative regulations require an ethics review for it?"),
        Scope.BY_LAW,
    ),
)


@dataclass(frozen=True)
class PrescreenResult:
    review_required: bool
    scope: list[str]


def in_scope(scope: Collection[str]) -> bool:
    """R12: the one scope test: an activity in any Art. 2 category (1)-(4) needs ethics review.

    The pre-screen's answer and submission's check both ask this, so they never disagree.
    """
    return any(code in Scope.values for code in scope)


def prescreen(answers: Mapping[str, bool]) -> PrescreenResult:
    """R11/R12: any "yes" to an Art. 2 question (incl. (4), required by law) needs review."""
    scope = [q.scope for q in PRESCREEN if answers.get(q.key)]
    return PrescreenResult(review_required=in_scope(scope), scope=scope)


# --- the reviewer worksheet (R22): criteria chosen by the project's scope ----------------------


@dataclass(frozen=True)
class Criterion:
    key: str
    text: Promise
    when_scope: frozenset[str] = frozenset()


CRITERIA: Final[tuple[Criterion, ...]] = (
    Criterion("principles", _("Conforms to the ethics principles; qualified staff and adequate facilities")),
    Criterion("value", _("Scientific and social value; reasonable risk-benefit ratio")),
    Criterion("risk_control", _("Workable risk-control and emergency plans")),
    Criterion("recruitment", _("Fair recruitment of participants"), HUMAN_SCOPES),
    Criterion("privacy", _("Lawful handling of samples and personal information"), HUMAN_SCOPES),
    Criterion("compensation", _("Compensation, injury treatment and indemnity"), frozenset({Scope.HUMAN_PARTICIPANTS})),
    Criterion("vulnerable", _("Protection of vulnerable groups"), HUMAN_SCOPES),
    Criterion("consent", _("Complete and clear consent form; compliant consent process"), HUMAN_SCOPES),
    Criterion("three_r", _("Replacement, reduction and refinement (3R)"), frozenset({Scope.ANIMALS})),
    Criterion("animal_source", _("Lawful source of animals and welfare standards"), frozenset({Scope.ANIMALS})),
    Criterion("safety", _("Safety of staff and the public"), frozenset({Scope.ANIMALS, Scope.OTHER_RISK})),
    Criterion("data", _("Data security and personal-information compliance of data and algorithms"), frozenset({Scope.HUMAN_DATA_SAMPLES, Scope.OTHER_RISK})),
    # B7 (Beijing opinions 三(一)): algorithms and AI, for activities with data or other risks.
    Criterion("ai_fairness", _("Fairness of algorithms and models: no bias or discrimination"), AI_SCOPES),
    Criterion("ai_transparency", _("Transparency and explainability of algorithms and models"), AI_SCOPES),
    Criterion("ai_control", _("Controllability: human oversight, and the system can be corrected or stopped"), AI_SCOPES),
    # B8 (Beijing opinions 五(四)): no danger to biological or ecological safety.
    Criterion("biosafety", _("Biosafety (pathogens, biological samples, genetic material)"), frozenset({Scope.HUMAN_DATA_SAMPLES, Scope.ANIMALS, Scope.OTHER_RISK})),
    Criterion("ecology", _("Ecological safety and the environment"), frozenset({Scope.ANIMALS, Scope.OTHER_RISK})),
)  # fmt: skip


def criteria_for(scope: Sequence[str]) -> list[Criterion]:
    """R22: the worksheet's criteria for a project's scope categories (with B7, B8)."""
    return [c for c in CRITERIA if not c.when_scope or c.when_scope & set(scope)]
