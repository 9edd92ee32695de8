"""The dashboards' oversight panel (issues 16 and 17): complaints (R55), investigations (R56),
ethics incidents and the risk register (B3, B4) of the selected committees, as counts only, so the
regional authority may see it too. One query (a UNION of one aggregate per record kind)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Count, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oversight.models_complaints import (
    Complaint,
    ComplaintStatus,
    Investigation,
    InvestigationStatus,
)
from oversight.models_incidents import Incident, RiskEntry, Severity
from reports.dashboards import Panel
from reports.exports import Column, Table

OPEN_COMPLAINTS = (ComplaintStatus.RECEIVED, ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.ACCEPTED)

ROWS: tuple[tuple[str, Any], ...] = (
    ("complaints", _("Complaints and reports")),
    ("investigations", _("Investigations")),
    ("incidents", _("Ethics incidents")),
    ("risks", _("Risk register")),
)


def _branch(model: type[models.Model], key: str, *, period: Q, still_open: Q, flagged: Q | None,
            ids: Sequence[int]) -> Any:  # fmt: skip
    zero = Value(0, output_field=models.IntegerField())
    return (
        model._default_manager.filter(committee_id__in=ids)
        .order_by()
        .annotate(k=Value(key, output_field=models.CharField()))
        .values("k")
        .annotate(
            in_period=Count("pk", filter=period),
            still_open=Count("pk", filter=still_open),
            flagged=Count("pk", filter=flagged) if flagged is not None else zero,
        )
        .values_list("k", "in_period", "still_open", "flagged")
    )


def counts(ids: Sequence[int], start: datetime, end: datetime) -> dict[str, tuple[int, int, int]]:
    """{kind: (in the period, open now, serious in the period / risk review overdue)}."""
    today = timezone.localdate()
    branches = [
        _branch(Complaint, "complaints", ids=ids,
                period=Q(received_at__gte=start, received_at__lt=end),
                still_open=Q(status__in=OPEN_COMPLAINTS), flagged=None),
        _branch(Investigation, "investigations", ids=ids,
                period=Q(created_at__gte=start, created_at__lt=end),
                still_open=Q(status=InvestigationStatus.OPEN), flagged=None),
        _branch(Incident, "incidents", ids=ids,
                period=Q(reported_at__gte=start, reported_at__lt=end),
                still_open=Q(closed_at__isnull=True),
                flagged=Q(reported_at__gte=start, reported_at__lt=end, severity=Severity.SERIOUS)),
        _branch(RiskEntry, "risks", ids=ids,
                period=Q(created_at__gte=start, created_at__lt=end),
                still_open=Q(closed_at__isnull=True),
                flagged=Q(closed_at__isnull=True, next_review_on__lt=today)),
    ]  # fmt: skip
    found = {key: (0, 0, 0) for key, _label in ROWS}
    if not ids:
        return found
    query = branches[0].union(*branches[1:], all=True)
    for key, in_period, still_open, flagged in query:
        found[key] = (in_period, still_open, flagged)
    return found


def oversight_panel(
    committee_ids: Sequence[int], start: datetime, end: datetime, names: bool
) -> Panel:
    found = counts(committee_ids, start, end)
    table = Table(
        "oversight",
        _("Complaints, investigations, incidents and risks"),
        [
            Column("what", _("Record")),
            Column("in_period", _("In the period")),
            Column("open", _("Open now")),
            Column("flagged", _("Serious incidents / risk reviews overdue")),
        ],
        [
            {
                "what": str(label),
                "in_period": found[key][0],
                "open": found[key][1],
                "flagged": found[key][2] if key in ("incidents", "risks") else "—",
            }
            for key, label in ROWS
        ],
    )
    return Panel("oversight", table.title, table, None, "R55")
