"""GET /healthz (api.md, Operations): the database, the broker and the worker and beat heartbeats.

200 {"database": "ok", "broker": "ok", "worker": "<seconds>", "beat": "<seconds>"} when all hold,
503 with the same keys (a failing one says why) otherwise. The compose health checks call it
(web) or run the same checks through `manage.py healthz` (worker, beat).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ethics import jobs
from ethics.job_models import Heartbeat


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def check_broker() -> str:
    from celery import current_app

    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def heartbeat_age(prefix: str, *, exact: bool = False) -> float | None:
    """Seconds since the freshest heartbeat named `prefix` (or starting with it)."""
    rows = (
        Heartbeat.objects.filter(name=prefix)
        if exact
        else Heartbeat.objects.filter(name__startswith=prefix)
    )
    newest = rows.order_by("-at").values_list("at", flat=True).first()
    if newest is None:
        return None
    return max(0.0, (timezone.now() - newest).total_seconds())


def _age(age: float | None, limit: int) -> tuple[str, bool]:
    if age is None:
        return "error: no heartbeat", False
    text = f"{age:.0f}"
    return (text, True) if age <= limit else (f"error: {text} s since the last heartbeat", False)


def checks(*, worker_host: str | None = None) -> tuple[dict[str, str], bool]:
    """Run every check; `worker_host` narrows the worker check to one host (its container)."""
    database = check_database()
    result: dict[str, Any] = {"database": database, "broker": check_broker()}
    healthy = database == "ok" and result["broker"] == "ok"
    if database == "ok":
        worker_name = jobs.worker_heartbeat_name(worker_host) if worker_host else jobs.WORKER_PREFIX
        result["worker"], worker_ok = _age(
            heartbeat_age(worker_name, exact=bool(worker_host)), settings.HEALTH_WORKER_MAX_AGE
        )
        result["beat"], beat_ok = _age(
            heartbeat_age(jobs.BEAT, exact=True), settings.HEALTH_BEAT_MAX_AGE
        )
        healthy = healthy and worker_ok and beat_ok
    else:
        result["worker"] = result["beat"] = "error: database unavailable"
    return result, healthy


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    result, healthy = checks()
    return JsonResponse(result, status=200 if healthy else 503)
