"""API tokens: several named tokens per person, each stored only as a SHA-256 hash (kept out of
models.py like the job models; imported there for Django).

The secret is shown once, when the token is issued (`ethics.services.token_issue`); the database
keeps its hash and a short prefix for the person to recognise it. A token ends when revoked, after
`API_TOKEN_IDLE_DAYS` without use, or (optionally) `API_TOKEN_MAX_AGE_DAYS` after issue.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: How many characters of the key stay visible (in lists and the audit trail).
PREFIX_LENGTH = 8


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    """A fresh secret: 40 hex characters, like the DRF keys existing clients hold."""
    return secrets.token_hex(20)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name or '-'} ({self.prefix}…)"

    # --- expiry ----------------------------------------------------------------------------

    @property
    def idle_expires_at(self) -> datetime:
        """When the token ends unless used before: the idle limit after its last use."""
        last = self.last_used_at or self.created_at
        return last + timedelta(days=settings.API_TOKEN_IDLE_DAYS)

    @property
    def expires_at(self) -> datetime:
        """The earlier of the idle end and the absolute end (if an absolute age is set)."""
        ends = self.idle_expires_at
        if settings.API_TOKEN_MAX_AGE_DAYS:
            ends = min(ends, self.created_at + timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS))
        return ends

    def is_expired(self, now: datetime | None = None) -> bool:
        """Expired strictly after `expires_at`: at the limit exactly it still works."""
        return (now or timezone.now()) > self.expires_at
