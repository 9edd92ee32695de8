"""The token endpoint's protection: a throttle per client address and the locked account's 429."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.throttling import SimpleRateThrottle

from ethics import login


class LoginRateThrottle(SimpleRateThrottle):
    """`THROTTLE_AUTH_RATE` (e.g. "10/min") per client address, read on every request so a
    test can change it; empty means no throttle. Counts live in the default cache (Redis in
    production, shared by every web process)."""

    scope = "auth"

    def get_rate(self) -> str | None:
        return getattr(settings, "THROTTLE_AUTH_RATE", None) or None

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AccountLocked(exceptions.APIException):
    """429 `{"code": "account_locked", "message"}` with Retry-After (ethics.api.errors)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = login.LOCKED_CODE

    def __init__(self, message: str, wait: int | None) -> None:
        super().__init__(detail=message, code=login.LOCKED_CODE)
        self.wait = wait


def refuse_if_locked(request: Any) -> None:
    """After a refused token request: a locked account (locked by this attempt or before) is a
    429, whether or not the password was right and whether or not the username exists."""
    if not getattr(request, "axes_locked_out", False):
        return
    remaining = login.lock_remaining(login.locked_username(request))
    raise AccountLocked(login.locked_message(remaining), login.retry_after(remaining))
