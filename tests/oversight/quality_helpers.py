"""Helpers of the quality-control and expert-pool tests (B1, B11, R40)."""

from __future__ import annotations

import datetime as dt
from datetime import datetime, time

from django.utils import timezone

from ethics.deadlines import SHANGHAI
from oversight import quality_checklist
from oversight.models_quality import PoolExpert
from oversight.services import quality as services
from tests.factories import ApplicationFactory, InstitutionFactory, ProjectFactory, UserFactory


def today() -> dt.date:
    return timezone.localdate()


def open_evaluation(world, actor=None, **kwargs):
    return services.evaluation_open(
        committee_id=world.committee.pk,
        period_start=kwargs.pop("period_start", today() - dt.timedelta(days=365)),
        period_end=kwargs.pop("period_end", today()),
        actor=actor or world.secretary,
    )


def answer_all(world, evaluation, finding="conforms"):
    for item in evaluation.items.all():
        services.item_answer(
            evaluation_id=evaluation.pk,
            item_id=item.pk,
            finding=finding,
            evidence=f"证据：{quality_checklist.label(item.code)}",
            actor=world.secretary,
        )


def decided(world, on: dt.date, n: int = 1):
    """`n` applications of the world's committee decided on `on` (noon, Shanghai)."""
    at = datetime.combine(on, time(12), tzinfo=SHANGHAI)
    return [
        ApplicationFactory(
            project=ProjectFactory(committee=world.committee, lead=world.researcher),
            status="decided",
            submitted_at=at,
            decided_at=at,
            ref=f"Q-{on:%Y%m%d}-{i}",
        )
        for i in range(n)
    ]


def outside_experts(world, n: int, **kwargs) -> list[PoolExpert]:
    """`n` experts from another institution, kept by the world's committee."""
    institution = kwargs.pop("institution", None) or InstitutionFactory(name="外单位大学")
    return [
        services.expert_add(
            actor=world.secretary,
            committee=world.committee,
            name=f"专家{i}",
            fields_of_work=["ai"],
            user=UserFactory(institution=institution),
            **kwargs,
        )
        for i in range(n)
    ]
