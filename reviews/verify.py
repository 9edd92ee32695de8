"""The public verification of a decision letter's code (issue 15): `/verify/<code>` and
`GET /api/v1/verify/{code}/`, open to anyone without logging in.

Both answer the letter's public header only (number, committee and institution, outcome, date,
validity, whether a later decision changed it) from `services.letter_check`, the same lookup the
recognition of another committee's letter uses. An unknown code and a malformed one get the same
404. Each address may ask `VERIFY_RATE` times (default "30/min", page and API together) so codes
can't be enumerated quickly; the counts live in the default cache. Nothing is audited (public
reads); every check is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ethics import hooks, login
from ethics.api.throttling import AddressRateThrottle, page_wait
from reviews import services

logger = logging.getLogger(__name__)


class VerifyRateThrottle(AddressRateThrottle):
    """`VERIFY_RATE` (DRF's "30/min" syntax) per client address for the page and the API
    together."""

    scope = "verify"
    rate_setting = "VERIFY_RATE"


def check(request: Any, code: str) -> services.LetterCheck | None:
    """Look the code up and log the attempt (address, the code's first 12 characters, found)."""
    found = services.letter_check(code)
    return _logged(request, code, found)


def check_any(request: Any, code: str) -> Any:
    """A letter's record, else another registered document's (ethics.hooks.verify_code: an
    upper layer's printed codes, such as oversight's approval statements for funders, R59)."""
    found: Any = services.letter_check(code)
    if found is None and services.CODE_PATTERN.fullmatch(code.strip().lower()):
        found = hooks.verify_code(code.strip().lower())
    return _logged(request, code, found)


def _logged(request: Any, code: str, found: Any) -> Any:
    # Only hexadecimal reaches the log: a path segment may hold anything (newlines included).
    head = code[:12].lower()
    shown = head if services.CODE_PATTERN.fullmatch(code.strip().lower()) else "(malformed)"
    logger.info(
        "letter verification from %s: code %s… %s",
        login.client_ip(request),
        shown,
        "found" if found is not None else "unknown",
    )
    return found


@require_safe
def verify_page(request: HttpRequest, code: str) -> HttpResponse:
    """The public page: the letter's header, 404 for an unknown or malformed code, 429 over
    the rate."""
    seconds = page_wait(VerifyRateThrottle, request)
    if seconds is not None:
        logger.warning("letter verification throttled for %s", login.client_ip(request))
        response = render(
            request,
            "reviews/letter_verify.html",
            {"throttled": True, "seconds": seconds},
            status=429,
        )
        response["Retry-After"] = str(seconds)
        return response
    found = check_any(request, code)
    letter = found if isinstance(found, services.LetterCheck) else None
    other = found if letter is None else None
    return render(
        request,
        "reviews/letter_verify.html",
        {"letter": letter, "other": other, "code": code},
        status=200 if found is not None else 404,
    )
