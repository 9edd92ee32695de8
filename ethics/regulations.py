"""Every regulatory number and rule as data, plus pure functions over it.

Rule IDs (R1…R65, N1…N14) and statuses come from ``docs/regulations.md``. Each number is a
``Param`` that carries its rule ID, article and ``source``: ``primary`` (read in the primary text),
``secondary`` (a secondary source only) or ``unverified`` (the commonly cited reading, not checked
against the primary text; the UI shows an "unverified" badge for it). No ORM, no clock: callers pass everything in.

Regimes: ``MEAS`` is 《科技伦理审查办法（试行）》 (all S&T ethics review); ``NHC`` is
《涉及人的生命科学和医学研究伦理审查办法》. Research on humans is also inside MEAS Art. 2(1), so
the NHC rule set is the MEAS baseline with the NHC rules layered on top; each ``Param`` keeps the
rule ID of the text it comes from. ``combined()`` gives the strictest combination (§6.1).
"""

# Chinese legal text and its citations use full-width punctuation on purpose.

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from fractions import Fraction
from typing import Any, Final, Generic, TypeVar, cast

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

T = TypeVar("T")

MEAS_TITLE: Final = "《科技伦理审查办法（试行）》"
NHC_TITLE: Final = "《涉及人的生命科学和医学研究伦理审查办法》"


def _meas(article: str) -> str:
    return f"{MEAS_TITLE}{article}"


def _nhc(article: str) -> str:
    return f"{NHC_TITLE}{article}"


BJ_TITLE: Final = "《关于加强科技伦理治理的实施意见（试行）》（京科监发〔2024〕277号）"


def _with_bj(article: str, section: str) -> str:
    """A MEAS article read together with the Beijing implementation opinions (primary text)."""
    return f"{article}；{BJ_TITLE}{section}"


class Regime(enum.StrEnum):
    """A body of review rules; a committee (and a case) may fall under several."""

    MEAS = "meas"
    NHC = "nhc"

    @property
    def label(self) -> Promise:
        return _REGIME_LABELS[self]

    @property
    def title_zh(self) -> str:
        return {Regime.MEAS: MEAS_TITLE, Regime.NHC: NHC_TITLE}[self]


_REGIME_LABELS: Final[Mapping[Regime, Promise]] = {
    Regime.MEAS: _("Measures for S&T Ethics Review (Trial)"),
    Regime.NHC: _(
        "Measures for Ethics Review of Life Science and Medical Research Involving Humans"
    ),
}


class Source(enum.StrEnum):
    """Where a number was read (regulations.md "Status"): P, S or UNCONFIRMED."""

    PRIMARY = "primary"  # P: checked against the primary text
    SECONDARY = (
        "secondary"  # S: a secondary source only (interview, news, law-firm note, exam site)
    )
    UNVERIFIED = "unverified"  # UNCONFIRMED: the commonly cited reading, not checked

    @property
    def label(self) -> Promise:
        return _SOURCE_LABELS[self]


_SOURCE_LABELS: Final[Mapping[Source, Promise]] = {
    Source.PRIMARY: _("Primary text"),
    Source.SECONDARY: _("Secondary source"),
    Source.UNVERIFIED: _("Unverified"),
}

P: Final = Source.PRIMARY
S: Final = Source.SECONDARY
U: Final = Source.UNVERIFIED

_SOURCE_ORDER: Final = (P, S, U)


@dataclass(frozen=True)
class Param(Generic[T]):
    """One regulatory number or rule with its provenance.

    ``committee_set`` marks a value the committee's SOP set within the legal bounds (see
    ``OVERRIDABLE`` and ``with_overrides``); rule, article and source stay the text's.
    """

    value: T
    rule: str
    article: str
    source: Source
    # Lazy objects render (and need settings) when compared, so equality ignores the label.
    label: Promise = field(compare=False)
    term_zh: str
    committee_set: bool = False

    def __post_init__(self) -> None:
        # The former ``verified`` flag (True/False) still reads: True as at least a secondary
        # source (the old flag did not say which), False as unverified.
        if isinstance(self.source, bool):
            object.__setattr__(self, "source", S if self.source else U)

    @property
    def verified(self) -> bool:
        """Read in the primary text or a secondary source (not merely the common reading)."""
        return self.source is not Source.UNVERIFIED

    @property
    def unverified(self) -> bool:
        return self.source is Source.UNVERIFIED


# What submission does about the lead's missing or expired ethics training (R10a).
TRAINING_OFF: Final = 0
TRAINING_WARN: Final = 1
TRAINING_BLOCK: Final = 2

# Category codes. "ethics_or_law" is met by an ethics or a law expert (R6: 伦理、法律等);
# "lay" is a lay person from outside the institution (N1: 非本机构的社会人士).
SCIENCE: Final = "science"
ETHICS_OR_LAW: Final = "ethics_or_law"
EXTERNAL: Final = "external"
LAY: Final = "lay"

CATEGORY_LABELS: Final[Mapping[str, Promise]] = {
    SCIENCE: _("Science peer"),
    ETHICS_OR_LAW: _("Ethics or law expert"),
    EXTERNAL: _("Member from outside the unit"),
    LAY: _("Lay member from outside the institution"),
}

# Grounds for the simplified procedure (R32; N9 adds the participating-site confirmation).
MINIMAL_RISK: Final = "minimal_risk"
MINOR_MODIFICATION: Final = "minor_modification"
TRACKING_NO_MAJOR_CHANGE: Final = "tracking_no_major_change"
PARTICIPATING_SITE_CONFIRMATION: Final = "participating_site_confirmation"

SIMPLIFIED_GROUND_LABELS: Final[Mapping[str, Promise]] = {
    MINIMAL_RISK: _("Ethical risk not higher than minimal risk"),
    MINOR_MODIFICATION: _("Minor modification not changing the risk-benefit ratio"),
    TRACKING_NO_MAJOR_CHANGE: _("Tracking review with no major adjustment since the last review"),
    PARTICIPATING_SITE_CONFIRMATION: _("Participating site confirming the lead site's opinion"),
}

# R32 / N9: the application kinds (reviews.workflow.Kind values) each ground fits: minimal risk
# and a participating site's confirmation are about the activity itself (initial review), a
# minor modification is an amendment, "no major adjustment" is a tracking review. N10: an
# exemption request (a kind only the NHC track offers) is about a use of data or samples that
# causes no harm, so it is reviewed on the minimal-risk ground.
SIMPLIFIED_GROUND_KINDS: Final[Mapping[str, frozenset[str]]] = {
    MINIMAL_RISK: frozenset({"initial", "exemption"}),
    MINOR_MODIFICATION: frozenset({"amendment"}),
    TRACKING_NO_MAJOR_CHANGE: frozenset({"tracking"}),
    PARTICIPATING_SITE_CONFIRMATION: frozenset({"initial"}),
}


def simplified_ground_kind_problems(ground: str, kind: str) -> list[Problem]:
    """R32: a simplified ground is allowed only for the application kinds it fits."""
    if kind in SIMPLIFIED_GROUND_KINDS.get(ground, frozenset()):
        return []
    return [
        Problem(
            "simplified_ground_wrong_kind",
            "R32",
            _("This ground for the simplified procedure does not fit this kind of application."),
            {"ground": ground, "kind": kind},
        )
    ]


# How combined() merges one parameter across regimes ("the strictest combination", §6.1).
Combine = Callable[[Sequence[Any]], Any]


def _largest(values: Sequence[Any]) -> Any:
    return max(values)


def _smallest(values: Sequence[Any]) -> Any:
    return min(values)


def _largest_set(values: Sequence[Any]) -> Any:
    present = [value for value in values if value is not None]
    return max(present) if present else None


def _smallest_set(values: Sequence[Any]) -> Any:
    present = [value for value in values if value is not None]
    return min(present) if present else None


def _union(values: Sequence[Any]) -> Any:
    merged: list[Any] = []
    for value in values:
        merged.extend(item for item in value if item not in merged)
    return tuple(merged)


def _common(values: Sequence[Any]) -> Any:
    return tuple(item for item in values[0] if all(item in value for value in values[1:]))


def _common_and_site_confirmation(values: Sequence[Any]) -> Any:
    """Simplified-procedure grounds under several regimes: those every regime allows, plus N9's
    participating-site confirmation when one regime provides it. MEAS says nothing against it,
    and the confirmed opinion is the lead site's full review, so the case still meets both."""
    common = _common(values)
    if any(PARTICIPATING_SITE_CONFIRMATION in value for value in values):
        return (*common, PARTICIPATING_SITE_CONFIRMATION)
    return common


def _union_descending(values: Sequence[Any]) -> Any:
    return tuple(sorted({item for value in values for item in value}, reverse=True))


def _union_ascending(values: Sequence[Any]) -> Any:
    return tuple(sorted({item for value in values for item in value}))


def _any(values: Sequence[Any]) -> Any:
    return any(values)


def _all(values: Sequence[Any]) -> Any:
    return all(values)


def _how(combine: Combine) -> Mapping[str, Combine]:
    return {"combine": combine}


_MAX: Final = _how(_largest)
_MIN: Final = _how(_smallest)
_MAX_SET: Final = _how(_largest_set)
_MIN_SET: Final = _how(_smallest_set)
_UNION: Final = _how(_union)
_COMMON: Final = _how(_common)
_COMMON_N9: Final = _how(_common_and_site_confirmation)
_UNION_DESC: Final = _how(_union_descending)
_UNION_ASC: Final = _how(_union_ascending)
_ANY: Final = _how(_any)
_ALL: Final = _how(_all)


# --- Re-review authorities by field (B12, BJ 二(一)) -------------------------------------------

# Field codes (committees.models.FieldOfWork) and authority codes (ethics.models.Authority).
FIELD_AI: Final = "ai"
FIELD_LIFE_SCIENCE: Final = "life_science"
FIELD_MEDICINE: Final = "medicine"
FIELD_LAB_ANIMALS: Final = "lab_animals"
FIELD_AGRICULTURE: Final = "agriculture"
AUTHORITY_STC: Final = "bj_stc"  # 市科委中关村管委会 (one body: the S&T Commission / ZGC)
AUTHORITY_ECONOMY: Final = "bj_economy"  # 市经济和信息化局
AUTHORITY_HEALTH: Final = "bj_health"  # 市卫生健康委
AUTHORITY_AGRICULTURE: Final = "bj_agriculture"  # 市农业农村局

# BJ 二(一): "涉及人工智能领域的，由市科委中关村管委会、市经济和信息化局负责；涉及人的生命科学和医学
# 领域的，由市卫生健康委负责；涉及实验动物的，由市科委中关村管委会负责；涉及农业领域的，由市农业农村局负责".
REREVIEW_AUTHORITIES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (FIELD_AI, (AUTHORITY_STC, AUTHORITY_ECONOMY)),
    (FIELD_LIFE_SCIENCE, (AUTHORITY_HEALTH,)),
    (FIELD_MEDICINE, (AUTHORITY_HEALTH,)),
    (FIELD_LAB_ANIMALS, (AUTHORITY_STC,)),
    (FIELD_AGRICULTURE, (AUTHORITY_AGRICULTURE,)),
)

# The field of each annex item (R36): BJ 三(一) puts items 5 and 6 under AI and 三(二) items 3 and
# 4 under life science and medicine; items 1, 2 and 7 are this product's reading (unverified).
ANNEX_ITEM_FIELDS: Final[Mapping[int, str]] = {
    1: FIELD_LIFE_SCIENCE,
    2: FIELD_LIFE_SCIENCE,
    3: FIELD_MEDICINE,
    4: FIELD_MEDICINE,
    5: FIELD_AI,
    6: FIELD_AI,
    7: FIELD_AI,
}


def rereview_authorities_for(field_code: str, rules: RuleSet) -> tuple[str, ...]:
    """B12: the authorities that organise the re-review of a field (empty when none is named)."""
    for code, authorities in rules.rereview_authorities.value:
        if code == field_code:
            return authorities
    return ()


@dataclass(frozen=True)
class RuleSet:
    """All parameters of one regime (or of a strictest combination of regimes)."""

    regime: Regime
    # Committee set-up (R4-R7; NHC N1-N3, N7-N8).
    min_members: Param[int] = field(metadata=_MAX)
    chairs_required: Param[int] = field(metadata=_MAX)
    max_term_years: Param[int] = field(metadata=_MIN)
    term_reminder_days: Param[tuple[int, ...]] = field(metadata=_UNION_DESC)
    required_expertise: Param[tuple[str, ...]] = field(metadata=_UNION)
    require_both_genders: Param[bool] = field(metadata=_ANY)
    require_external: Param[bool] = field(metadata=_ANY)
    # Meetings and votes (R19, R24; N4).
    quorum_min_present: Param[int] = field(metadata=_MAX)
    quorum_categories: Param[tuple[str, ...]] = field(metadata=_UNION)
    vote_threshold: Param[Fraction] = field(metadata=_MAX)
    majority_of_all: Param[Fraction | None] = field(metadata=_MAX_SET)
    # Clocks (R25, R48; N5) and the simplified procedure (R32-R33; N9).
    decision_days: Param[int] = field(metadata=_MIN)
    emergency_hours: Param[int] = field(metadata=_MIN)
    simplified_min_reviewers: Param[int] = field(metadata=_MAX)
    # A ground is usable only when every applicable regime allows it.
    simplified_grounds: Param[tuple[str, ...]] = field(metadata=_COMMON_N9)  # N9 stays usable
    # Tracking review (R28, R45; N6).
    tracking_months: Param[int] = field(metadata=_MIN)
    listed_tracking_months: Param[int] = field(metadata=_MIN)
    # Expert re-review of listed activities (R40, R42, R43).
    rereview_panel_min: Param[int] = field(metadata=_MAX)
    rereview_threshold: Param[Fraction] = field(metadata=_MAX)
    rereview_days: Param[int] = field(metadata=_MIN)
    # Which Beijing authority organises the re-review of which field (B12, BJ 二(一)): a tuple of
    # (field of work, (authority, ...)) pairs; codes of committees.FieldOfWork / ethics.Authority.
    rereview_authorities: Param[tuple[tuple[str, tuple[str, ...]], ...]] = field(metadata=_UNION)
    # Quality control (B1, BJ 三(二), 五(一)): how often the committee evaluates itself, and the
    # default time a corrective action gets. The texts give no number: product defaults.
    self_evaluation_months: Param[int] = field(metadata=_MIN)
    corrective_action_days: Param[int] = field(metadata=_MIN)
    # Appeals (R27): the period after an adverse decision within which a written appeal is filed.
    appeal_days: Param[int] = field(metadata=_MIN)
    # Filings (R50-R52; N7-N8) and records (R61).
    committee_registration_days: Param[int] = field(metadata=_MIN)
    listed_registration_days: Param[int] = field(metadata=_MIN)
    annual_report_due: Param[tuple[int, int]] = field(metadata=_MIN)
    annual_report_reminders: Param[tuple[tuple[int, int], ...]] = field(metadata=_UNION_ASC)
    nhc_filing_months: Param[int | None] = field(metadata=_MIN_SET)
    nhc_annual_report_due: Param[tuple[int, int] | None] = field(metadata=_MIN_SET)
    retention_years: Param[int] = field(metadata=_MAX)
    # Not rolling a period past rest days is the shorter, hence stricter, choice.
    roll_forward_rest_days: Param[bool] = field(metadata=_ALL)
    # Complaints and reports (R55): the texts name no period; these are this product's defaults.
    complaint_acknowledge_days: Param[int] = field(metadata=_MIN)
    complaint_handling_days: Param[int] = field(metadata=_MIN)
    # --- oversight: incidents and the risk register (issue 16; BJ 五（一）、五（二）) ---
    # R30: a change in ethical risk is reported "promptly"; the texts give no number.
    incident_report_hours: Param[int] = field(metadata=_MIN)
    incident_followup_days: Param[int] = field(metadata=_MIN)
    risk_review_months: Param[int] = field(metadata=_MIN)
    # --- end oversight: incidents ---
    # Training (R10a, BJ 六(二)): how long an ethics training counts, and what submission does
    # when the lead's is missing or expired (0 nothing, 1 warn, 2 refuse; the committee's SOP).
    training_valid_months: Param[int] = field(metadata=_MIN)
    training_at_submission: Param[int] = field(metadata=_MAX)
    extra_regimes: tuple[Regime, ...] = ()

    @property
    def regimes(self) -> tuple[Regime, ...]:
        return (self.regime, *self.extra_regimes)


PARAM_NAMES: Final[tuple[str, ...]] = tuple(
    f.name for f in fields(RuleSet) if "combine" in f.metadata
)


def params(rules: RuleSet) -> list[tuple[str, Param[Any]]]:
    """Every parameter of a rule set, in declaration order."""
    return [(name, getattr(rules, name)) for name in PARAM_NAMES]


def unverified_params(rules: RuleSet) -> list[tuple[str, Param[Any]]]:
    """Parameters still marked UNCONFIRMED in regulations.md, for "unverified" badges.

    A parameter whose value is None does not apply to the regime, so it gets no badge.
    """
    return [
        (name, param)
        for name, param in params(rules)
        if param.unverified and param.value is not None
    ]


MEAS: Final = RuleSet(
    regime=Regime.MEAS,
    min_members=Param(7, "R4", _meas("第七条"), P, _("Minimum number of committee members"), "委员人数应不少于7人"),
    chairs_required=Param(1, "R5", _meas("第七条"), P, _("Number of chairs"), "设主任委员1人"),
    max_term_years=Param(5, "R7", _meas("第七条"), P, _("Maximum term of office (years)"), "委员任期不超过5年，可以连任"),
    # The reminder schedule is this product's default for enforcing R7, not a statutory number.
    term_reminder_days=Param((60, 30), "R7", _meas("第七条"), P, _("Reminders before a term ends (days)"), "委员任期届满前提醒"),
    required_expertise=Param((SCIENCE, ETHICS_OR_LAW), "R6", _meas("第七条"), P, _("Required expertise"), "具备相关科学技术背景的同行专家，伦理、法律等相应专业背景的专家"),
    require_both_genders=Param(True, "R6", _meas("第七条"), P, _("Members of both genders"), "不同性别的委员"),
    require_external=Param(True, "R6", _meas("第七条"), P, _("At least one member from outside the unit"), "非本单位的委员"),
    quorum_min_present=Param(5, "R19", _meas("第十四条"), P, _("Minimum members present (quorum)"), "到会委员应不少于5人"),
    # The text is verified, but which "categories" it means is a §6.2 reading awaiting a legal decision.
    quorum_categories=Param((SCIENCE, ETHICS_OR_LAW, EXTERNAL), "R19", _meas("第十四条、第七条"), U, _("Member categories that must be present"), "到会委员应当包括第七条所列不同类别的委员"),
    vote_threshold=Param(Fraction(2, 3), "R24", _meas("第十六条"), S, _("Votes needed, share of members present (inclusive)"), "到会委员的2/3以上"),
    majority_of_all=Param(None, "N4", _nhc("（全体委员过半数）"), S, _("Votes needed, share of all members (exclusive)"), "超过伦理审查委员会全体委员二分之一"),
    decision_days=Param(30, "R25", _meas("第十七条"), S, _("Days from acceptance to decision"), "受理申请后30日内作出审查决定"),
    emergency_hours=Param(72, "R48", _meas("第三章第五节（应急程序）"), U, _("Hours for emergency review"), "一般应在72小时内完成"),
    simplified_min_reviewers=Param(2, "R33", _meas("第三章第三节（简易程序）"), U, _("Minimum reviewers for the simplified procedure"), "由主任委员指定两名或以上的委员"),
    simplified_grounds=Param((MINIMAL_RISK, MINOR_MODIFICATION, TRACKING_NO_MAJOR_CHANGE), "R32", _meas("第三章第三节（简易程序）"), U, _("Grounds for the simplified procedure"), "可以适用简易程序审查的情形"),
    tracking_months=Param(12, "R28", _meas("第十八条"), S, _("Maximum months between tracking reviews"), "跟踪审查间隔一般不超过12个月"),
    listed_tracking_months=Param(6, "R45", _meas("第三章第四节（专家复核程序）"), U, _("Maximum months between tracking reviews of listed activities"), "纳入清单管理的科技活动跟踪审查间隔不超过6个月"),
    rereview_panel_min=Param(5, "R40", _meas("第二十八条"), P, _("Minimum re-review experts"), "复核专家组应不少于5人"),
    # "全体复核专家的三分…" is verified; the "之二以上" ending was cut off in the copy read.
    rereview_threshold=Param(Fraction(2, 3), "R42", _meas("第三十条"), U, _("Re-review opinion, share of all experts (inclusive)"), "全体复核专家的三分之二以上"),
    rereview_days=Param(30, "R43", _meas("第三章第四节（专家复核程序）"), U, _("Days for the re-review opinion"), "收到复核申请后30日内反馈复核意见"),
    # BJ 二(一) names the authority responsible for each field (read in the seed: primary).
    rereview_authorities=Param(REREVIEW_AUTHORITIES, "B12", f"{BJ_TITLE}二（一）", P, _("Authorities organising the re-review, by field"), "涉及人工智能领域的，由市科委中关村管委会、市经济和信息化局负责；涉及人的生命科学和医学领域的，由市卫生健康委负责；涉及实验动物的，由市科委中关村管委会负责；涉及农业领域的，由市农业农村局负责"),
    # BJ 三(二) / 五(一) ask for a quality-control mechanism without a period: product defaults.
    self_evaluation_months=Param(12, "B1", f"{BJ_TITLE}三（二）、五（一）", U, _("Months between the committee's self-evaluations"), "健全伦理审查质量控制机制"),
    corrective_action_days=Param(30, "B1", f"{BJ_TITLE}三（二）、五（一）", U, _("Days to complete a corrective action (default)"), "审查质量控制、监督评价机制"),
    # MEAS Art. 17 names the appeal but no period: 15 days is this product's default (unverified).
    appeal_days=Param(15, "R27", _meas("第十七条"), U, _("Days to file an appeal against an adverse decision"), "申请人对审查决定有异议的，可以向作出决定的科技伦理（审查）委员会提出书面申诉"),
    committee_registration_days=Param(30, "R50", _with_bj(_meas("第四十三条"), "二（二）"), P, _("Days to register a new committee"), "设立后30日内在国家科技伦理管理信息登记平台登记"),
    listed_registration_days=Param(30, "R51", _with_bj(_meas("第四十四条"), "二（二）"), P, _("Days to register an approved listed activity"), "获得伦理审查批准后30日内登记"),
    annual_report_due=Param((3, 31), "R52", _with_bj(_meas("第四十五条"), "二（二）"), P, _("Annual report due (month, day of the following year)"), "每年3月31日前提交上一年度工作报告"),
    # Reminder dates are this product's defaults for R52.
    annual_report_reminders=Param(((3, 1), (3, 15), (3, 25)), "R52", _with_bj(_meas("第四十五条"), "二（二）"), P, _("Annual report reminders (month, day)"), "年度报告提交提醒"),
    nhc_filing_months=Param(None, "N7", _nhc("（委员会备案）"), U, _("Months to file a new committee with the health authority"), "伦理审查委员会设立之日起3个月内备案"),
    nhc_annual_report_due=Param(None, "N8", _nhc("（年度工作报告）"), U, _("NHC annual report due (month, day of the following year)"), "每年3月31日前向备案机关提交上一年度伦理审查委员会工作报告"),
    retention_years=Param(5, "R61", "《涉及人的生物医学研究伦理审查办法》（2016）；《药物临床试验质量管理规范》（2020）", U, _("Years to keep records after the activity ends"), "研究结束后至少保存5年"),
    # Civil Code convention for day-counted periods (docs/api.md "Periods").
    roll_forward_rest_days=Param(True, "R25", "《中华人民共和国民法典》第二百零三条", P, _("Move a period ending on a rest day to the next working day"), "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日"),
    # MEAS Art. 5(六) and BJ 五(三) say complaints are accepted and handled but give no period:
    # 7 days to acknowledge and 60 to handle are this product's defaults (unverified).
    complaint_acknowledge_days=Param(7, "R55", _meas("第五条"), U, _("Days to acknowledge a complaint"), "受理并协助调查相关投诉举报"),
    complaint_handling_days=Param(60, "R55", _with_bj(_meas("第五条"), "五（三）"), U, _("Days to handle a complaint after acknowledging it"), "受理并协助调查相关投诉举报"),
    # Oversight, incidents (issue 16): "及时报告" (R30) has no number in the texts; 24 hours is the
    # GCP habit for serious adverse events, the follow-up and risk-review periods are this
    # product's defaults (the listed tracking interval of R45). All unverified.
    incident_report_hours=Param(24, "R30", _with_bj(_meas("第十九条"), "五（一）"), U, _("Hours to report an ethics incident after becoming aware of it"), "科技伦理风险发生变化的，应当及时报告"),
    incident_followup_days=Param(7, "R30", _with_bj(_meas("第十九条"), "五（一）"), U, _("Days to the follow-up report on an ethics incident"), "伦理事件应急处置情况跟踪报告"),
    risk_review_months=Param(6, "R45", _with_bj(_meas("第三章第四节（专家复核程序）"), "五（一）"), U, _("Maximum months between risk register reviews"), "纳入清单管理的科技活动动态跟踪、风险评估"),
    # BJ 六(二) asks for regular training but names no period or consequence: both are this
    # product's defaults (unverified); the committee sets the second in its SOP (OVERRIDABLE).
    training_valid_months=Param(36, "R10a", f"{BJ_TITLE}六（二）", U, _("Months an ethics training certificate counts"), "定期开展科技伦理培训"),
    training_at_submission=Param(TRAINING_WARN, "R10a", f"{BJ_TITLE}六（二）", U, _("Lead's missing or expired ethics training at submission (0 nothing, 1 warn, 2 refuse)"), "加强科技伦理教育培训"),
)  # fmt: skip

NHC: Final = RuleSet(
    regime=Regime.NHC,
    min_members=Param(7, "N1", _nhc("第八条"), S, _("Minimum number of committee members"), "委员不少于7人"),
    chairs_required=Param(1, "N3", _nhc("（委员会组成）"), U, _("Number of chairs"), "设主任委员一人，副主任委员若干人"),
    max_term_years=Param(5, "N3", _nhc("（委员会组成）"), U, _("Maximum term of office (years)"), "委员任期不超过5年，可以连任"),
    term_reminder_days=MEAS.term_reminder_days,
    required_expertise=Param((SCIENCE, ETHICS_OR_LAW, LAY), "N1", _nhc("第八条"), S, _("Required expertise"), "生命科学、医学、生命伦理学、法学等领域的专家和非本机构的社会人士"),
    require_both_genders=Param(True, "N2", _nhc("（委员会组成）"), U, _("Members of both genders"), "应当有不同性别的委员"),
    require_external=MEAS.require_external,
    quorum_min_present=MEAS.quorum_min_present,
    quorum_categories=MEAS.quorum_categories,
    vote_threshold=MEAS.vote_threshold,
    majority_of_all=Param(Fraction(1, 2), "N4", _nhc("（审查决定）"), S, _("Votes needed, share of all members (exclusive)"), "超过伦理审查委员会全体委员二分之一"),
    decision_days=Param(30, "N5", _nhc("（审查时限）"), S, _("Days from acceptance to decision"), "受理审查申请后30日内作出审查意见"),
    emergency_hours=Param(72, "N5", _nhc("（审查时限）"), S, _("Hours for emergency review"), "疫情暴发等突发事件时一般在72小时内出具审查意见"),
    simplified_min_reviewers=Param(2, "N9", _nhc("（简易程序）"), U, _("Minimum reviewers for the simplified procedure"), "由主任委员指定两个或者以上的委员"),
    simplified_grounds=Param((MINIMAL_RISK, MINOR_MODIFICATION, TRACKING_NO_MAJOR_CHANGE, PARTICIPATING_SITE_CONFIRMATION), "N9", _nhc("（简易程序）"), U, _("Grounds for the simplified procedure"), "可以适用简易程序审查的情形"),
    tracking_months=Param(12, "N6", _nhc("（跟踪审查）"), S, _("Maximum months between tracking reviews"), "跟踪审查时间间隔不超过12个月"),
    listed_tracking_months=MEAS.listed_tracking_months,
    rereview_panel_min=MEAS.rereview_panel_min,
    rereview_threshold=MEAS.rereview_threshold,
    rereview_days=MEAS.rereview_days,
    rereview_authorities=MEAS.rereview_authorities,
    self_evaluation_months=MEAS.self_evaluation_months,
    corrective_action_days=MEAS.corrective_action_days,
    appeal_days=MEAS.appeal_days,
    committee_registration_days=MEAS.committee_registration_days,
    listed_registration_days=MEAS.listed_registration_days,
    annual_report_due=MEAS.annual_report_due,
    annual_report_reminders=MEAS.annual_report_reminders,
    nhc_filing_months=Param(3, "N7", _nhc("（委员会备案）"), U, _("Months to file a new committee with the health authority"), "伦理审查委员会设立之日起3个月内备案"),
    nhc_annual_report_due=Param((3, 31), "N8", _nhc("（年度工作报告）"), U, _("NHC annual report due (month, day of the following year)"), "每年3月31日前向备案机关提交上一年度伦理审查委员会工作报告"),
    retention_years=MEAS.retention_years,
    roll_forward_rest_days=MEAS.roll_forward_rest_days,
    complaint_acknowledge_days=MEAS.complaint_acknowledge_days,
    complaint_handling_days=MEAS.complaint_handling_days,
    incident_report_hours=MEAS.incident_report_hours,
    incident_followup_days=MEAS.incident_followup_days,
    risk_review_months=MEAS.risk_review_months,
    training_valid_months=MEAS.training_valid_months,
    training_at_submission=MEAS.training_at_submission,
)  # fmt: skip

RULESETS: Final[Mapping[Regime, RuleSet]] = {Regime.MEAS: MEAS, Regime.NHC: NHC}


def ruleset(code: str) -> RuleSet:
    """The rule set of one regime code ("meas", "nhc")."""
    try:
        return RULESETS[Regime(code)]
    except (KeyError, ValueError):
        known = ", ".join(regime.value for regime in Regime)
        raise ValueError(f"Unknown regime {code!r}; expected one of: {known}.") from None


def _pick(candidates: Sequence[Param[Any]], combine: Combine) -> Param[Any]:
    value = combine([param.value for param in candidates])
    matching = [param for param in candidates if param.value == value]
    if matching:
        # Same value from several texts: cite the best-read one (primary, then secondary).
        return min(matching, key=lambda param: _SOURCE_ORDER.index(param.source))
    first = candidates[0]
    return Param(
        value=value,
        rule=first.rule,
        article="；".join(dict.fromkeys(param.article for param in candidates)),
        source=max((param.source for param in candidates), key=_SOURCE_ORDER.index),
        label=first.label,
        term_zh=first.term_zh,
    )


def combined(regimes: Iterable[str]) -> RuleSet:
    """The strictest combination of several regimes (§6.1: a case under both satisfies both).

    Larger minimums, shorter periods, both vote thresholds, the union of required categories and
    only the simplified-procedure grounds every regime allows.
    """
    chosen = {ruleset(code).regime for code in regimes}
    if not chosen:
        raise ValueError("At least one regime is required.")
    ordered = [regime for regime in Regime if regime in chosen]
    if len(ordered) == 1:
        return RULESETS[ordered[0]]
    sets = [RULESETS[regime] for regime in ordered]
    merged = {
        f.name: _pick([getattr(rules, f.name) for rules in sets], f.metadata["combine"])
        for f in fields(RuleSet)
        if "combine" in f.metadata
    }
    return RuleSet(regime=ordered[0], extra_regimes=tuple(ordered[1:]), **merged)


# --- Values the committee sets in its SOP (B2, R33, R61) ---------------------------------------


@dataclass(frozen=True)
class Bounds:
    """Where a committee's SOP may set a parameter: between ``low`` and ``high`` inclusive.

    ``low``/``high`` read the default rule set (a number, or the name of another parameter whose
    value is the bound); ``None`` means the default value itself.
    """

    low: int | str | None
    high: int | str | None
    why: Promise = field(compare=False)

    def _bound(self, bound: int | str | None, name: str, rules: RuleSet) -> int:
        if bound is None:
            return cast(int, getattr(rules, name).value)
        if isinstance(bound, str):
            return cast(int, getattr(rules, bound).value)
        return bound

    def range(self, name: str, rules: RuleSet) -> tuple[int, int]:
        return self._bound(self.low, name, rules), self._bound(self.high, name, rules)


# The texts leave these to the committee: the emergency time limit (BJ 三（二）: the committee
# "明确审查时限", never longer than the 72 hours of R48 / N5), how many members the chair designates
# for the simplified procedure (R33 / N9: "两名或以上", at most the committee's minimum size), and
# how long records are kept (R61: "至少" the minimum, longer is allowed).
OVERRIDABLE: Final[Mapping[str, Bounds]] = {
    "emergency_hours": Bounds(1, None, _("at most the legal limit")),
    "simplified_min_reviewers": Bounds(None, "min_members", _("at least the legal minimum")),
    "retention_years": Bounds(None, 100, _("at least the legal minimum")),
    # R10a: the texts name no consequence; the committee chooses nothing, a warning or a refusal.
    "training_at_submission": Bounds(TRAINING_OFF, TRAINING_BLOCK, _("0, 1 or 2")),
}


def override_problems(rules: RuleSet, name: str, value: int) -> list[Problem]:
    """Why a committee may not set ``name`` to ``value`` over the default rule set ``rules``."""
    if name not in OVERRIDABLE:
        return [
            Problem(
                "not_overridable",
                getattr(rules, name).rule if name in PARAM_NAMES else "",
                _("The texts do not leave this parameter to the committee."),
                {"param": name},
            )
        ]
    param = getattr(rules, name)
    if param.value is None:
        return [
            Problem(
                "not_applicable",
                param.rule,
                _("This parameter does not apply to the committee's regimes."),
                {"param": name},
            )
        ]
    low, high = OVERRIDABLE[name].range(name, rules)
    if low <= value <= high:
        return []
    message = _("%(label)s must be between %(low)s and %(high)s (%(rule)s); %(value)s was given.")
    return [
        Problem(
            "outside_legal_bounds",
            param.rule,
            _message(message, label=param.label, low=low, high=high, rule=param.rule, value=value),
            {"param": name, "low": str(low), "high": str(high), "value": str(value)},
        )
    ]


def with_overrides(rules: RuleSet, overrides: Mapping[str, Any]) -> RuleSet:
    """The rule set with the committee's SOP values in place of the defaults.

    A stored value that is no longer within the bounds (the committee's regimes changed since it
    was set) is ignored: the default applies, never a value the texts do not allow.
    """
    changed: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in OVERRIDABLE or not isinstance(value, int) or isinstance(value, bool):
            continue
        if override_problems(rules, name, value):
            continue
        param = getattr(rules, name)
        changed[name] = replace(param, value=value, committee_set=True)
    return replace(rules, **changed) if changed else rules


# --- Problems ---------------------------------------------------------------------------------


def _interpolate(message: Promise, values: Mapping[str, object]) -> str:
    return str(message) % {key: str(value) for key, value in values.items()}


_interpolate_lazy = lazy(_interpolate, str)


def _message(message: Promise, **values: object) -> Promise:
    """Fill placeholders but stay lazy, so the text renders in the reader's language."""
    if not values:
        return message
    return cast(Promise, _interpolate_lazy(message, values))


#: The same for the apps' own problems (oversight's R40 panel check).
lazy_message: Final = _message

_RESERVED_KEYS: Final = frozenset({"code", "rule", "message"})


@dataclass(frozen=True)
class Problem:
    """One rule violation: a machine code, the rule ID and a translated message."""

    code: str
    rule: str
    message: Promise = field(compare=False)
    extra: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if _RESERVED_KEYS & set(self.extra):
            raise ValueError("Problem.extra must not use the keys code, rule or message.")

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "rule": self.rule, "message": str(self.message), **self.extra}


# --- Meetings: quorum and votes (R19, R24, N4) -----------------------------------------------


@dataclass(frozen=True)
class Attendee:
    """A member present at a meeting (or for one agenda item, after recusals)."""

    expertise: str  # science | ethics | law | other | lay
    gender: str
    external: bool
    in_term: bool


def meets_category(category: str, expertise: str, *, external: bool) -> bool:
    """Whether one member counts for a category code (R6, R19, N1)."""
    if category == SCIENCE:
        return expertise == "science"
    if category == ETHICS_OR_LAW:
        return expertise in {"ethics", "law"}
    if category == EXTERNAL:
        return external
    if category == LAY:
        return expertise == "lay" and external
    raise ValueError(f"Unknown member category {category!r}.")


_MISSING_CATEGORY_MESSAGES: Final[Mapping[str, Promise]] = {
    SCIENCE: _("No science peer is present."),
    ETHICS_OR_LAW: _("No ethics or law expert is present."),
    EXTERNAL: _("No member from outside the unit is present."),
    LAY: _("No lay member from outside the institution is present."),
}


def quorum_problems(present: Sequence[Attendee], *, rules: RuleSet) -> list[Problem]:
    """Why a meeting (or item) may not vote: R19 (≥ 5 present, Art. 7 categories present).

    Pass the members present and not recused; members out of term are not counted. Categories
    follow the conservative §6.2 reading (science peer, ethics-or-law expert, external member).
    The NHC lay member (N1) is a composition rule, not a quorum rule in any text read, so its
    absence is only a warning (see ``quorum_warnings``), as is a single-gender meeting.
    """
    counted = [person for person in present if person.in_term]
    problems: list[Problem] = []
    required = rules.quorum_min_present
    if len(counted) < required.value:
        message = _(
            "Only %(present)s members in term are present; at least %(required)s are required."
        )
        problems.append(
            Problem(
                "too_few_present",
                required.rule,
                _message(message, present=len(counted), required=required.value),
                {"present": str(len(counted)), "required": str(required.value)},
            )
        )
    categories = rules.quorum_categories
    for category in categories.value:
        if not any(meets_category(category, p.expertise, external=p.external) for p in counted):
            problems.append(
                Problem(
                    "missing_category",
                    categories.rule,
                    _MISSING_CATEGORY_MESSAGES[category],
                    {"category": category},
                )
            )
    return problems


def quorum_warnings(present: Sequence[Attendee], *, rules: RuleSet) -> list[Problem]:
    """Things to flag that do not block a vote: one gender only (R19, §6.2), no lay member (N1)."""
    counted = [person for person in present if person.in_term]
    warnings: list[Problem] = []
    if counted and rules.require_both_genders.value and len({p.gender for p in counted}) < 2:
        warnings.append(
            Problem("single_gender_present", "R19", _("All members present are of one gender."))
        )
    expertise = rules.required_expertise
    if LAY in expertise.value and not any(
        meets_category(LAY, p.expertise, external=p.external) for p in counted
    ):
        warnings.append(Problem("no_lay_present", expertise.rule, _MISSING_CATEGORY_MESSAGES[LAY]))
    return warnings


def _check_counts(**counts: int) -> None:
    for name, count in counts.items():
        if count < 0:
            raise ValueError(f"{name} must not be negative (got {count}).")


def vote_outcome_passes(
    votes_for: int, present_voting: int, *, total_members: int, rules: RuleSet
) -> bool:
    """Whether an outcome is adopted.

    R24: at least 2/3 of the members present and voting ("以上" includes exactly 2/3).
    N4 (NHC): also more than 1/2 of all committee members ("超过" excludes exactly half).
    """
    _check_counts(votes_for=votes_for, present_voting=present_voting, total_members=total_members)
    if votes_for > present_voting or present_voting > total_members:
        raise ValueError("Expected votes_for <= present_voting <= total_members.")
    if present_voting == 0:
        return False
    if Fraction(votes_for) < rules.vote_threshold.value * present_voting:
        return False
    majority = rules.majority_of_all.value
    return majority is None or Fraction(votes_for) > majority * total_members


def votes_required(present_voting: int, *, total_members: int, rules: RuleSet) -> int:
    """The fewest votes that adopt an outcome (R24, N4); may exceed present_voting."""
    _check_counts(present_voting=present_voting, total_members=total_members)
    needed = max(1, math.ceil(rules.vote_threshold.value * present_voting))
    majority = rules.majority_of_all.value
    if majority is not None:
        needed = max(needed, math.floor(majority * total_members) + 1)
    return needed


# --- Expert re-review (R40, R42) --------------------------------------------------------------


def rereview_opinion_valid(votes_for: int, panel_size: int, rules: RuleSet) -> bool:
    """R42: the opinion (同意 or 不同意) needs at least 2/3 of ALL re-review experts."""
    _check_counts(votes_for=votes_for, panel_size=panel_size)
    if votes_for > panel_size:
        raise ValueError("Expected votes_for <= panel_size.")
    if panel_size == 0:
        return False
    return Fraction(votes_for) >= rules.rereview_threshold.value * panel_size


def rereview_panel_problems(
    panel_size: int, rules: RuleSet, *, from_originating_committee: int = 0
) -> list[Problem]:
    """R40: at least 5 experts, none from the committee that did the preliminary review."""
    _check_counts(panel_size=panel_size, from_originating_committee=from_originating_committee)
    problems: list[Problem] = []
    minimum = rules.rereview_panel_min
    if panel_size < minimum.value:
        message = _("The re-review panel has %(size)s experts; at least %(required)s are required.")
        problems.append(
            Problem(
                "rereview_panel_too_small",
                minimum.rule,
                _message(message, size=panel_size, required=minimum.value),
                {"panel_size": str(panel_size), "required": str(minimum.value)},
            )
        )
    if from_originating_committee:
        message = _(
            "%(count)s panel experts sit on the committee that did the preliminary review; "
            "they may not re-review it."
        )
        problems.append(
            Problem(
                "rereview_panel_overlap",
                "R40",
                _message(message, count=from_originating_committee),
                {"count": str(from_originating_committee)},
            )
        )
    return problems


# --- Simplified procedure (R32-R33, N9) -------------------------------------------------------


def simplified_problems(ground: str, reviewers: int, *, rules: RuleSet) -> list[Problem]:
    """Why the simplified procedure may not be used: an allowed ground and ≥ 2 reviewers."""
    _check_counts(reviewers=reviewers)
    problems: list[Problem] = []
    grounds = rules.simplified_grounds
    if ground not in grounds.value:
        problems.append(
            Problem(
                "simplified_ground_not_allowed",
                grounds.rule,
                _("The simplified procedure is not allowed on this ground."),
                {"ground": ground},
            )
        )
    minimum = rules.simplified_min_reviewers
    if reviewers < minimum.value:
        message = _(
            "The simplified procedure needs at least %(required)s designated reviewers; "
            "%(count)s were designated."
        )
        problems.append(
            Problem(
                "too_few_reviewers",
                minimum.rule,
                _message(message, required=minimum.value, count=reviewers),
                {"reviewers": str(reviewers), "required": str(minimum.value)},
            )
        )
    return problems


# --- Dates derived from the rules (R28, R45, R52) ---------------------------------------------


def tracking_interval(rules: RuleSet, *, listed: bool) -> Param[int]:
    """Maximum months between tracking reviews: R28 / N6, or R45 for listed activities."""
    if listed and rules.listed_tracking_months.value < rules.tracking_months.value:
        return rules.listed_tracking_months
    return rules.tracking_months


def annual_report_due_on(year_covered: int, rules: RuleSet) -> date:
    """R52: the report on ``year_covered`` is due by 31 March of the following year."""
    month, day = rules.annual_report_due.value
    return date(year_covered + 1, month, day)


def annual_report_reminder_dates(year_covered: int, rules: RuleSet) -> tuple[date, ...]:
    """R52 reminder dates (product defaults) for the report on ``year_covered``."""
    return tuple(
        date(year_covered + 1, month, day) for month, day in rules.annual_report_reminders.value
    )


# --- Annex list of activities needing expert re-review (R36-R37, §4) --------------------------


@dataclass(frozen=True)
class AnnexItem:
    number: int
    title_zh: str
    title_en: str


@dataclass(frozen=True)
class AnnexList:
    """One published version of the list; MOST adjusts it over time (R36)."""

    version: str
    effective_from: date
    items: tuple[AnnexItem, ...]
    source: str

    def item(self, number: int) -> AnnexItem:
        for entry in self.items:
            if entry.number == number:
                return entry
        raise ValueError(f"Annex list {self.version} has no item {number}.")


ANNEX_2023: Final = AnnexList(
    version="2023",
    effective_from=date(2023, 12, 1),
    source=_meas("附件：需要开展伦理审查复核的科技活动清单（国科发监〔2023〕167号）"),
    items=(
        AnnexItem(1, "对人类生命健康、价值理念、生态环境等具有重大影响的新物种合成研究", "Synthesis of new species with major impact on human life and health, values, or the environment"),
        AnnexItem(2, "将人干细胞导入动物胚胎或胎儿并进一步在动物子宫中孕育成个体的相关研究", "Introducing human stem cells into animal embryos or foetuses and gestating them to individuals in an animal uterus"),
        AnnexItem(3, "改变人类生殖细胞、受精卵和着床前胚胎细胞核遗传物质或遗传规律的基础研究", "Basic research altering the nuclear genetic material or inheritance of human germ cells, zygotes or pre-implantation embryos"),
        AnnexItem(4, "侵入式脑机接口用于神经、精神类疾病治疗的临床研究", "Clinical research using invasive brain-computer interfaces to treat neurological or psychiatric disease"),
        AnnexItem(5, "对人类主观行为、心理情绪和生命健康等具有较强影响的人机融合系统的研发", "R&D of human-machine fusion systems with strong influence on human behaviour, emotions or health"),
        AnnexItem(6, "具有舆论社会动员能力和社会意识引导能力的算法模型、应用程序及系统的研发", "R&D of algorithmic models, apps and systems able to mobilise public opinion or steer social consciousness"),
        AnnexItem(7, "面向存在安全、人身健康风险等场景的具有高度自主能力的自动化决策系统的研发", "R&D of highly autonomous automated decision systems for scenarios with safety or personal-health risks"),
    ),
)  # fmt: skip

ANNEX_LISTS: Final[tuple[AnnexList, ...]] = (ANNEX_2023,)


def annex_list_on(on: date) -> AnnexList:
    """The annex list in force on a date (the latest version already effective)."""
    in_force = [annex for annex in ANNEX_LISTS if annex.effective_from <= on]
    if not in_force:
        raise ValueError(f"No annex list was in force on {on.isoformat()}.")
    return max(in_force, key=lambda annex: annex.effective_from)


def annex_item(number: int, on: date) -> AnnexItem:
    """Item ``number`` of the annex list in force on ``on``."""
    return annex_list_on(on).item(number)


# --- Decision outcomes (§2, R23) --------------------------------------------------------------


class Outcome(enum.StrEnum):
    APPROVE = "approve"
    APPROVE_WITH_MODIFICATIONS = "approve_with_modifications"
    RESUBMIT = "resubmit"
    DISAPPROVE = "disapprove"
    CONTINUE = "continue"
    SUSPEND = "suspend"
    TERMINATE = "terminate"
    EXEMPT = "exempt"  # N10: 免除伦理审查, recorded by the committee on an exemption request

    @property
    def label(self) -> Promise:
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS: Final[Mapping[Outcome, Promise]] = {
    Outcome.APPROVE: _("Approve"),
    Outcome.APPROVE_WITH_MODIFICATIONS: _("Approve after modification"),
    Outcome.RESUBMIT: _("Re-review after modification"),
    Outcome.DISAPPROVE: _("Disapprove"),
    Outcome.CONTINUE: _("Continue"),
    Outcome.SUSPEND: _("Suspend"),
    Outcome.TERMINATE: _("Terminate"),
    Outcome.EXEMPT: _("Exempt from ethics review"),
}

OUTCOME_TERMS_ZH: Final[Mapping[Outcome, str]] = {
    Outcome.APPROVE: "批准",
    Outcome.APPROVE_WITH_MODIFICATIONS: "修改后批准",
    Outcome.RESUBMIT: "修改后再审",
    Outcome.DISAPPROVE: "不予批准",
    Outcome.CONTINUE: "继续研究",
    Outcome.SUSPEND: "暂停",
    Outcome.TERMINATE: "终止",
    Outcome.EXEMPT: "免除伦理审查",
}
OUTCOME_TERMS_ZH_NHC: Final[Mapping[Outcome, str]] = {
    **OUTCOME_TERMS_ZH,
    Outcome.DISAPPROVE: "不批准",
}

# Outcomes of an initial / meeting / simplified review (MEAS Art. 16) and of tracking review.
REVIEW_OUTCOMES: Final = frozenset(
    {Outcome.APPROVE, Outcome.APPROVE_WITH_MODIFICATIONS, Outcome.RESUBMIT, Outcome.DISAPPROVE}
)
TRACKING_OUTCOMES: Final = frozenset({Outcome.CONTINUE, Outcome.SUSPEND, Outcome.TERMINATE})
# N10: on an exemption request the committee exempts, or refuses (the activity is reviewed).
EXEMPTION_OUTCOMES: Final = frozenset({Outcome.EXEMPT, Outcome.DISAPPROVE})

# R23: conditional outcomes carry the modifications required; disapproval gives reasons.
outcomes_requiring_conditions: Final = frozenset(
    {Outcome.APPROVE_WITH_MODIFICATIONS, Outcome.RESUBMIT}
)
outcomes_requiring_reasons: Final = frozenset({Outcome.DISAPPROVE})


def outcome_term_zh(outcome: Outcome, regime: Regime = Regime.MEAS) -> str:
    """The official Chinese term for an outcome under a regime (§2)."""
    terms = OUTCOME_TERMS_ZH_NHC if regime is Regime.NHC else OUTCOME_TERMS_ZH
    return terms[outcome]


def outcome_problems(outcome: Outcome, *, conditions: str, reasons: str) -> list[Problem]:
    """R23: what a decision with this outcome is missing."""
    problems: list[Problem] = []
    if outcome in outcomes_requiring_conditions and not conditions.strip():
        problems.append(
            Problem(
                "conditions_required",
                "R23",
                _("This outcome requires the modifications to be stated."),
            )
        )
    if outcome in outcomes_requiring_reasons and not reasons.strip():
        problems.append(
            Problem("reasons_required", "R23", _("A disapproval must state its reasons."))
        )
    return problems


class RereviewOpinion(enum.StrEnum):
    """The expert re-review opinion (R42, MEAS Art. 30)."""

    AGREE = "agree"
    DISAGREE = "disagree"

    @property
    def label(self) -> Promise:
        return _REREVIEW_LABELS[self]

    @property
    def term_zh(self) -> str:
        return REREVIEW_TERMS_ZH[self]


_REREVIEW_LABELS: Final[Mapping[RereviewOpinion, Promise]] = {
    RereviewOpinion.AGREE: _("Agree"),
    RereviewOpinion.DISAGREE: _("Disagree"),
}
REREVIEW_TERMS_ZH: Final[Mapping[RereviewOpinion, str]] = {
    RereviewOpinion.AGREE: "同意",
    RereviewOpinion.DISAGREE: "不同意",
}
