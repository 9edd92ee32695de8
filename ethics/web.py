"""Helpers every app's HTML views share: turning a refused action into messages for the user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from ethics.errors import Conflict


def report_error(request: HttpRequest, exc: Exception) -> None:
    """Show why an action was refused: the rule and every problem it found, or the field errors."""
    if isinstance(exc, Conflict):
        text = str(exc.message)
        messages.error(request, f"{text} ({exc.rule})" if exc.rule else text)
        for problem in exc.problems:
            messages.error(request, f"{problem.get('message', '')} ({problem.get('rule', '')})")
    elif isinstance(exc, ValidationError):
        for error in exc.messages:
            messages.error(request, error)


def attempt(request: HttpRequest, call: Callable[[], Any], success: str) -> bool:
    """Run one service call; report a refusal as messages instead of an error page."""
    try:
        call()
    except (Conflict, ValidationError) as exc:
        report_error(request, exc)
        return False
    messages.success(request, success)
    return True
