"""Error shapes of api.md: 400 {field: [{code, message}]}, 404, 409 {code, message, rule?, problems?},
429 {code: "throttled" | "account_locked", message} with Retry-After."""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ethics.errors import Conflict


def _codes(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _codes(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail) for item in detail):
            return [{"code": item.code, "message": str(item)} for item in detail]
        return [_codes(item) for item in detail]
    if isinstance(detail, exceptions.ErrorDetail):
        return [{"code": detail.code, "message": str(detail)}]
    return detail


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Conflict):
        return Response(exc.as_dict(), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {
                ("non_field_errors" if field == NON_FIELD_ERRORS else field): [
                    {"code": e.code or "invalid", "message": " ".join(e.messages)} for e in errs
                ]
                for field, errs in exc.error_dict.items()
            }
        else:
            data = {
                "non_field_errors": [
                    {"code": e.code or "invalid", "message": " ".join(e.messages)}
                    for e in exc.error_list
                ]
            }
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        response.data = {"code": _throttle_code(exc), "message": _throttle_message(exc)}
        return response
    if response is not None and isinstance(exc, exceptions.ValidationError):
        data = _codes(exc.detail)
        if isinstance(data, list):
            data = {"non_field_errors": data}
        response.data = data
    return response


def _throttle_code(exc: Exception) -> str:
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    return codes if isinstance(codes, str) else "throttled"


def _throttle_message(exc: Exception) -> str:
    if isinstance(exc, exceptions.Throttled):
        seconds = int(exc.wait) if exc.wait is not None else 0
        return ngettext(
            "Too many requests from this address. Try again in %(seconds)d second.",
            "Too many requests from this address. Try again in %(seconds)d seconds.",
            seconds,
        ) % {"seconds": seconds}
    detail = getattr(exc, "detail", "")
    return str(detail)
