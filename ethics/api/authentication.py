"""`Authorization: Token <key>` against ethics.ApiToken (hashed, named, expiring, revocable).

Replaces rest_framework.authentication.TokenAuthentication (same header, same 401 answers); the
token itself becomes `request.auth`, so `DELETE /auth/token/` knows which one to revoke.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from ethics.token_models import ApiToken, hash_key

#: last_used_at is written at most this often per token (idle expiry needs no finer clock).
TOUCH_EVERY = timedelta(minutes=1)


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"
    model = ApiToken

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_key(key), revoked_at=None)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.is_expired(now):
            raise exceptions.AuthenticationFailed(_("The token has expired."), code="token_expired")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token
