"""Build docs/rules.md: every rule-set parameter, and who cites each rule ID in code and tests.

The index has two sources:

- ``ethics.regulations.RULESETS``: each parameter of each regime's rule set with its rule ID,
  article, value and source (primary, secondary, unverified);
- a scan of the source tree: the product code (non-test ``.py`` files of the project's own apps,
  i.e. the INSTALLED_APPS that are top-level directories of the repository, migrations excluded)
  and the test modules (``tests/**/test_*.py``).

A rule ID is a capital R, N or B, a number without a leading zero and an optional lower-case
letter, standing alone: the ID with the suffix letter is its own rule, and a longer number is a
different rule. A range written with a hyphen or a dash between two IDs of the same letter
(R32-R35) cites every ID in it; a span of more than ``MAX_RANGE`` IDs, or one written with an
ellipsis (R1…R65), names the catalogue and cites none. ``noqa`` directives are ignored (their
codes look like IDs). Snake-case names cite an ID when one of their words is that ID in lower
case (``test_quorum_`` + the ID), so test function names count.

Code is cited by file and enclosing function, class or module-level name (``Class.method``;
``(module)`` for the module docstring and other top-level statements); a comment block directly
above a definition belongs to it. Tests are cited by ``file::test_function`` (``file::Class::test``)
and, for text outside any test function, by the file alone. Files holding a line that is exactly
``# rule-index: skip-file`` are not scanned.

The output is sorted and carries no timestamp and no absolute path, so it can be diffed;
``--check`` fails when the committed file differs from what would be generated.
"""

# rule-index: skip-file
# (the examples below would otherwise be indexed as citations)

from __future__ import annotations

import ast
import difflib
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from ethics import regulations

OUTPUT = Path("docs") / "rules.md"
TESTS_DIR = "tests"
SKIP_FILE_PRAGMA = "# rule-index: skip-file"
MAX_RANGE = 20
ELLIPSES = frozenset({"…", "..", "..."})
MODULE = "(module)"
PREFIX_ORDER = {"R": 0, "N": 1, "B": 2}

_EDGE_BEFORE = r"(?<![A-Za-z0-9_])"
_EDGE_AFTER = r"(?![A-Za-z0-9_])"
ID_RE = re.compile(_EDGE_BEFORE + r"([RNB])([1-9][0-9]*)([a-z]?)" + _EDGE_AFTER)
RANGE_RE = re.compile(
    _EDGE_BEFORE + r"([RNB])([1-9][0-9]*)\s*(-|–|—|…|\.\.\.?)\s*([RNB])([1-9][0-9]*)" + _EDGE_AFTER
)
NAME_WORD_RE = re.compile(r"^([rnb])([1-9][0-9]*)([a-z]?)$")
NOQA_RE = re.compile(r"noqa\s*:\s*[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*")
SKIPPED_DIRS = frozenset({"migrations", "__pycache__", "node_modules"})


# --- finding IDs in text -----------------------------------------------------------------------


def id_sort_key(rule_id: str) -> tuple[int, int, str]:
    """Catalogue order: R before N before B, then by number, the plain ID before its suffixes."""
    match = ID_RE.fullmatch(rule_id)
    if match is None:
        return (len(PREFIX_ORDER), 0, rule_id)
    prefix, number, suffix = match.groups()
    return (PREFIX_ORDER[prefix], int(number), suffix)


def ids_in_text(text: str) -> set[str]:
    """Every rule ID a piece of source text cites, ranges expanded."""
    text = NOQA_RE.sub("", text)
    found: set[str] = set()
    spans: list[tuple[int, int]] = []
    for match in RANGE_RE.finditer(text):
        prefix, first, separator, other_prefix, last = match.groups()
        low, high = int(first), int(last)
        if other_prefix != prefix or low >= high:
            continue  # not a range: each ID stands for itself
        spans.append(match.span())
        if separator not in ELLIPSES and high - low < MAX_RANGE:
            found.update(f"{prefix}{n}" for n in range(low, high + 1))
    for match in ID_RE.finditer(text):
        if not any(start <= match.start() < end for start, end in spans):
            found.add(match.group(0))
    return found


def ids_in_name(name: str) -> set[str]:
    """IDs named by a snake-case identifier: ``test_quorum_`` + an ID in lower case."""
    found = set()
    for word in re.split(r"[^a-z0-9]+", name.lower()):
        match = NAME_WORD_RE.match(word)
        if match:
            prefix, number, suffix = match.groups()
            found.add(f"{prefix.upper()}{number}{suffix}")
    return found


# --- which symbol each line belongs to ---------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    start: int  # first line, decorators included
    end: int
    symbol: str
    is_test: bool = False


def _start(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _target_names(node: ast.stmt) -> list[str]:
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    names: list[str] = []
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name) and sub.id not in names:
                names.append(sub.id)
    return names


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _scopes(body: Sequence[ast.stmt], prefix: str, sep: str, *, tests: bool) -> Iterator[Scope]:
    for node in body:
        end = node.end_lineno or node.lineno
        if isinstance(node, _DEFS):
            symbol = f"{prefix}{node.name}"
            is_test = (
                tests
                and not isinstance(node, ast.ClassDef)
                and node.name.startswith("test")
                and (not prefix or prefix.startswith("Test"))
            )
            yield Scope(_start(node), end, symbol, is_test)
            if isinstance(node, ast.ClassDef):
                yield from _scopes(node.body, f"{symbol}{sep}", sep, tests=tests)
        elif not prefix and not tests:
            names = _target_names(node)
            if names:
                yield Scope(_start(node), end, ", ".join(names))


def line_symbols(source: str, *, tests: bool = False) -> list[Scope | None]:
    """For each line (index 0 is line 1), the innermost scope it belongs to, or None."""
    lines = source.splitlines()
    owner: list[Scope | None] = [None] * (len(lines) + 2)
    sep = "::" if tests else "."
    # Outer scopes come first, so painting in order leaves the innermost one on each line.
    for scope in _scopes(ast.parse(source).body, "", sep, tests=tests):
        for line in range(scope.start, scope.end + 1):
            owner[line] = scope
    # A block of comments directly above a definition belongs to that definition.
    starts = {line: scope for line, scope in enumerate(owner) if scope and scope.start == line}
    attach: Scope | None = None
    for line in range(len(lines), 0, -1):
        if not lines[line - 1].lstrip().startswith("#"):
            attach = None
            continue
        attach = starts.get(line + 1, attach)
        if attach is not None:
            owner[line] = attach
    return owner[1 : len(lines) + 1]


# --- scanning the tree -------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Citation:
    path: str  # relative to the root, with forward slashes
    symbol: str  # "" for a test file cited outside any test function

    def as_code(self) -> str:
        return f"{self.path}: {self.symbol}"

    def as_test(self) -> str:
        return f"{self.path}::{self.symbol}" if self.symbol else self.path


Citations = dict[str, set[Citation]]


def _python_files(directory: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith("."))
        for filename in sorted(filenames):
            if filename.endswith(".py"):
                yield Path(dirpath) / filename


def _read(path: Path) -> str | None:
    source = path.read_text(encoding="utf-8")
    if any(line.strip() == SKIP_FILE_PRAGMA for line in source.splitlines()):
        return None
    return source


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _cite(index: Citations, rule_ids: Iterable[str], citation: Citation) -> None:
    for rule_id in rule_ids:
        index.setdefault(rule_id, set()).add(citation)


def scan_code(root: Path, app_dirs: Iterable[str], *, exclude: Mapping[str, set[str]]) -> Citations:
    """Rule IDs cited by the product code: file and enclosing symbol per citation.

    ``exclude`` maps a relative path to top-level names not counted, with their methods (the
    rule sets' own declarations, which the parameter table already shows).
    """
    index: Citations = {}
    for app_dir in sorted(set(app_dirs)):
        for path in _python_files(root / app_dir):
            source = _read(path)
            if source is None:
                continue
            relative = _relative(path, root)
            skipped = exclude.get(relative, set())
            symbols = line_symbols(source)
            for text, scope in zip(source.splitlines(), symbols, strict=True):
                symbol = scope.symbol if scope else MODULE
                if symbol.split(".")[0] not in skipped:
                    _cite(index, ids_in_text(text), Citation(relative, symbol))
            for scope in {s for s in symbols if s is not None}:
                if scope.symbol.split(".")[0] not in skipped:
                    _cite(index, ids_in_name(scope.symbol), Citation(relative, scope.symbol))
    return index


def scan_tests(root: Path, tests_dir: str = TESTS_DIR) -> Citations:
    """Rule IDs cited by test modules: by test function, or by the file for text outside one."""
    index: Citations = {}
    for relative, source in _test_sources(root, tests_dir):
        _cite(index, ids_in_name(Path(relative).stem), Citation(relative, ""))
        symbols = line_symbols(source, tests=True)
        for text, scope in zip(source.splitlines(), symbols, strict=True):
            symbol = scope.symbol if scope is not None and scope.is_test else ""
            _cite(index, ids_in_text(text), Citation(relative, symbol))
        for scope in {s for s in symbols if s is not None and s.is_test}:
            _cite(
                index,
                ids_in_name(scope.symbol.rsplit("::", 1)[-1]),
                Citation(relative, scope.symbol),
            )
    return index


def _test_sources(root: Path, tests_dir: str) -> Iterator[tuple[str, str]]:
    directory = root / tests_dir
    if not directory.is_dir():
        return
    for path in _python_files(directory):
        if path.name.startswith("test_"):
            source = _read(path)
            if source is not None:
                yield _relative(path, root), source


def param_mentions(
    root: Path, names: Iterable[str], tests_dir: str = TESTS_DIR
) -> dict[str, set[str]]:
    """Test files that mention a parameter by name (a test of the number, without its ID)."""
    patterns = {name: re.compile(rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_])") for name in names}
    found: dict[str, set[str]] = {}
    for relative, source in _test_sources(root, tests_dir):
        for name, pattern in patterns.items():
            if pattern.search(source):
                found.setdefault(name, set()).add(relative)
    return found


# --- the rule sets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ParamRow:
    name: str
    label: str
    regime: str
    rule: str
    article: str
    value: str
    source: str


def format_value(value: Any) -> str:
    if value is None:
        return "— (does not apply)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, tuple):
        parts = [f"({format_value(v)})" if isinstance(v, tuple) else format_value(v) for v in value]
        return ", ".join(parts)
    return str(value)


def param_rows(rulesets: Mapping[Any, regulations.RuleSet]) -> list[ParamRow]:
    """One row per (parameter, regime), in declaration order, labels in English."""
    rows: list[ParamRow] = []
    with translation.override("en"):
        for name in regulations.PARAM_NAMES:
            for regime, rules in rulesets.items():
                param = getattr(rules, name)
                rows.append(
                    ParamRow(
                        name=name,
                        label=str(param.label),
                        regime=str(getattr(regime, "name", regime)),
                        rule=param.rule,
                        article=param.article,
                        value=format_value(param.value),
                        source=str(param.source),
                    )
                )
    return rows


def ruleset_declarations() -> dict[str, set[str]]:
    """The names in ethics/regulations.py that declare the rule sets: RuleSet, MEAS, NHC."""
    relative = regulations.__name__.replace(".", "/") + ".py"
    names = {
        name for name, obj in vars(regulations).items() if isinstance(obj, regulations.RuleSet)
    }
    names.add(regulations.RuleSet.__name__)
    return {relative: names}


# --- rendering ---------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


HEADER = """\
# Rule index

<!-- Generated by `python manage.py rule_index` from ethics/regulations.py and the source tree.
     Do not edit by hand: CI runs `manage.py rule_index --check` and fails when this file is stale. -->

Where each rule of the catalogue (R…, N…, B…; `docs/regulations.md` of the design documents)
is a parameter of the rule sets in `ethics/regulations.py`, and which product code and tests
cite it. Product code is cited as `file: function` (or class, method, module-level name;
`(module)` for the docstring and other top-level text), tests as `file::test_function`, or the
file alone when the ID appears outside a test function. An ID matches exactly (the ID with a
suffix letter, or a longer number, is another rule); `R4-R7` cites R4 to R7; a test named
`test_…_r19` cites R19. Regenerate with `python manage.py rule_index`.
"""


def render(
    rows: Sequence[ParamRow],
    code: Citations,
    tests: Citations,
    mentions: Mapping[str, set[str]] | None = None,
) -> str:
    ruleset_ids = {row.rule for row in rows}
    all_ids = sorted(ruleset_ids | set(code) | set(tests), key=id_sort_key)
    mentions = mentions or {}
    regimes_by_param: dict[str, dict[str, list[str]]] = {}
    for row in rows:
        regimes_by_param.setdefault(row.rule, {}).setdefault(row.name, []).append(row.regime)
    params_by_id = {
        rule_id: [f"`{name}` ({', '.join(regimes)})" for name, regimes in by_name.items()]
        for rule_id, by_name in regimes_by_param.items()
    }

    out = [HEADER]
    out += ["## Rule-set parameters", ""]
    out.append(
        "Each parameter of each regime's rule set; *primary* means read in the primary text, "
        "*secondary* in a secondary source only, *unverified* that the reading was not checked "
        'against the primary text and the pages show an "unverified" badge.'
    )
    out += ["", "| Parameter | Meaning | Regime | Value | Rule | Article | Status |"]
    out.append("|---|---|---|---|---|---|---|")
    for row in rows:
        status = "**unverified**" if row.source == "unverified" else row.source
        cells = [
            f"`{row.name}`",
            row.label,
            row.regime,
            row.value,
            row.rule,
            row.article,
            status,
        ]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")

    with_code = [i for i in all_ids if i in code]
    with_tests = [i for i in all_ids if i in tests]
    neither = [i for i in all_ids if i not in code and i not in tests]
    untested = [i for i in all_ids if i in ruleset_ids and i not in tests]
    out += ["", "## Summary", ""]
    out.append(
        f"- Rule IDs in this index: {len(all_ids)} ({len(ruleset_ids)} named by the rule sets)"
    )
    out.append(f"- Cited by product code: {len(with_code)}")
    out.append(f"- Cited by tests: {len(with_tests)}")
    out.append(
        f"- Cited by neither (named only by the rule sets): {len(neither)}"
        + (f" ({', '.join(neither)})" if neither else "")
    )

    out += ["", "## Rules the rule sets name but no test cites", ""]
    if untested:
        out.append(
            "Tests that exercise the parameter by name without citing the rule ID are listed, "
            "so the ID can be added to them."
        )
        out.append("")
    for rule_id in untested:
        out.append(f"- {rule_id}: " + ", ".join(params_by_id.get(rule_id, [])))
        files = sorted({f for name in regimes_by_param[rule_id] for f in mentions.get(name, set())})
        if files:
            out.append("  (parameter named in " + ", ".join(f"`{f}`" for f in files) + ")")
    if not untested:
        out.append("None.")

    out += ["", "## Citations by rule"]
    for rule_id in all_ids:
        out += ["", f"### {rule_id}", ""]
        if rule_id in params_by_id:
            out.append("Parameters: " + ", ".join(params_by_id[rule_id]))
            out.append("")
        code_lines = [c.as_code() for c in sorted(code.get(rule_id, ()))]
        test_lines = [c.as_test() for c in sorted(tests.get(rule_id, ()))]
        out.append("Code:" if code_lines else "Code: none")
        out += [f"- `{line}`" for line in code_lines]
        if code_lines:
            out.append("")
        out.append("Tests:" if test_lines else "Tests: none")
        out += [f"- `{line}`" for line in test_lines]
    return "\n".join(out).rstrip("\n") + "\n"


# --- putting it together -----------------------------------------------------------------------


def project_app_dirs(root: Path) -> list[str]:
    """The installed apps that are top-level directories of the project (config/ is not an app)."""
    base = Path(settings.BASE_DIR).resolve()
    names = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.parent == base and (root / path.name).is_dir():
            names.append(path.name)
    return sorted(names)


def generate(root: Path, app_dirs: Iterable[str] | None = None) -> str:
    dirs = project_app_dirs(root) if app_dirs is None else list(app_dirs)
    rows = param_rows(regulations.RULESETS)
    code = scan_code(root, dirs, exclude=ruleset_declarations())
    tests = scan_tests(root)
    mentions = param_mentions(root, regulations.PARAM_NAMES)
    return render(rows, code, tests, mentions)


class Command(BaseCommand):
    help = "Generate docs/rules.md (rule-set parameters and rule citations); --check for CI."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Do not write; fail if the file differs from what would be generated.",
        )
        parser.add_argument(
            "--root", default=None, help="Source tree to scan (default: the project directory)."
        )
        parser.add_argument(
            "--output", default=None, help="File to write or check (default: ROOT/docs/rules.md)."
        )

    def handle(self, *args: object, **options: Any) -> None:
        root = Path(options["root"] or settings.BASE_DIR).resolve()
        output = Path(options["output"]) if options["output"] else root / OUTPUT
        shown = _shown(output, root)
        expected = generate(root)
        if options["check"]:
            if not output.exists():
                raise CommandError(
                    f"{shown} does not exist: run `python manage.py rule_index` and commit it."
                )
            current = output.read_text(encoding="utf-8")
            if current != expected:
                diff = list(
                    difflib.unified_diff(
                        current.splitlines(),
                        expected.splitlines(),
                        f"{shown} (committed)",
                        f"{shown} (generated)",
                        lineterm="",
                    )
                )
                excerpt = "\n".join(diff[:40]) + ("\n…" if len(diff) > 40 else "")
                raise CommandError(
                    f"{shown} is stale: run `python manage.py rule_index` and commit the "
                    f"result.\n{excerpt}"
                )
            self.stdout.write(self.style.SUCCESS(f"{shown} is up to date."))
            return
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(expected)
        self.stdout.write(self.style.SUCCESS(f"Wrote {shown}."))


def _shown(output: Path, root: Path) -> str:
    try:
        return output.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(output)
