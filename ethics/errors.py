"""Domain errors that services raise; the API turns them into 409 responses, pages into messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.functional import Promise


class Conflict(Exception):
    """The workflow or a rule forbids this action now (HTTP 409)."""

    def __init__(
        self,
        code: str,
        message: str | Promise,
        *,
        rule: str | None = None,
        problems: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.rule = rule
        self.problems = list(problems or [])

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.rule:
            data["rule"] = self.rule
        if self.problems:
            data["problems"] = [{k: str(v) for k, v in p.items()} for p in self.problems]
        return data


class IllegalTransition(Conflict):
    """The transition table has no edge for (status, action)."""

    def __init__(self, status: str, action: str) -> None:
        from django.utils.translation import gettext_lazy as _

        super().__init__(
            "illegal_transition",
            _("The action “%(action)s” is not possible while the status is “%(status)s”.")
            % {"action": action, "status": status},
        )
        self.status = status
        self.action = action
