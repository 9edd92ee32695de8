"""The token endpoint's protection: a throttle per client address and the locked account's 429."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status

from ethics import login
from ethics.api.throttling import AddressRateThrottle


class LoginRateThrottle(AddressRateThrottle):
    """`THROTTLE_AUTH_RATE` (e.g. "10/min") per client address: the token endpoint, the login
    page and the admin's login share it (ethics.middleware.LoginThrottleMiddleware)."""

    scope = "auth"
    rate_setting = "THROTTLE_AUTH_RATE"


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
