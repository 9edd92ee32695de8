"""Activate the signed-in user's preferred language unless the session chose another; hold a
session that owes a second factor at the verify page; end idle and old browser sessions."""

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ethics import hooks

SESSION_KEY = "ethics_language"


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if not language and user is not None and user.is_authenticated:
            language = user.language
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


class SecondFactorMiddleware:
    """Until a session that owes a second factor is verified, it reaches only the login, logout,
    second-factor, language and health pages and static files (ethics.mfa).

    A page sends the person to the verify page (or, with no authenticator yet, to enrolment); a
    session-authenticated API request gets 403 `{"code": "mfa_required", "message"}`. Runs after
    AuthenticationMiddleware and django-otp's OTPMiddleware (which tells whether it is verified).
    """

    #: URL names a pending session may reach.
    OPEN_URL_NAMES = frozenset(
        {
            "login",
            "logout",
            "mfa-enrol",
            "mfa-verify",
            "api-token",
            "healthz",
            "ethics:set-language",
            "favicon",  # a redirect to a static file, which is open too
        }
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from ethics import mfa

        if not self._open(request) and mfa.pending(request):
            return self._refuse(request)
        return self.get_response(request)

    def _open(self, request: HttpRequest) -> bool:
        from django.conf import settings

        static = str(getattr(settings, "STATIC_URL", "") or "")
        if static.startswith("/") and request.path.startswith(static):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in self.OPEN_URL_NAMES

    def _refuse(self, request: HttpRequest) -> HttpResponse:
        from ethics import mfa

        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "mfa_required",
                    "message": gettext(
                        "Verify your second factor in the browser before using the API."
                    ),
                },
                status=403,
            )
        user = request.user
        name = "mfa-verify" if mfa.enrolled(user) else "mfa-enrol"
        return HttpResponseRedirect(
            f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"
        )


#: Session keys: when the person signed in, and when they were last seen (epoch seconds).
SIGNED_IN_AT = "ethics_signed_in_at"
LAST_SEEN = "ethics_last_seen"
#: The last-seen time is written at most this often (a session write per request is wasteful).
SEEN_EVERY_SECONDS = 60


def idle_minutes(user: Any) -> int:
    """How long a session of `user` may go without a request: shorter for officers."""
    if hooks.is_officer(user):
        return int(settings.SESSION_IDLE_MINUTES_OFFICER)
    return int(settings.SESSION_IDLE_MINUTES)


class SessionTimeoutMiddleware:
    """End a signed-in browser session after `SESSION_IDLE_MINUTES` (officers:
    `SESSION_IDLE_MINUTES_OFFICER`) without a request, and `SESSION_COOKIE_AGE` after sign-in
    whatever the activity (Django's own expiry slides whenever the session is saved).

    A page request then goes to the sign-in page with a message; an API request simply continues
    signed out (401 JSON unless it carries a valid token).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            started = session.setdefault(SIGNED_IN_AT, now)
            last_seen = session.get(LAST_SEEN, now)
            if (
                now - int(started) > settings.SESSION_COOKIE_AGE
                or now - int(last_seen) > idle_minutes(user) * 60
            ):
                return self._expired(request)
            if now - int(last_seen) >= SEEN_EVERY_SECONDS or LAST_SEEN not in session:
                session[LAST_SEEN] = now
        return self.get_response(request)

    def _expired(self, request: HttpRequest) -> HttpResponse:
        logout(request)
        if request.path.startswith("/api/"):
            # Signed out: the API answers as it does for anyone without credentials.
            return self.get_response(request)
        messages.warning(
            request, _("For your security you were signed out after a period of inactivity.")
        )
        return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))


@receiver(user_logged_in)
def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN] = now


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": []}` -> `camera=()`; origins as given ("self" -> self, others quoted)."""

    def origin(value: str) -> str:
        return value if value in {"self", "*"} else f'"{value}"'

    return ", ".join(
        f"{feature}=({' '.join(origin(o) for o in origins)})" for feature, origins in policy.items()
    )


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` from settings.PERMISSIONS_POLICY on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.conf import settings

        self.get_response = get_response
        self.header = permissions_policy_header(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class LoginThrottleMiddleware:
    """The login page and the admin's login share the token endpoint's per-address budget
    (`THROTTLE_AUTH_RATE`, ethics.api.login.LoginRateThrottle): a password POST over it gets a
    429 page with Retry-After before any password is checked. django-axes locks the account;
    this limits one address spraying many usernames."""

    URL_NAMES = frozenset({"login", "admin:login"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and self._guarded(request):
            from ethics.api.login import LoginRateThrottle
            from ethics.api.throttling import page_wait

            seconds = page_wait(LoginRateThrottle, request)
            if seconds is not None:
                return self._refuse(request, seconds)
        return self.get_response(request)

    def _guarded(self, request: HttpRequest) -> bool:
        try:
            return resolve(request.path_info).view_name in self.URL_NAMES
        except Resolver404:
            return False

    def _refuse(self, request: HttpRequest, seconds: int) -> HttpResponse:
        from django.shortcuts import render

        response = render(
            request,
            "registration/throttled.html",
            {"seconds": seconds, "login_url": reverse("login")},
            status=429,
        )
        response["Retry-After"] = str(seconds)
        return response
