"""Pure rule tests of committees.composition (R4-R7, N1): no database."""

from datetime import date, timedelta

import pytest

from committees.composition import MemberRecord, composition, latest_term_end
from ethics.regulations import MEAS, NHC, combined

ON = date(2026, 6, 1)
START = date(2026, 1, 5)
END = date(2030, 12, 31)


def member(role="member", expertise="science", gender="male", external=False, **kw):
    return MemberRecord(
        role=role,
        expertise=expertise,
        gender=gender,
        external=external,
        term_start=kw.pop("term_start", START),
        term_end=kw.pop("term_end", END),
        **kw,
    )


def valid(size=7):
    base = [
        member("chair"),
        member("vice_chair", "ethics", "female"),
        member("member", "law", "female", external=True),
    ]
    return base + [member() for _ in range(size - len(base))]


def codes(result):
    return [p.code for p in result.problems]


def test_a_complete_committee_is_valid():
    result = composition(valid(), MEAS, ON)
    assert result.valid
    assert result.members_in_term == 7
    assert result.problems == ()


def test_six_members_are_too_few_seven_are_enough():
    six = composition(valid(6), MEAS, ON)
    assert codes(six) == ["too_few_members"]
    problem = six.problems[0]
    assert problem.rule == "R4"
    assert problem.as_dict()["members_in_term"] == "6"
    assert "第七条" in str(problem.message)
    assert composition(valid(7), MEAS, ON).valid


def test_a_member_whose_term_ended_yesterday_does_not_count():
    roster = [*valid(6), member(term_end=ON - timedelta(days=1))]
    result = composition(roster, MEAS, ON)
    assert result.members_in_term == 6
    assert codes(result) == ["too_few_members"]
    last_day_today = [*valid(6), member(term_end=ON)]
    assert composition(last_day_today, MEAS, ON).valid


def test_a_member_who_left_early_or_starts_later_does_not_count():
    left = [*valid(6), member(ended_on=ON - timedelta(days=1))]
    assert codes(composition(left, MEAS, ON)) == ["too_few_members"]
    later = [*valid(6), member(term_start=ON + timedelta(days=1), term_end=date(2031, 1, 1))]
    assert codes(composition(later, MEAS, ON)) == ["too_few_members"]


def test_the_secretary_is_not_a_member():
    roster = [*valid(6), member("secretary")]
    assert codes(composition(roster, MEAS, ON)) == ["too_few_members"]


def test_exactly_one_chair():
    no_chair = [member(), *valid(7)[1:]]
    result = composition(no_chair, MEAS, ON)
    assert codes(result) == ["no_chair"]
    assert result.problems[0].rule == "R5"
    two = [*valid(7), member("chair")]
    assert codes(composition(two, MEAS, ON)) == ["several_chairs"]


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        ({"expertise": "science"}, "ethics_or_law"),
    ],
)
def test_missing_ethics_or_law_expert(replace, expected):
    roster = [member("chair"), member(gender="female", external=True)] + [
        member() for _ in range(5)
    ]
    result = composition(roster, MEAS, ON)
    assert codes(result) == ["missing_expertise"]
    assert result.problems[0].as_dict()["expertise"] == expected
    assert result.problems[0].rule == "R6"


def test_missing_science_peer():
    roster = [member("chair", "ethics"), member(expertise="law", gender="female", external=True)]
    roster += [member(expertise="other") for _ in range(5)]
    result = composition(roster, MEAS, ON)
    assert [p.as_dict()["expertise"] for p in result.problems] == ["science"]


def test_single_gender_and_no_external_member():
    roster = [member("chair"), member(expertise="ethics")] + [member() for _ in range(5)]
    result = composition(roster, MEAS, ON)
    assert codes(result) == ["single_gender", "no_external_member"]
    assert {p.rule for p in result.problems} == {"R6"}


def test_a_term_of_exactly_five_years_passes_a_day_more_fails():
    assert latest_term_end(START, 5) == date(2031, 1, 5)
    exact = [*valid(6), member(term_end=date(2031, 1, 5))]
    assert composition(exact, MEAS, ON).valid
    too_long = [*valid(6), member(term_end=date(2031, 1, 6), name="周强", id=42)]
    result = composition(too_long, MEAS, ON)
    assert codes(result) == ["term_too_long"]
    problem = result.problems[0].as_dict()
    assert problem["rule"] == "R7"
    assert problem["membership"] == "42"
    assert "周强" in problem["message"]


def test_leap_day_term_start_clamps_to_end_of_february():
    assert latest_term_end(date(2028, 2, 29), 5) == date(2033, 2, 28)


def test_nhc_adds_the_lay_member_n1():
    rules = combined(["meas", "nhc"])
    result = composition(valid(), rules, ON)
    assert codes(result) == ["missing_expertise"]
    assert result.problems[0].as_dict()["expertise"] == "lay"
    assert result.problems[0].rule == "N1"
    with_lay = [*valid(6), member(expertise="lay", gender="female", external=True)]
    assert composition(with_lay, rules, ON).valid
    assert not composition(valid(), NHC, ON).valid


def test_an_empty_committee_reports_every_problem():
    assert codes(composition([], MEAS, ON)) == [
        "too_few_members",
        "no_chair",
        "missing_expertise",
        "missing_expertise",
        "single_gender",
        "no_external_member",
    ]


def test_warnings_do_not_invalidate():
    roster = [m for m in valid(8) if m.role != "vice_chair"]
    roster[2] = member(expertise="ethics", gender="female", confidentiality_pledge=False)
    result = composition(roster, MEAS, ON)
    assert result.valid
    assert [w.code for w in result.warnings] == ["no_vice_chair", "missing_pledge"]


def test_messages_render_in_chinese():
    from django.utils import translation

    with translation.override("zh-hans"):
        message = str(composition(valid(6), MEAS, ON).problems[0].message)
    assert "《科技伦理审查办法（试行）》第七条" in message
