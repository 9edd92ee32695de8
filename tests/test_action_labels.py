"""Every audited action and notification cause the code can emit has a label (issue 15).

The source of every app is read (not imported): each `action=` / `cause=` / `reason=` code given
to a call, the action of the services' `record(actor, action, target)` shorthand, the cause of
`notify_application/notify_project(recipients, target, title, cause)`, both branches of a
conditional, and f-strings over a state (`f"project.{action}"`) expanded over that state's values.
An expression the scan cannot resolve must be one of DYNAMIC (whose values are literal codes
elsewhere in the source, which the scan sees), so a new kind of dynamic code fails here first.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

from ethics.action_labels import ACTION_LABELS, action_label, cause_label

pytestmark = pytest.mark.engine_independent

APPS = ("ethics", "committees", "reviews", "meetings", "oversight", "reports", "registry", "config")
CODE = re.compile(r"^[a-z][a-z_]*(?:\.[a-z][a-z_]*)+$|^tracking_review$")
CODE_PREFIX = re.compile(r"^([a-z][a-z_]*(?:\.[a-z][a-z_]*)*)(?: \(|$)")

# Pass-through parameters: their values are literal codes at the call sites, which the scan sees.
DYNAMIC = {
    ("ethics/audit.py", "action"),
    ("ethics/login.py", "action"),
    ("ethics/services.py", "reason"),
    ("ethics/services.py", "action"),
    ("reports/views.py", "action"),
    ("committees/services.py", "action"),
    ("reviews/services/_common.py", "action"),
    ("reviews/services/_common.py", "cause"),
    ("ethics/services.py", "cause"),
    ("ethics/services.py", "cause_text"),
}


def _states() -> dict[str, list[str]]:
    from ethics.models import DeadlineState
    from reviews.models import AppealState
    from reviews.workflow import ProjectAction

    return {
        "deadline.": list(DeadlineState.values),
        "appeal.": list(AppealState.values),
        "project.": list(ProjectAction.values),
    }


def _codes(node: ast.expr, states: dict[str, list[str]]) -> list[str] | None:
    """The codes an expression can take; None when the scan cannot tell."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        match = CODE_PREFIX.match(node.value)
        return [match[1]] if match and (CODE.match(match[1])) else []
    if isinstance(node, ast.IfExp):
        body, orelse = _codes(node.body, states), _codes(node.orelse, states)
        return None if body is None or orelse is None else body + orelse
    if isinstance(node, ast.JoinedStr) and node.values:
        head = node.values[0]
        if not (isinstance(head, ast.Constant) and isinstance(head.value, str)):
            return None
        if " (" in head.value:  # f"filing.open ({rule})": the code, then its rule
            return _codes(ast.Constant(head.value), states)
        if head.value in states:
            return [head.value + value for value in states[head.value]]
        return None
    return None


def _scan() -> tuple[dict[str, str], set[tuple[str, str]]]:
    states = _states()
    found: dict[str, str] = {}
    dynamic: set[tuple[str, str]] = set()
    base = Path(settings.BASE_DIR)
    for app in APPS:
        for path in sorted((base / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            rel = str(path.relative_to(base))
            for node in ast.walk(ast.parse(path.read_text(), rel)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    # A code as a parameter's default: def password_change(reason="user....")
                    positional = [*node.args.posonlyargs, *node.args.args]
                    named = dict(
                        zip(
                            [p.arg for p in positional][
                                len(positional) - len(node.args.defaults) :
                            ],
                            node.args.defaults,
                            strict=True,
                        )
                    )
                    for param, value in zip(
                        node.args.kwonlyargs, node.args.kw_defaults, strict=True
                    ):
                        if value is not None:
                            named[param.arg] = value
                    for arg in ("action", "cause", "reason"):
                        default = named.get(arg)
                        for code in (_codes(default, states) or []) if default else []:
                            found.setdefault(code, f"{rel}:{node.lineno}")
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                exprs = [kw.value for kw in node.keywords if kw.arg in ("action", "cause")]
                # A reason is mostly free text; a literal code given as the reason still counts.
                for kw in node.keywords:
                    if kw.arg == "reason":
                        for code in _codes(kw.value, states) or []:
                            found.setdefault(code, f"{rel}:{node.lineno}")
                if name == "record" and len(node.args) >= 2:
                    exprs.append(node.args[1])
                if name == "_record" and node.args:
                    exprs.append(node.args[0])
                if name == "_save_member_record" and len(node.args) >= 4:
                    exprs.append(node.args[3])
                if name in ("notify_application", "notify_project") and len(node.args) >= 4:
                    exprs.append(node.args[3])
                for expr in exprs:
                    codes = _codes(expr, states)
                    if codes is None:
                        if isinstance(expr, ast.Name) or name in ("record", "_record"):
                            dynamic.add((rel, ast.unparse(expr)))
                        continue
                    for code in codes:
                        found.setdefault(code, f"{rel}:{node.lineno}")
    return found, dynamic


def test_every_emitted_action_and_cause_has_a_label():
    found, dynamic = _scan()
    assert len(found) > 100, "the scan found too few codes to be reading the source"
    missing = {code: where for code, where in found.items() if code not in ACTION_LABELS}
    assert not missing, f"codes without a label in ethics/action_labels.py: {missing}"
    unexplained = dynamic - DYNAMIC
    assert not unexplained, f"codes the scan cannot resolve (add them to DYNAMIC?): {unexplained}"
    assert not DYNAMIC - dynamic, f"stale DYNAMIC entries: {DYNAMIC - dynamic}"


def test_the_scan_sees_the_codes_written_in_every_form():
    found, _dynamic = _scan()
    assert "application.decide" in found  # record(actor, "application.decide", ...)
    assert "vote.cast" in found
    assert "vote.change" in found
    assert "deadline.met" in found
    assert "appeal.upheld" in found
    assert "filing.open" in found  # f"filing.open ({rule})"
    assert "membership.pledge" in found  # passed through to the audit record
    assert "user.password_change" in found  # passed as reason=


def test_labels_read_as_words_and_keep_the_rule_id(settings):
    from django.utils import translation

    with translation.override("en"):
        assert action_label("application.accept") == "Application accepted"
        assert cause_label("application.decide (R26)") == "Decision made (R26)"
        assert cause_label("filing.open (R53)") == "Filing opened (R53)"
        assert cause_label("Deadline 跟踪审查 (R28)") == "Deadline 跟踪审查 (R28)"  # words already
    assert action_label("no.such_code") == "no.such_code"  # a gap shows, and the test above fails
