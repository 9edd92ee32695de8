"""Celery beat's scheduler: django-celery-beat's database schedule plus a heartbeat row.

/healthz reads the heartbeat to tell whether beat is alive; exactly one beat runs (the
deadline scan's claims and the job sweeper's claims stay correct even if two did).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django_celery_beat.schedulers import DatabaseScheduler

from ethics import jobs

logger = logging.getLogger(__name__)


class HeartbeatScheduler(DatabaseScheduler):
    """The database scheduler that also records `Heartbeat("beat")` every few seconds."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last_heartbeat = 0.0
        self.max_interval = min(self.max_interval, settings.HEARTBEAT_EVERY_SECONDS)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        now = time.monotonic()
        if now - self._last_heartbeat >= settings.HEARTBEAT_EVERY_SECONDS:
            try:
                close_old_connections()
                jobs.heartbeat(jobs.BEAT)
                self._last_heartbeat = now
            except Exception:
                logger.warning("beat heartbeat not recorded", exc_info=True)
        return float(super().tick(*args, **kwargs))
