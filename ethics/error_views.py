"""The site's error pages: 400, 403, 404, 500 and a refused CSRF check, in the site's layout and
the reader's language, each with a way back; under /api/ the same errors stay JSON.

The 404 and 403 pages extend ``base.html`` (the navigation of who is signed in). The 400 and 500
pages use ``errors/standalone.html``: a broken request or a failing database must not break the
page that says so, so they read neither the session's user nor the database.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import requires_csrf_token

from ethics.actions import WHO_MAY, denial

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(status: int, code: str, message: str) -> JsonResponse:
    # DRF's shape for errors without fields ({"detail": ...}), plus the code api.md's other
    # errors carry.
    return JsonResponse({"detail": message, "code": code}, status=status)


def _back(request: HttpRequest) -> str:
    """The previous page when it is on this site (the Referer), else ""."""
    referer = str(request.META.get("HTTP_REFERER", ""))
    try:
        host = request.get_host()
    except Exception:  # DisallowedHost: no previous page to offer
        return ""
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return referer
    return ""


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _json(400, "bad_request", _("The request could not be understood."))
    body = loader.get_template("errors/400.html").render({"back": _back(request)})
    return HttpResponse(body, status=400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _json(403, "permission_denied", _("You may not take this action."))
    if isinstance(exception, PermissionDenied):
        message, who, rule = denial(exception)
    else:
        message, who, rule = _("You may not take this action."), str(WHO_MAY), ""
    return render(
        request,
        "errors/403.html",
        {"message": message, "who": who, "rule": rule, "back": _back(request)},
        status=403,
    )


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _json(404, "not_found", _("Not found."))
    return render(
        request,
        "errors/404.html",
        {"request_path": request.path, "back": _back(request)},
        status=404,
    )


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _json(500, "server_error", _("Something went wrong on our side."))
    # A plain dict, no request: no context processor (user, inbox, database) runs.
    body = loader.get_template("errors/500.html").render({})
    return HttpResponse(body, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the form was stale (an old tab, cookies off, the session ended)."""
    if _is_api(request):
        return _json(403, "csrf_failed", _("The request's security check failed."))
    return render(
        request,
        "errors/403_csrf.html",
        {"back": _back(request), "no_cookie": "cookie" in reason.lower()},
        status=403,
    )


@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on every site: the static icon."""
    return HttpResponseRedirect(static("ethics/favicon.ico"))
