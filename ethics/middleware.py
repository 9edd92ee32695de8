"""Activate the signed-in user's preferred language unless the session chose another; hold a
session that owes a second factor at the verify page."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext

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
