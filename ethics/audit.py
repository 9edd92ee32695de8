"""The append-only audit chain.

`record(...)` is called by services inside their own transaction, so an audit row exists exactly
when the change it describes was committed. Each row stores the hash of the previous row; the
single `AuditChainHead` row is locked while a row is appended, which gives the chain one order
even when many transactions write at once (PostgreSQL) and is a no-op cost on SQLite.

The hash is an HMAC-SHA256 with a key kept outside the database (settings.AUDIT_HMAC_KEYS, newest
last; each event names its key id), so whoever can write the database cannot recompute the chain
after changing it. Events written before the chain was keyed keep their plain SHA-256 ("sha256")
and stay verifiable; a plain event after a keyed one is a break. A database trigger refuses
UPDATE and DELETE (migration 0007). Anchors (`anchor()`) copy the chain head, HMAC-ed, to an
append-only file outside the database (and by e-mail), so that even a holder of the key cannot
rewrite history before the newest anchor unnoticed. `verify()` checks the chain and the anchors.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from ethics.models import AuditChainHead, AuditEvent, User

GENESIS = "0" * 64
PLAIN = "sha256"  # events written before the chain was keyed
KEYED = "hmac-sha256"

# The triggers that refuse UPDATE and DELETE (installed by migration 0007, which keeps its own
# frozen copy). On SQLite the `flush` command (ethics/management/commands/flush.py) drops the
# DELETE trigger for the length of its transaction: a flush wipes every table, as TRUNCATE does on
# PostgreSQL, where row triggers do not fire.
GUARD_TRIGGER = "ethics_auditevent_append_only"
SQLITE_GUARD_DELETE = (
    "CREATE TRIGGER IF NOT EXISTS ethics_auditevent_append_only_delete BEFORE DELETE ON "
    "ethics_auditevent BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE "
    "refused (R60)'); END"
)


class UnknownKey(Exception):
    """An event or anchor names a key id that settings.AUDIT_HMAC_KEYS does not hold."""


def _keys(keys: Mapping[str, str] | None) -> Mapping[str, str]:
    return settings.AUDIT_HMAC_KEYS if keys is None else keys


def _mac(key_id: str, message: bytes, keys: Mapping[str, str] | None = None) -> str:
    try:
        key = _keys(keys)[key_id]
    except KeyError:
        raise UnknownKey(key_id) from None
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "created_at": event.created_at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type_id,
        "target_id": event.target_id,
        "target_repr": event.target_repr,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }
    if event.scheme != PLAIN:
        # Keyed events also bind their scheme and key id (no silent downgrade or key swap).
        payload["scheme"] = event.scheme
        payload["key_id"] = event.key_id
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder).encode()


def compute_hash(event: AuditEvent, *, keys: Mapping[str, str] | None = None) -> str:
    """The event's hash under its own scheme; UnknownKey when its key id is not configured."""
    if event.scheme == PLAIN:
        return hashlib.sha256(_canonical(event)).hexdigest()
    if event.scheme != KEYED:
        raise UnknownKey(f"{event.scheme}:{event.key_id}")
    return _mac(event.key_id, _canonical(event), keys)


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any]:
    # Round-trip through the encoder so dates and decimals hash the same after a reload.
    loaded: dict[str, Any] = json.loads(
        json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False)
    )
    return loaded


def _describe(target: models.Model | None) -> str:
    """The target as people read it, in the site's language whoever acted (a researcher's
    English session must not leave English in a Chinese trail)."""
    if target is None:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        return str(target)[:300]


def record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one audit event; must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside the service's transaction")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    event = AuditEvent(
        created_at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.get_username() if actor is not None and actor.pk else "system",
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=_describe(target),
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason,
        prev_hash=head.last_hash,
        scheme=KEYED,
        key_id=settings.AUDIT_HMAC_KEY_ID,
    )
    event.hash = compute_hash(event)
    event.save(force_insert=True)
    head.last_hash = event.hash
    head.save(update_fields=["last_hash"])
    return event


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    problem: str


@dataclass(frozen=True)
class Anchor:
    """One line of the anchor file: the chain head at a moment, HMAC-ed with a key id."""

    at: str
    last_id: int
    hash: str
    count: int
    key_id: str
    mac: str = ""

    def body(self) -> bytes:
        fields = {
            "at": self.at,
            "last_id": self.last_id,
            "hash": self.hash,
            "count": self.count,
            "key_id": self.key_id,
        }
        return json.dumps(fields, sort_keys=True).encode()

    def line(self) -> str:
        return json.dumps({**json.loads(self.body()), "mac": self.mac}, sort_keys=True)


@dataclass(frozen=True)
class Report:
    events: int
    anchors: int
    broken: BrokenLink | None


def _walk(
    anchors: Mapping[int, list[tuple[int, Anchor]]],
    *,
    keys: Mapping[str, str] | None,
    batch_size: int,
) -> tuple[int, BrokenLink | None, set[int]]:
    """Walk the chain in order, checking each anchored event on the way."""
    previous = GENESIS
    checked = 0
    keyed_seen = False
    anchored: set[int] = set()
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        if event.prev_hash != previous:
            return (
                checked,
                BrokenLink(event.id, "prev_hash does not match the previous event"),
                anchored,
            )
        if event.scheme == PLAIN and keyed_seen:
            problem = "plain SHA-256 event after a keyed (HMAC) event"
            return checked, BrokenLink(event.id, problem), anchored
        keyed_seen = keyed_seen or event.scheme == KEYED
        try:
            expected = compute_hash(event, keys=keys)
        except UnknownKey as exc:
            return checked, BrokenLink(event.id, f"unknown audit key id {exc}"), anchored
        if not hmac.compare_digest(expected, event.hash):
            return checked, BrokenLink(event.id, "content does not match its hash"), anchored
        previous = event.hash
        checked += 1
        for line_no, anchor in anchors.get(event.id, ()):
            if anchor.hash != event.hash or anchor.count != checked:
                return checked, _anchor_break(line_no, anchor, event.hash, checked), anchored
            anchored.add(line_no)
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and checked and head.last_hash != previous:
        problem = "the newest event is missing (chain head points elsewhere)"
        return checked, BrokenLink(0, problem), anchored
    return checked, None, anchored


def _anchor_break(line_no: int, anchor: Anchor, found_hash: str, found_count: int) -> BrokenLink:
    return BrokenLink(
        anchor.last_id,
        f"anchor line {line_no} ({anchor.at}) does not match: it recorded event "
        f"{anchor.last_id} with hash {anchor.hash[:16]}… as event number {anchor.count}; the "
        f"database has hash {found_hash[:16]}… as event number {found_count}",
    )


def verify_chain(
    *, batch_size: int = 2000, keys: Mapping[str, str] | None = None
) -> tuple[int, BrokenLink | None]:
    """Walk the chain in order; return (events checked, first broken link or None)."""
    checked, broken, _ = _walk({}, keys=keys, batch_size=batch_size)
    return checked, broken


def read_anchors(
    path: Path, *, keys: Mapping[str, str] | None = None
) -> tuple[list[tuple[int, Anchor]], BrokenLink | None]:
    """The anchors of a file as (line number, anchor), or the first line that is not genuine."""
    anchors: list[tuple[int, Anchor]] = []
    if not path.exists():
        return anchors, None
    with path.open(encoding="utf-8") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
                anchor = Anchor(
                    at=str(data["at"]),
                    last_id=int(data["last_id"]),
                    hash=str(data["hash"]),
                    count=int(data["count"]),
                    key_id=str(data["key_id"]),
                    mac=str(data["mac"]),
                )
                genuine = hmac.compare_digest(_mac(anchor.key_id, anchor.body(), keys), anchor.mac)
            except UnknownKey as exc:
                return anchors, BrokenLink(0, f"anchor line {line_no}: unknown audit key id {exc}")
            except (ValueError, KeyError, TypeError):
                return anchors, BrokenLink(0, f"anchor line {line_no} is not an anchor")
            if not genuine:
                return anchors, BrokenLink(0, f"anchor line {line_no}: its MAC does not match")
            anchors.append((line_no, anchor))
    return anchors, None


def verify(
    *,
    anchor_file: Path | None = None,
    keys: Mapping[str, str] | None = None,
    batch_size: int = 2000,
) -> Report:
    """The chain, and every anchor: its event exists with that hash, preceded by `count` events."""
    path = Path(settings.AUDIT_ANCHOR_FILE) if anchor_file is None else anchor_file
    anchors, bad_line = read_anchors(path, keys=keys)
    if bad_line is not None:
        return Report(0, len(anchors), bad_line)
    by_event: dict[int, list[tuple[int, Anchor]]] = {}
    for line_no, anchor in anchors:
        if anchor.last_id == 0:  # anchored while the chain was empty
            if anchor.count != 0:
                return Report(0, 0, _anchor_break(line_no, anchor, GENESIS, 0))
            continue
        by_event.setdefault(anchor.last_id, []).append((line_no, anchor))
    checked, broken, anchored = _walk(by_event, keys=keys, batch_size=batch_size)
    if broken is not None:
        return Report(checked, len(anchored), broken)
    for line_no, anchor in anchors:
        if anchor.last_id and line_no not in anchored:
            return Report(
                checked,
                len(anchored),
                BrokenLink(
                    anchor.last_id,
                    f"anchor line {line_no} ({anchor.at}) recorded event {anchor.last_id}, "
                    "which is missing",
                ),
            )
    return Report(checked, len(anchors), None)


def anchor(*, path: Path | None = None, email: str | None = None) -> Anchor:
    """Append the chain head (HMAC-ed) to the anchor file, fsync it, and e-mail the line."""
    path = Path(settings.AUDIT_ANCHOR_FILE) if path is None else path
    email = settings.AUDIT_ANCHOR_EMAIL if email is None else email
    with transaction.atomic():
        # Writers append under this lock, so the events seen here are exactly a prefix.
        list(AuditChainHead.objects.select_for_update().filter(pk=1))
        last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
        count = AuditEvent.objects.count()
    last_id, last_hash = last if last is not None else (0, GENESIS)
    key_id = settings.AUDIT_HMAC_KEY_ID
    unsigned = Anchor(timezone.now().isoformat(), last_id, last_hash, count, key_id)
    signed = replace(unsigned, mac=_mac(key_id, unsigned.body()))
    line = signed.line()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    if email:
        send_mail(gettext("Audit chain anchor"), line + "\n", None, [email])
    return signed


def guard_installed() -> bool:
    """Whether the trigger refusing UPDATE and DELETE on audit events is in place and enabled."""
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = %s AND tgenabled <> 'D'",
                [GUARD_TRIGGER],
            )
            return bool(cursor.fetchone()[0])
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s)",
                [f"{GUARD_TRIGGER}_update", f"{GUARD_TRIGGER}_delete"],
            )
            return bool(cursor.fetchone()[0] == 2)
    return False
