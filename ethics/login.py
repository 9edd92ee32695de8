"""Login protection and the login audit (README "Login protection").

django-axes counts failed logins per username on every path that calls
`django.contrib.auth.authenticate(request, ...)` (the login page, the admin's login, the API's
token form) and locks the account at `AXES_FAILURE_LIMIT`; its backend, first in
`AUTHENTICATION_BACKENDS`, then refuses even the right password until the cool-off ends or an
administrator unlocks the account (`ethics.services.user_unlock`).

This module is what the kernel adds: the client address (the one the API throttle counts), the
locked page, the lock message, and the audit of every login event, connected in
`ethics.apps.EthicsConfig.ready()` to Django's `user_logged_in` / `user_logged_out` /
`user_login_failed` and axes' `user_locked_out` signals. The token endpoint does not call
`login()`; it records its logins with `token_login()`.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from ethics import audit
from ethics.models import User

LOCKED_CODE = "account_locked"


def client_ip(request: Any) -> str | None:
    """The client's address: REMOTE_ADDR, or behind the TLS proxy the address it appended to
    X-Forwarded-For (DRF's NUM_PROXIES); the same address the API throttle counts."""
    from rest_framework.throttling import BaseThrottle

    meta = getattr(request, "META", None)
    if not meta:
        return None
    ident: str | None = BaseThrottle().get_ident(request)
    return ident or None


def _ip(request: Any) -> str | None:
    if request is None:
        return None
    return getattr(request, "axes_ip_address", None) or client_ip(request)


def _via(request: Any, user: Any = None) -> str:
    from ethics import sso

    provider = sso.provider_of(user)
    if provider is not None:
        return str(provider)
    path = str(getattr(request, "path", "") or "")
    for name, via in (("sso-oidc-callback", "oidc"), ("sso-cas-login", "cas")):
        if path == reverse(name):
            return via
    if path.startswith("/api/"):
        return "token"
    try:
        if path.startswith(reverse("admin:index")):
            return "admin"
    except NoReverseMatch:  # pragma: no cover - the admin is mounted in config.urls
        pass
    return "page"


def _account(username: str | None) -> User | None:
    if not username:
        return None
    return User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()


def _record(action: str, *, actor: User | None, target: User | None, after: dict[str, Any]) -> None:
    with transaction.atomic():
        audit.record(actor=actor, action=action, target=target, after=after)


# --- the lock ----------------------------------------------------------------------------------


def lock_remaining(username: str | None) -> timedelta | None:
    """How much longer the lock on `username` lasts; None while it lasts until an administrator
    unlocks it (`AXES_COOLOFF_MINUTES=0`). The lock ends a cool-off after the last failure."""
    from axes.models import AccessAttempt

    cool_off: timedelta | None = settings.AXES_COOLOFF_TIME
    if cool_off is None:
        return None
    attempts = AccessAttempt.objects.filter(username=username)
    last: datetime | None = attempts.aggregate(last=Max("attempt_time"))["last"]
    if last is None:
        return timedelta(0)
    return max(last + cool_off - timezone.now(), timedelta(0))


def locked_message(remaining: timedelta | None) -> str:
    """The same words whether or not the username exists (nothing tells them apart)."""
    if remaining is None:
        return gettext(
            "Too many failed logins: this account is locked until an administrator of its "
            "institution unlocks it."
        )
    minutes = max(1, math.ceil(remaining.total_seconds() / 60))
    return ngettext(
        "Too many failed logins: this account is locked. Try again in %(minutes)d minute, "
        "or ask an administrator of its institution to unlock it.",
        "Too many failed logins: this account is locked. Try again in %(minutes)d minutes, "
        "or ask an administrator of its institution to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def retry_after(remaining: timedelta | None) -> int | None:
    """Seconds for the Retry-After header (none for a lock only an administrator ends)."""
    if remaining is None:
        return None
    return max(1, math.ceil(remaining.total_seconds()))


def locked_username(request: Any, credentials: dict[str, Any] | None = None) -> str | None:
    from axes.helpers import get_client_username

    credentials = credentials or getattr(request, "axes_credentials", None)
    username: str | None = get_client_username(request, credentials)
    return username


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """`AXES_LOCKOUT_CALLABLE`: the locked page (429) after a login page or the admin's login
    refused a locked account; the API's error shape should an API path ever get here."""
    remaining = lock_remaining(locked_username(request, credentials))
    message = locked_message(remaining)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": LOCKED_CODE, "message": message}, status=429)
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"message": message, "login_url": reverse("login")},
            status=429,
        )
    seconds = retry_after(remaining)
    if seconds is not None:
        response["Retry-After"] = str(seconds)
    return response


# --- the audit ---------------------------------------------------------------------------------


def on_logged_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    """`auth.login`: the login page and the admin's login (Django's `login()`)."""
    _record(
        "auth.login",
        actor=user,
        target=user,
        after={"via": _via(request, user), "ip": _ip(request)},
    )


def on_logged_out(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    """`auth.logout`; logging out without being logged in records nothing."""
    if user is None or not getattr(user, "pk", None):
        return
    _record("auth.logout", actor=user, target=user, after={"ip": _ip(request)})


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    """`auth.login_failed`: the username tried and the address, never the password; the actor
    is the account of that name, or none when no account has it. `locked` says whether the
    account is locked after this attempt (axes' receiver, connected first, has counted it)."""
    from ethics import sso

    username = credentials.get(User.USERNAME_FIELD) or credentials.get("username")
    account = _account(username)
    after = {
        "username": str(username or "")[:150],
        "ip": _ip(request),
        "via": _via(request),
        "locked": bool(getattr(request, "axes_locked_out", False)),
    }
    # Why a single sign-on was refused (no account for the identity, provider unreachable).
    refusal = getattr(request, sso.REFUSAL_ATTR, None)
    if refusal is not None:
        after["reason"] = refusal.code
    unavailable = getattr(request, sso.UNAVAILABLE_ATTR, None)
    if unavailable:
        after["reason"] = f"{unavailable}_unavailable"
    _record("auth.login_failed", actor=account, target=account, after=after)


def on_locked_out(
    sender: Any, request: Any, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    """`auth.locked_out`, once when the lock begins. Axes sends the signal again for every
    attempt refused while locked; those have no failure count and are only `auth.login_failed`."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return
    account = _account(username)
    _record(
        "auth.locked_out",
        actor=account,
        target=account,
        after={
            "username": str(username or "")[:150],
            "ip": ip_address,
            "failures": failures,
            "cooloff_minutes": settings.AXES_COOLOFF_MINUTES or None,
        },
    )


def token_login(request: Any, user: User) -> None:
    """A token issued for good credentials is a login: the failure count starts again (axes does
    so on `user_logged_in`, which the token endpoint does not send) and `auth.login` is recorded
    with `"via": "token"`."""
    from axes.handlers.proxy import AxesProxyHandler

    AxesProxyHandler.reset_attempts(username=user.get_username())
    _record("auth.login", actor=user, target=user, after={"via": "token", "ip": _ip(request)})


def connect() -> None:
    """Called from `EthicsConfig.ready()`, after axes' own receivers (axes is installed first)."""
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(on_logged_in, dispatch_uid="ethics.login.logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="ethics.login.logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="ethics.login.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="ethics.login.locked_out")
