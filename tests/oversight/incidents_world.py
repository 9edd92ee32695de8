"""Test data for incidents, the risk register and funded programmes (tests/world.py based)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from reviews.models import Decision
from tests.factories import ApplicationFactory, ProjectFactory


def project(world: Any, *, listed: bool = False, **kwargs: Any) -> Any:
    """The researcher's project at the world's committee (listed: the committee's determination)."""
    extra = {"listing": "listed", "listing_item": 1} if listed else {}
    return ProjectFactory(committee=world.committee, lead=world.researcher, **extra, **kwargs)


_sequence = iter(range(1, 100000))


def decide(
    world: Any,
    project: Any,
    *,
    outcome: str = "approve",
    next_tracking_due: dt.date | None = None,
    at: dt.datetime | None = None,
) -> Decision:
    """A decision on a new application of `project`, as the chair signs it."""
    application = ApplicationFactory(project=project)
    now = at or timezone.now()
    number = next(_sequence)
    return Decision.objects.create(
        application=application,
        committee=project.committee,
        outcome=outcome,
        stage="review",
        decided_at=now,
        year=now.year,
        sequence=number,
        number=f"康伦审〔{now.year}〕{number}号",
        next_tracking_due=next_tracking_due,
        signed_by=world.chair,
        signature_name=world.chair.display_name,
        signature_meaning="签发",
        signed_at=now,
    )
