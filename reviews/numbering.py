"""Gap-free numbers per (committee, year, kind): a counter row locked with SELECT ... FOR UPDATE.

The caller's transaction holds the lock until it commits, so two concurrent decisions of one
committee take consecutive numbers, and a rolled-back decision gives its number back.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from reviews.models import NumberSequence


def next_number(*, committee_id: int, year: int, kind: str) -> int:
    """Take the next number of the sequence; must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the caller's transaction")
    lookup = {"committee_id": committee_id, "year": year, "kind": kind}
    row = NumberSequence.objects.select_for_update().filter(**lookup).first()
    if row is None:
        try:
            with transaction.atomic():  # savepoint: a concurrent first insert may win
                NumberSequence.objects.create(**lookup, last=0)
        except IntegrityError:
            pass
        row = NumberSequence.objects.select_for_update().get(**lookup)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


def application_ref(committee_id: int, year: int, sequence: int) -> str:
    """受理号: distinct in form from any decision number (S = 受理, D = 决定)."""
    return f"{year}-{committee_id}-S{sequence:04d}"


def decision_number(committee_id: int, year: int, sequence: int) -> str:
    return f"{year}-{committee_id}-D{sequence:04d}"
