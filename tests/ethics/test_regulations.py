"""Boundary tests for the regulatory rules engine (pure functions, no database).

Messages are lazy translations; these tests check codes, rules and numbers and never render them.
"""

import re
from dataclasses import replace
from datetime import date
from fractions import Fraction

import pytest

from ethics.regulations import (
    ANNEX_LISTS,
    MEAS,
    NHC,
    RULESETS,
    Attendee,
    Outcome,
    Param,
    Problem,
    Regime,
    RereviewOpinion,
    annex_item,
    annex_list_on,
    annual_report_due_on,
    annual_report_reminder_dates,
    combined,
    outcome_problems,
    outcome_term_zh,
    outcomes_requiring_conditions,
    outcomes_requiring_reasons,
    params,
    quorum_problems,
    quorum_warnings,
    rereview_opinion_valid,
    rereview_panel_problems,
    ruleset,
    simplified_problems,
    tracking_interval,
    unverified_params,
    vote_outcome_passes,
    votes_required,
)

UNCONFIRMED_RULES = {"R32", "R33", "R43", "R45", "R48", "R61"}
ALL_RULESETS = [MEAS, NHC, combined(["meas", "nhc"])]


def codes(problems: list[Problem]) -> list[str]:
    return [problem.code for problem in problems]


def member(expertise="other", *, gender="female", external=False, in_term=True):
    return Attendee(expertise=expertise, gender=gender, external=external, in_term=in_term)


def full_quorum():
    """Five in-term members covering science, ethics-or-law and external, both genders."""
    return [
        member("science"),
        member("ethics", gender="male"),
        member("law"),
        member("other", external=True),
        member("other", gender="male"),
    ]


# --- R24: 2/3 of members present, inclusive ------------------------------------------------


@pytest.mark.parametrize(
    ("votes_for", "present", "passes"),
    [
        (4, 7, False),  # 12 < 14
        (5, 7, True),
        (4, 6, True),  # exactly 2/3 passes: "以上" includes the number
        (3, 6, False),
        (2, 3, True),
        (7, 7, True),
    ],
)
def test_two_thirds_of_members_present(votes_for, present, passes):
    assert vote_outcome_passes(votes_for, present, total_members=9, rules=MEAS) is passes


def test_no_one_voting_never_passes():
    assert vote_outcome_passes(0, 0, total_members=9, rules=MEAS) is False
    assert vote_outcome_passes(0, 0, total_members=9, rules=NHC) is False


@pytest.mark.parametrize(
    ("votes_for", "present", "total"), [(-1, 5, 9), (6, 5, 9), (5, 10, 9), (1, 1, -1)]
)
def test_impossible_tallies_are_refused(votes_for, present, total):
    with pytest.raises(ValueError, match=r"must not be negative|Expected"):
        vote_outcome_passes(votes_for, present, total_members=total, rules=MEAS)


# --- N4: more than half of all members, exclusive (NHC) ------------------------------------


def test_nhc_five_of_seven_present_with_nine_members_passes_both_rules():
    assert vote_outcome_passes(5, 7, total_members=9, rules=NHC) is True


def test_nhc_four_of_six_present_with_nine_members_fails_majority_of_all():
    # 4 * 3 >= 6 * 2 meets R24, but 4 > 9 / 2 is false (N4).
    assert vote_outcome_passes(4, 6, total_members=9, rules=MEAS) is True
    assert vote_outcome_passes(4, 6, total_members=9, rules=NHC) is False


def test_nhc_exactly_half_of_all_members_fails():
    # 5 of 6 present meets R24; 5 is exactly half of 10 members, and "超过" excludes it.
    assert vote_outcome_passes(5, 6, total_members=10, rules=MEAS) is True
    assert vote_outcome_passes(5, 6, total_members=10, rules=NHC) is False
    assert vote_outcome_passes(6, 6, total_members=10, rules=NHC) is True


@pytest.mark.parametrize("rules", ALL_RULESETS, ids=["meas", "nhc", "meas+nhc"])
def test_votes_required_is_the_exact_boundary(rules):
    for total in range(13):
        for present in range(1, total + 1):
            needed = votes_required(present, total_members=total, rules=rules)
            for votes in range(present + 1):
                passes = vote_outcome_passes(votes, present, total_members=total, rules=rules)
                assert passes is (votes >= needed), (votes, present, total)


def test_thresholds_are_exact_fractions():
    assert MEAS.vote_threshold.value == Fraction(2, 3)
    assert MEAS.majority_of_all.value is None
    assert NHC.majority_of_all.value == Fraction(1, 2)
    assert MEAS.rereview_threshold.value == Fraction(2, 3)


# --- R19: quorum ---------------------------------------------------------------------------


def test_five_present_with_all_categories_is_a_quorum():
    assert quorum_problems(full_quorum(), rules=MEAS) == []
    assert quorum_warnings(full_quorum(), rules=MEAS) == []


def test_four_present_is_too_few():
    problems = quorum_problems(full_quorum()[:4], rules=MEAS)
    assert codes(problems) == ["too_few_present"]
    assert problems[0].rule == "R19"
    assert problems[0].extra == {"present": "4", "required": "5"}


@pytest.mark.parametrize(
    ("dropped", "category"), [(0, "science"), (3, "external")], ids=["science", "external"]
)
def test_a_missing_category_is_reported(dropped, category):
    present = full_quorum()
    present[dropped] = member("other")
    problems = quorum_problems(present, rules=MEAS)
    assert codes(problems) == ["missing_category"]
    assert problems[0].rule == "R19"
    assert problems[0].extra == {"category": category}


def test_ethics_or_law_is_met_by_either():
    only_law = [p for p in full_quorum() if p.expertise != "ethics"] + [member("other")]
    assert quorum_problems(only_law, rules=MEAS) == []
    without_both = [p for p in only_law if p.expertise != "law"] + [member("other")]
    problems = quorum_problems(without_both, rules=MEAS)
    assert [p.extra for p in problems] == [{"category": "ethics_or_law"}]


def test_an_out_of_term_attendee_is_not_counted():
    present = [*full_quorum()[:4], member("other", in_term=False)]
    assert codes(quorum_problems(present, rules=MEAS)) == ["too_few_present"]
    external_out_of_term = [*full_quorum(), member("other", external=True, in_term=False)]
    external_out_of_term[3] = member("other")
    assert [p.extra for p in quorum_problems(external_out_of_term, rules=MEAS)] == [
        {"category": "external"}
    ]


def test_single_gender_and_missing_lay_member_are_only_warnings():
    present = [replace(p, gender="female") for p in full_quorum()]
    assert quorum_problems(present, rules=NHC) == []
    warnings = quorum_warnings(present, rules=NHC)
    assert codes(warnings) == ["single_gender_present", "no_lay_present"]
    assert [w.rule for w in warnings] == ["R19", "N1"]
    assert codes(quorum_warnings(present, rules=MEAS)) == ["single_gender_present"]


def test_a_lay_member_must_be_external():
    internal_lay = [*full_quorum(), member("lay")]
    assert codes(quorum_warnings(internal_lay, rules=NHC)) == ["no_lay_present"]
    external_lay = [*full_quorum(), member("lay", external=True)]
    assert quorum_warnings(external_lay, rules=NHC) == []


# --- R40, R42: expert re-review ------------------------------------------------------------


def test_rereview_panel_of_four_is_refused_and_five_is_fine():
    problems = rereview_panel_problems(4, MEAS)
    assert codes(problems) == ["rereview_panel_too_small"]
    assert problems[0].rule == "R40"
    assert rereview_panel_problems(5, MEAS) == []


def test_rereview_panel_may_not_include_the_originating_committee():
    problems = rereview_panel_problems(5, MEAS, from_originating_committee=1)
    assert codes(problems) == ["rereview_panel_overlap"]


@pytest.mark.parametrize(
    ("votes_for", "panel", "valid"),
    [(4, 5, True), (3, 5, False), (4, 6, True), (3, 6, False), (5, 5, True), (0, 0, False)],
)
def test_rereview_needs_two_thirds_of_all_experts(votes_for, panel, valid):
    assert rereview_opinion_valid(votes_for, panel, MEAS) is valid


def test_rereview_votes_cannot_exceed_the_panel():
    with pytest.raises(ValueError, match="panel_size"):
        rereview_opinion_valid(6, 5, MEAS)


# --- R32-R33, N9: simplified procedure -----------------------------------------------------


def test_simplified_procedure_needs_two_reviewers_and_an_allowed_ground():
    assert simplified_problems("minimal_risk", 2, rules=MEAS) == []
    assert codes(simplified_problems("minimal_risk", 1, rules=MEAS)) == ["too_few_reviewers"]
    problems = simplified_problems("participating_site_confirmation", 2, rules=MEAS)
    assert codes(problems) == ["simplified_ground_not_allowed"]
    assert problems[0].rule == "R32"
    assert simplified_problems("participating_site_confirmation", 2, rules=NHC) == []


# --- Rule sets -----------------------------------------------------------------------------


def test_core_numbers():
    assert MEAS.min_members.value == 7
    assert MEAS.chairs_required.value == 1
    assert MEAS.max_term_years.value == 5
    assert MEAS.quorum_min_present.value == 5
    assert MEAS.decision_days.value == 30
    assert MEAS.emergency_hours.value == 72
    assert MEAS.tracking_months.value == 12
    assert MEAS.listed_tracking_months.value == 6
    assert MEAS.rereview_panel_min.value == 5
    assert MEAS.committee_registration_days.value == 30
    assert MEAS.listed_registration_days.value == 30
    assert MEAS.annual_report_due.value == (3, 31)
    assert MEAS.required_expertise.value == ("science", "ethics_or_law")
    assert NHC.required_expertise.value == ("science", "ethics_or_law", "lay")
    assert MEAS.nhc_filing_months.value is None
    assert NHC.nhc_filing_months.value == 3


def test_ruleset_by_code():
    assert ruleset("meas") is MEAS
    assert ruleset("nhc") is NHC
    assert RULESETS[Regime.NHC] is NHC


def test_unknown_regime_raises_value_error():
    with pytest.raises(ValueError, match="Unknown regime 'xyz'"):
        ruleset("xyz")
    with pytest.raises(ValueError, match="Unknown regime"):
        combined(["meas", "xyz"])
    with pytest.raises(ValueError, match="At least one regime"):
        combined([])


def test_combined_takes_the_nhc_majority_rule_and_keeps_two_thirds():
    both = combined(["meas", "nhc"])
    assert both.regimes == (Regime.MEAS, Regime.NHC)
    assert both.majority_of_all.value == Fraction(1, 2)
    assert both.majority_of_all.rule == "N4"
    assert both.vote_threshold.value == Fraction(2, 3)
    assert both.vote_threshold.rule == "R24"
    assert vote_outcome_passes(4, 6, total_members=9, rules=both) is False
    assert combined(["nhc", "meas", "nhc"]) == both


def test_combined_is_the_strictest():
    both = combined(["meas", "nhc"])
    assert both.required_expertise.value == ("science", "ethics_or_law", "lay")
    # A ground counts only if every regime allows it, but N9's participating-site
    # confirmation stays usable under NHC (MEAS does not exclude it).
    assert both.simplified_grounds.value == (
        "minimal_risk",
        "minor_modification",
        "tracking_no_major_change",
        "participating_site_confirmation",
    )
    assert both.nhc_filing_months.value == 3
    assert combined(["meas"]) is MEAS


def test_combined_prefers_a_verified_source_for_the_same_number():
    both = combined(["meas", "nhc"])
    assert both.emergency_hours.value == 72
    assert both.emergency_hours.rule == "N5"
    assert both.emergency_hours.verified is True


@pytest.mark.parametrize("rules", ALL_RULESETS, ids=["meas", "nhc", "meas+nhc"])
def test_every_param_cites_a_rule_and_an_article(rules):
    assert params(rules)
    for name, param in params(rules):
        assert isinstance(param, Param), name
        assert re.fullmatch(r"R\d+a?|N\d+|B\d+", param.rule), (name, param.rule)
        assert param.article, name
        assert param.term_zh, name


@pytest.mark.parametrize("rules", ALL_RULESETS, ids=["meas", "nhc", "meas+nhc"])
def test_unconfirmed_rules_are_marked_unverified(rules):
    used = {param.rule for _, param in params(rules)}
    assert UNCONFIRMED_RULES & used
    for name, param in params(rules):
        if param.rule in UNCONFIRMED_RULES:
            assert param.verified is False, name
            assert param.unverified is True, name


def test_unverified_params_lists_badges_for_applicable_params_only():
    names = {name for name, _ in unverified_params(MEAS)}
    assert {"emergency_hours", "simplified_grounds", "rereview_days", "retention_years"} <= names
    assert "nhc_filing_months" not in names  # not applicable to MEAS
    assert "min_members" not in names
    assert "nhc_filing_months" in {name for name, _ in unverified_params(NHC)}


def test_rule_ids_appear_in_the_regulations_document():
    from pathlib import Path

    doc = Path(__file__).resolve().parents[3] / "shared" / "docs" / "regulations.md"
    if not doc.exists():
        pytest.skip("regulations.md is not beside the repository")
    ids = set(
        re.findall(r"^\| (R\d+a?|N\d+|B\d+) \|", doc.read_text(encoding="utf-8"), re.MULTILINE)
    )
    for rules in ALL_RULESETS:
        for name, param in params(rules):
            assert param.rule in ids, (name, param.rule)


# --- Dates ---------------------------------------------------------------------------------


def test_annual_report_dates():
    assert annual_report_due_on(2024, MEAS) == date(2025, 3, 31)
    assert annual_report_reminder_dates(2024, MEAS) == (
        date(2025, 3, 1),
        date(2025, 3, 15),
        date(2025, 3, 25),
    )


def test_tracking_interval_for_listed_activities():
    assert tracking_interval(MEAS, listed=False).value == 12
    listed = tracking_interval(MEAS, listed=True)
    assert (listed.value, listed.rule, listed.verified) == (6, "R45", False)


# --- Annex list (R36-R37) ------------------------------------------------------------------


def test_annex_list_2023_has_seven_items():
    current = annex_list_on(date(2024, 1, 1))
    assert current.version == "2023"
    assert current.effective_from == date(2023, 12, 1)
    assert [item.number for item in current.items] == [1, 2, 3, 4, 5, 6, 7]
    assert current in ANNEX_LISTS
    assert (
        annex_item(4, date(2024, 1, 1)).title_zh
        == "侵入式脑机接口用于神经、精神类疾病治疗的临床研究"
    )
    assert annex_list_on(date(2023, 12, 1)) is current


def test_no_annex_list_before_it_took_effect():
    with pytest.raises(ValueError, match="No annex list"):
        annex_list_on(date(2023, 11, 30))
    with pytest.raises(ValueError, match="no item 8"):
        annex_item(8, date(2024, 1, 1))


# --- Outcomes (§2, R23) --------------------------------------------------------------------


def test_outcome_terms():
    assert outcome_term_zh(Outcome.DISAPPROVE) == "不予批准"
    assert outcome_term_zh(Outcome.DISAPPROVE, Regime.NHC) == "不批准"
    assert outcome_term_zh(Outcome.RESUBMIT) == "修改后再审"
    assert outcome_term_zh(Outcome.CONTINUE, Regime.NHC) == "继续研究"
    assert RereviewOpinion.DISAGREE.term_zh == "不同意"
    assert [o.value for o in Outcome] == [
        "approve",
        "approve_with_modifications",
        "resubmit",
        "disapprove",
        "continue",
        "suspend",
        "terminate",
        "exempt",  # N10
    ]


def test_outcomes_requiring_conditions_and_reasons():
    assert outcomes_requiring_conditions == {Outcome.APPROVE_WITH_MODIFICATIONS, Outcome.RESUBMIT}
    assert outcomes_requiring_reasons == {Outcome.DISAPPROVE}
    assert codes(outcome_problems(Outcome.RESUBMIT, conditions=" ", reasons="")) == [
        "conditions_required"
    ]
    assert codes(outcome_problems(Outcome.DISAPPROVE, conditions="", reasons="")) == [
        "reasons_required"
    ]
    assert outcome_problems(Outcome.APPROVE, conditions="", reasons="") == []


def test_problem_extra_cannot_shadow_the_core_keys():
    with pytest.raises(ValueError, match="must not use"):
        Problem("x", "R19", message=MEAS.min_members.label, extra={"code": "y"})


def test_participating_site_confirmation_is_an_nhc_ground_only_n9():
    """N9: allowed under NHC alone and under MEAS + NHC; never under MEAS alone."""
    assert "participating_site_confirmation" not in combined(["meas"]).simplified_grounds.value
    for regimes in (["nhc"], ["meas", "nhc"]):
        rules = combined(regimes)
        assert simplified_problems("participating_site_confirmation", 2, rules=rules) == []
        codes = [
            p.code for p in simplified_problems("participating_site_confirmation", 1, rules=rules)
        ]
        assert codes == ["too_few_reviewers"]
