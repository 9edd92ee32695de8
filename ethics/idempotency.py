"""Double submission: one-time form tokens on pages, the Idempotency-Key header in the API.

A create form carries a hidden `form_token` (a fresh random key each time the page renders). The
first POST with that key inserts a `SubmissionToken` row in the same transaction as the action and
stores where it led; a second POST with the same key (a double click, a reload, a retry) does not
run the action again and answers with the first result. The row lives in the database, so this
holds across processes and servers; two submissions at once queue on the row's unique index.

Keys are per user; rows older than SUBMISSION_TOKEN_TTL_HOURS are forgotten.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics.errors import Conflict
from ethics.models import SubmissionToken, User

FIELD = "form_token"
HEADER = "Idempotency-Key"
ALREADY_SUBMITTED = _("This form was already submitted; here is its result.")
KEY_REUSED = _("This key was already used for another action.")
BAD_KEY = _("Not a valid one-time key (8 to 64 letters, digits, “-”, “_”, “:” or “.”).")
_KEY = re.compile(r"[A-Za-z0-9_\-:.]{8,64}")


def new_key() -> str:
    return secrets.token_urlsafe(24)


def token_field() -> forms.CharField:
    """The hidden form field that carries a fresh key."""
    return forms.CharField(required=False, max_length=64, widget=forms.HiddenInput, initial=new_key)


def add_token(form: forms.BaseForm | None) -> None:
    """Give a page's form its one-time token (kept when the form comes back with its input)."""
    if form is None or FIELD in form.fields:
        return
    form.fields[FIELD] = token_field()
    if form.is_bound and not form.data.get(form.add_prefix(FIELD)):
        # Shown again after a refusal without a token of its own: give it one.
        form.fields[FIELD].widget.attrs["value"] = new_key()


def valid_key(raw: str | None) -> str | None:
    """The key, None when absent; raises ValueError when it is not a key."""
    if raw is None or raw == "":
        return None
    if not _KEY.fullmatch(raw):
        raise ValueError(raw)
    return raw


def ttl() -> timedelta:
    return timedelta(hours=getattr(settings, "SUBMISSION_TOKEN_TTL_HOURS", 24))


@dataclass
class Claim:
    """The outcome of claiming a key: `first` is the earlier row when the key was used before."""

    row: SubmissionToken | None
    first: SubmissionToken | None


@contextmanager
def claimed(user: User, key: str | None, scope: str) -> Iterator[Claim]:
    """Inside a transaction: claim `key` for `scope`, or find the earlier submission with it.

    The caller runs the action only when `claim.first is None` and then saves its answer on
    `claim.row`; an exception inside the block rolls the claim back with the action.
    """
    if key is None:
        # Nothing to remember: the action runs as it would without this guard.
        yield Claim(row=None, first=None)
        return
    with transaction.atomic():
        cutoff = timezone.now() - ttl()
        SubmissionToken.objects.filter(user=user, created_at__lt=cutoff).delete()
        try:
            with transaction.atomic():
                row = SubmissionToken.objects.create(user=user, key=key, scope=scope)
        except IntegrityError:
            # Another submission holds (or held) the key; on PostgreSQL the insert waited for it.
            first = SubmissionToken.objects.get(user=user, key=key)
            if first.scope != scope:
                raise Conflict("idempotency_key_reused", KEY_REUSED) from None
            yield Claim(row=None, first=first)
            return
        yield Claim(row=row, first=None)
