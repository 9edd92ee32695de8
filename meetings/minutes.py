"""The minutes' content, read only from what the meeting recorded (users.md #5).

Chinese terms in the PDF come from ethics.regulations and committees' choices rendered in
zh-hans; the minutes never name how each member voted, only the tally and the dissent.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from committees.models import Membership
from ethics import pdf, regulations
from meetings.models import (
    AgendaItem,
    Attendance,
    Consultant,
    Excusal,
    Minutes,
    MinutesCorrection,
    Recusal,
)
from meetings.workflow import ItemKind


def _outcome_zh(outcome: str | None, regimes: list[str]) -> str:
    if not outcome:
        return ""
    regime = regulations.Regime.NHC if "nhc" in regimes else regulations.Regime.MEAS
    return regulations.outcome_term_zh(regulations.Outcome(outcome), regime)


# The minutes are Chinese whatever the reader's language: the R19 / N1 category names.
CATEGORY_TERMS_ZH = {
    regulations.SCIENCE: "科技同行专家",
    regulations.ETHICS_OR_LAW: "伦理或法律专家",
    regulations.EXTERNAL: "非本单位委员",
    regulations.LAY: "非本机构社会人士",
}


def _categories(row: Attendance) -> list[str]:
    return [
        term
        for code, term in CATEGORY_TERMS_ZH.items()
        if regulations.meets_category(code, row.expertise, external=row.external)
    ]


def _presence(meeting: Any, rows: list[Attendance]) -> list[dict[str, Any]]:
    """One line per member present at any time, with each arrival and departure (a departure
    left open ends at the closing)."""
    by_member: dict[int, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (r.arrived_at, r.pk)):
        entry = by_member.setdefault(row.membership_id, {"row": row, "intervals": []})
        left = row.left_at
        entry["intervals"].append(
            (
                timezone.localtime(row.arrived_at),
                timezone.localtime(left) if left else None,
            )
        )
    return list(by_member.values())


def context(minutes: Minutes) -> dict[str, Any]:
    meeting = minutes.meeting
    attendance = list(
        Attendance.objects.filter(meeting=meeting)
        .select_related("membership__user")
        .order_by("role", "id")
    )
    presence = _presence(meeting, attendance)
    attended = {entry["row"].membership_id for entry in presence}
    excused = [
        e
        for e in Excusal.objects.filter(meeting=meeting)
        .select_related("membership__user")
        .order_by("id")
        if e.membership_id not in attended
    ]
    excused_ids = {e.membership_id for e in excused}
    day = timezone.localtime(meeting.starts_at).date()
    absent = [
        m
        for m in Membership.objects.in_office(on=day)
        .voting()
        .filter(committee_id=meeting.committee_id)
        .select_related("user")
        .order_by("role", "id")
        if m.pk not in attended and m.pk not in excused_ids
    ]
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("application__project", "decision", "reported_decision")
        .prefetch_related(
            Prefetch("recusals", queryset=Recusal.objects.select_related("membership__user")),
            Prefetch("consultants", queryset=Consultant.objects.order_by("id")),
        )
        .order_by("position", "id")
    )
    corrections = list(
        MinutesCorrection.objects.filter(meeting=meeting)
        .select_related("created_by")
        .order_by("id")[: max(minutes.version - 1, 0)]
    )
    rows: list[dict[str, Any]] = []
    for item in items:
        regimes = list(meeting.committee.regime_codes)
        if item.application is not None:
            regimes += list(item.application.regimes or [])
        counts = (item.tally or {}).get("counts", {})
        rows.append(
            {
                "item": item,
                "review": item.kind == ItemKind.REVIEW,
                "outcome_zh": _outcome_zh(item.outcome, regimes),
                "counts": [
                    (_outcome_zh(choice, regimes) if choice != "abstain" else "弃权", number)
                    for choice, number in counts.items()
                ],
                "tally": item.tally or {},
            }
        )
    presiding = meeting.presiding
    certified = {
        "meeting": meeting.pk,
        "version": minutes.version,
        "committee": meeting.committee.name,
        "starts_at": meeting.starts_at,
        "present": sorted(attended),
        "intervals": [
            [a.membership_id, a.arrived_at, a.left_at]
            for a in sorted(attendance, key=lambda a: a.pk)
        ],
        "absent": [m.pk for m in absent],
        "excused": [[e.membership_id, e.reason] for e in excused],
        "opened_at": meeting.opened_at,
        "closed_at": meeting.closed_at,
        "presiding": presiding.pk if presiding else None,
        "items": [
            {"id": r["item"].pk, "status": r["item"].status, "outcome": r["item"].outcome,
             "tally": r["tally"], "decision": r["item"].decision_id}
            for r in rows
        ],
        "corrections": [c.text for c in corrections],
    }  # fmt: skip
    return {
        "meeting": meeting,
        "committee": meeting.committee,
        "minutes": minutes,
        "starts_at": timezone.localtime(meeting.starts_at),
        # The minutes' start and end are the actual opening and closing.
        "opened_at": timezone.localtime(meeting.opened_at) if meeting.opened_at else None,
        "closed_at": timezone.localtime(meeting.closed_at) if meeting.closed_at else None,
        "attendance": [(e["row"], _categories(e["row"]), e["intervals"]) for e in presence],
        "absent": absent,
        "excused": excused,
        "presiding": presiding,
        "rows": rows,
        "corrections": corrections,
        "hash": pdf.verification_hash(certified),
    }
