"""Complaints and investigations on top of the shared world (tests/world.py)."""

from __future__ import annotations

from typing import Any

from oversight.services import complaints as services


def report(world: Any, **extra: Any) -> tuple[Any, str]:
    """A named report about the world's committee, as the public form sends it."""
    data = {
        "institution": world.institution,
        "committee": world.committee,
        "subject_kind": "person",
        "summary": "知情同意书未签署即入组",
        "description": "受试者称未签署知情同意书即被纳入研究。",
        "anonymous": False,
        "reporter_kind": "participant",
        "reporter_name": "举报人甲",
        "reporter_contact": "13800000000",
        "person_text": "某研究者",
    }
    data.update(extra)
    return services.complaint_submit(**data)


def accepted(world: Any, **extra: Any) -> Any:
    complaint, _code = report(world, **extra)
    services.complaint_acknowledge(complaint_id=complaint.pk, actor=world.secretary)
    return services.complaint_triage(
        complaint_id=complaint.pk, actor=world.secretary, outcome="accepted"
    )


def investigation(world: Any) -> Any:
    complaint = accepted(world)
    return services.investigation_open_from_complaint(
        complaint_id=complaint.pk, actor=world.secretary, title="入组程序调查"
    )
