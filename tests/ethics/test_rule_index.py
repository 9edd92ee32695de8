# rule-index: skip-file
# (the rule IDs below are test data, not citations of the rules)
"""manage.py rule_index: ID matching, the scan of a small tree, rendering and the --check mode."""

import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from ethics import regulations
from ethics.management.commands.rule_index import (
    Citation,
    generate,
    id_sort_key,
    ids_in_name,
    ids_in_text,
    line_symbols,
    scan_code,
    scan_tests,
)

pytestmark = pytest.mark.engine_independent

# --- exact IDs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('rule="R19"', {"R19"}),
        ("R190 is another rule", {"R190"}),
        ("R19a is another rule", {"R19a"}),
        ("recusal (R20a) and votes (R24)", {"R20a", "R24"}),
        ("R20 and R20a", {"R20", "R20a"}),
        ("（R19）到会委员", {"R19"}),
        ("XR19, R19x1, R19_, _R19, R19ab", set()),
        ("no leading zero: B017, R07", set()),
        ("x = 1  # noqa: B904, E501", set()),
        ("# noqa: B010 (a per-request cache) R5", {"R5"}),
        ("N1 and B12", {"N1", "B12"}),
    ],
)
def test_ids_match_exactly(text, expected):
    assert ids_in_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("composition (R4-R7)", {"R4", "R5", "R6", "R7"}),
        ("R32–R35", {"R32", "R33", "R34", "R35"}),
        ("N7 - N8", {"N7", "N8"}),
        # Not ranges: different letters, a suffix letter, a reversed pair.
        ("R4-N7", {"R4", "N7"}),
        ("R20a-R24", {"R20a", "R24"}),
        ("R19-R20a", {"R19", "R20a"}),
        ("R7-R4", {"R7", "R4"}),
        # An ellipsis names the catalogue, so does a span wider than the limit.
        ("Rule IDs (R1…R65, N1…N14)", set()),
        ("R1...R9", set()),
        ("R1-R65", set()),
    ],
)
def test_ranges(text, expected):
    assert ids_in_text(text) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("test_four_present_is_no_quorum_r19", {"R19"}),
        ("test_a_recusal_lowers_the_base_r20a_r24", {"R20a", "R24"}),
        ("test_r190_is_not_r19", {"R190", "R19"}),
        ("test_nhc_majority_n4", {"N4"}),
        ("test_error_r", set()),
        ("test_r19xy", set()),
        ("TestQuorum::test_r5", {"R5"}),
    ],
)
def test_names_cite_by_whole_word(name, expected):
    assert ids_in_name(name) == expected


def test_ids_sort_in_catalogue_order():
    ids = ["B1", "N14", "R20a", "R100", "N2", "R20", "R3", "R31a", "R31"]
    assert sorted(ids, key=id_sort_key) == [
        "R3",
        "R20",
        "R20a",
        "R31",
        "R31a",
        "R100",
        "N2",
        "N14",
        "B1",
    ]


# --- which symbol a line belongs to ------------------------------------------------------------


def test_line_symbols_attach_comments_and_decorators_to_their_definition():
    source = textwrap.dedent(
        '''\
        """Module docstring."""

        # About the constant.
        LIMIT = 5


        # About the function,
        # two lines.
        @decorator
        def check():
            return LIMIT


        class Policy:
            name = "x"

            # About the method.
            def may(self):
                def inner():
                    pass

        # Stray comment.

        register()
        '''
    )
    symbols = [scope.symbol if scope else None for scope in line_symbols(source)]
    assert symbols == [
        None,  # docstring
        None,
        "LIMIT",
        "LIMIT",
        None,
        None,
        "check",
        "check",
        "check",
        "check",
        "check",
        None,
        None,
        "Policy",
        "Policy",
        "Policy",
        "Policy.may",
        "Policy.may",
        "Policy.may",
        "Policy.may",
        None,
        None,
        None,
        None,
    ]


# --- scanning a small tree ---------------------------------------------------------------------


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def tree(tmp_path):
    write(
        tmp_path,
        "ethics/rules.py",
        '''\
        """Quorum rules (R19)."""


        def quorum():
            return "R190"
        ''',
    )
    write(
        tmp_path,
        "reviews/services/intake.py",
        """\
        # R14: one notice lists every missing item.
        def application_return():
            pass


        class ApplicationViewSet:
            def accept(self):
                raise Conflict("x", rule="R20a")  # noqa: B904


        TRANSITIONS = {
            "accept": "under_review",  # R32-R34
        }
        """,
    )
    write(tmp_path, "reviews/migrations/0001_initial.py", 'HELP = "R50"\n')
    write(tmp_path, "reviews/legacy.py", '# rule-index: skip-file\nX = "R51"\n')
    write(tmp_path, "notanapp/module.py", 'X = "R52"\n')
    write(
        tmp_path,
        "tests/reviews/test_intake.py",
        '''\
        """Intake (R14)."""

        CASES = ["R25"]


        def helper():
            return "R26"


        def test_return_lists_everything_r14():
            pass


        @pytest.mark.parametrize("rule", ["R19a"])
        def test_rule_in_a_decorator(rule):
            pass


        class TestAccept:
            def test_accept(self):
                assert error["rule"] == "R20a"
        ''',
    )
    write(tmp_path, "tests/reviews/conftest.py", 'RULE = "R27"\n')
    write(tmp_path, "tests/reviews/test_r45_tracking.py", "def test_nothing():\n    pass\n")
    return tmp_path


def test_scan_code_cites_file_and_symbol(tree):
    code = scan_code(tree, ["ethics", "reviews"], exclude={})
    assert code == {
        "R19": {Citation("ethics/rules.py", "(module)")},
        "R190": {Citation("ethics/rules.py", "quorum")},
        "R14": {Citation("reviews/services/intake.py", "application_return")},
        "R20a": {Citation("reviews/services/intake.py", "ApplicationViewSet.accept")},
        "R32": {Citation("reviews/services/intake.py", "TRANSITIONS")},
        "R33": {Citation("reviews/services/intake.py", "TRANSITIONS")},
        "R34": {Citation("reviews/services/intake.py", "TRANSITIONS")},
    }


def test_scan_code_leaves_out_excluded_declarations(tree):
    code = scan_code(
        tree, ["reviews"], exclude={"reviews/services/intake.py": {"ApplicationViewSet"}}
    )
    assert "R20a" not in code
    assert "R14" in code


def test_scan_tests_cites_test_functions_and_files(tree):
    tests = scan_tests(tree)
    path = "tests/reviews/test_intake.py"
    assert tests == {
        # The module docstring, a module-level constant and a helper count for the file.
        "R14": {Citation(path, ""), Citation(path, "test_return_lists_everything_r14")},
        "R25": {Citation(path, "")},
        "R26": {Citation(path, "")},
        "R19a": {Citation(path, "test_rule_in_a_decorator")},
        "R20a": {Citation(path, "TestAccept::test_accept")},
        "R45": {Citation("tests/reviews/test_r45_tracking.py", "")},
    }
    assert "R19" not in tests  # R19a is its own rule
    assert "R27" not in tests  # conftest.py is not a test module


def test_generate_is_deterministic_and_relative(tree):
    first = generate(tree, ["ethics", "reviews"])
    assert first == generate(tree, ["ethics", "reviews"])
    assert str(tree) not in first
    assert "- `reviews/services/intake.py: ApplicationViewSet.accept`" in first
    assert "- `tests/reviews/test_intake.py::TestAccept::test_accept`" in first
    for name in regulations.PARAM_NAMES:
        assert f"| `{name}` |" in first
    # Every rule-set rule that the fake tests do not cite is listed as untested.
    untested = first.split("## Rules the rule sets name but no test cites")[1].split("## ")[0]
    named = {
        getattr(rules, name).rule
        for rules in regulations.RULESETS.values()
        for name in regulations.PARAM_NAMES
    }
    listed = {line[2:].split(":")[0] for line in untested.splitlines() if line.startswith("- ")}
    assert listed == named - set(scan_tests(tree))
    assert "R25" in named
    assert "R25" not in listed


def test_rule_set_table_shows_value_rule_article_and_flag_per_regime(tree):
    text = generate(tree, [])
    assert "| `min_members` | Minimum number of committee members | MEAS | 7 | R4 |" in text
    assert "| `min_members` | Minimum number of committee members | NHC | 7 | N1 |" in text
    assert "| MEAS | 2/3 | R24 |" in text
    assert (
        "| `majority_of_all` | Votes needed, share of all members (exclusive) | NHC | 1/2 |" in text
    )
    emergency = next(line for line in text.splitlines() if "`emergency_hours`" in line)
    assert emergency.endswith("| **unverified** |")
    assert "MEAS" in emergency


# --- the command and its --check mode ----------------------------------------------------------


def test_check_passes_when_fresh_and_fails_after_an_edit(tree):
    output = tree / "docs" / "rules.md"
    call_command("rule_index", root=str(tree))
    assert output.exists()
    call_command("rule_index", "--check", root=str(tree))

    # A new citation in the code makes the committed file stale.
    with (tree / "reviews/services/intake.py").open("a", encoding="utf-8") as handle:
        handle.write('\n\ndef application_accept():\n    return "R25"\n')
    with pytest.raises(CommandError, match=r"docs/rules.md is stale: run `python manage.py"):
        call_command("rule_index", "--check", root=str(tree))

    call_command("rule_index", root=str(tree))
    assert "- `reviews/services/intake.py: application_accept`" in output.read_text()
    call_command("rule_index", "--check", root=str(tree))

    # So does an edit by hand.
    output.write_text(output.read_text().replace("Tests: none", "Tests: many", 1))
    with pytest.raises(CommandError, match="stale") as excinfo:
        call_command("rule_index", "--check", root=str(tree))
    assert "+Tests: none" in str(excinfo.value)


def test_check_fails_when_the_file_is_missing(tree):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("rule_index", "--check", root=str(tree))


def test_the_real_tree_indexes_the_apps_and_tests():
    text = generate(Path(settings.BASE_DIR))
    assert str(settings.BASE_DIR) not in text
    r19 = text.split("\n### R19\n")[1].split("\n### ")[0]
    assert "- `meetings/services.py: meeting_open`" in r19
    assert "- `tests/meetings/test_quorum.py::test_four_members_present_is_no_quorum_r19`" in r19
    # The rule sets' declarations are the table, not citations; this file is skipped.
    assert "ethics/regulations.py: MEAS`" not in text
    assert "test_rule_index" not in text
