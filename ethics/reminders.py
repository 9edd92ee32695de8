"""Which reminder stage a deadline is in at a given moment. Pure: no ORM, no now().

Each deadline kind declares its stages when an app registers it (ethics.hooks): days before the
period ends, the last day itself, then every N days while overdue. Only the newest stage that has been reached is
returned, so a deadline opened late sends one reminder, not a burst of stale ones. The stage key
carries the due date, so an extension starts a fresh series.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class StageConfig:
    days_before: Sequence[int] = (10, 3)
    on_last_day: bool = True
    overdue_every_days: int = 7

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> StageConfig:
        return cls(
            days_before=tuple(sorted(data.get("days_before", (10, 3)), reverse=True)),
            on_last_day=bool(data.get("on_last_day", True)),
            overdue_every_days=int(data.get("overdue_every_days", 7)),
        )

    @property
    def lead(self) -> timedelta:
        return timedelta(days=max([*self.days_before, 1]))


@dataclass(frozen=True)
class Stage:
    key: str
    overdue: bool


def current_stage(due_at: datetime, now: datetime, config: StageConfig) -> Stage | None:
    """The newest stage reached at `now` for a period ending at `due_at` (24:00 of its last day)."""
    prefix = f"{due_at:%Y%m%d%H%M}"
    if now >= due_at:
        if config.overdue_every_days <= 0:
            return Stage(f"{prefix}:overdue", overdue=True)
        weeks = (now - due_at) // timedelta(days=config.overdue_every_days)
        return Stage(f"{prefix}:overdue:{weeks}", overdue=True)
    if config.on_last_day and now >= due_at - timedelta(days=1):
        return Stage(f"{prefix}:last_day", overdue=False)
    reached = [d for d in config.days_before if now >= due_at - timedelta(days=d)]
    if reached:
        return Stage(f"{prefix}:before:{min(reached)}", overdue=False)
    return None
