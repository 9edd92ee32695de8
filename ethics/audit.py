"""The append-only audit chain.

`record(...)` is called by services inside their own transaction, so an audit row exists exactly
when the change it describes was committed. Each row stores the hash of the previous row; the
single `AuditChainHead` row is locked while a row is appended, which gives the chain one order
even when many transactions write at once (PostgreSQL) and is a no-op cost on SQLite.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from ethics.models import AuditChainHead, AuditEvent, User

GENESIS = "0" * 64


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
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any]:
    # Round-trip through the encoder so dates and decimals hash the same after a reload.
    loaded: dict[str, Any] = json.loads(
        json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False)
    )
    return loaded


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
        target_repr=str(target)[:300] if target is not None else "",
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason,
        prev_hash=head.last_hash,
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


def verify_chain(*, batch_size: int = 2000) -> tuple[int, BrokenLink | None]:
    """Walk the chain in order; return (events checked, first broken link or None)."""
    previous = GENESIS
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        if event.prev_hash != previous:
            return checked, BrokenLink(event.id, "prev_hash does not match the previous event")
        if compute_hash(event) != event.hash:
            return checked, BrokenLink(event.id, "content does not match its hash")
        previous = event.hash
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and checked and head.last_hash != previous:
        return checked, BrokenLink(0, "the newest event is missing (chain head points elsewhere)")
    return checked, None
