#!/usr/bin/env python
# ruff: noqa: T201 - a command-line benchmark prints its report
"""Benchmark the reminder scan's claim query over 1,000,000 deadline rows (design.md target:
<= 20 ms, with the partial index `deadline_active_due_idx` used).

Usage (PostgreSQL only; needs CREATE DATABASE rights):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_deadline_scan.py [--rows 1000000] [--runs 200] [--keep]

It creates a scratch database `bench_deadlines`, migrates it, bulk-inserts the rows with
generate_series (97.9% met or waived, 2% open over the next year, 0.1% overdue),
ANALYZEs, then times the exact queryset `ethics.services.deadlines_scan` iterates for candidates,
and prints p50/p95/max in ms and the EXPLAIN plan. The scratch database is dropped at the end
unless --keep is given.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = "bench_deadlines"


def _scratch_url(url: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{SCRATCH}"))


def _admin_connection(url: str):  # noqa: ANN202 - psycopg2 connection
    import psycopg2

    parts = urlparse(url)
    conn = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=parts.path.lstrip("/") or "postgres",
    )
    conn.autocommit = True
    return conn


def _recreate(url: str) -> None:
    conn = _admin_connection(url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{SCRATCH}"')
    conn.close()


def _drop(url: str) -> None:
    conn = _admin_connection(url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
    conn.close()


INSERT = """
INSERT INTO ethics_deadline
    (kind, subject_type_id, subject_id, committee_id, title, rule, opened_at, due_at, state,
     met_at, note)
SELECT
    (ARRAY['decision','tracking_review','member_term','committee_update'])[1 + g %% 4],
    %(ct)s, g, NULL, 'bench ' || g, 'R25', now() - interval '10 years',
    CASE
        WHEN g %% 1000 < 20 THEN now() + (g %% 365) * interval '1 day' + (g %% 24) * interval '1 hour'
        WHEN g %% 1000 = 20 THEN now() - (1 + g %% 60) * interval '1 day'
        ELSE now() - interval '10 years' + g * interval '5 minutes'
    END,
    CASE
        WHEN g %% 1000 < 20 THEN 'open'
        WHEN g %% 1000 = 20 THEN 'overdue'
        WHEN g %% 1000 < 950 THEN 'met'
        ELSE 'waived'
    END,
    CASE WHEN g %% 1000 > 20 THEN now() - interval '10 years' + g * interval '5 minutes' END,
    ''
FROM generate_series(%(start)s, %(stop)s) AS g
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL=postgres://... (PostgreSQL only).", file=sys.stderr)
        return 2

    started = time.monotonic()
    _recreate(url)
    os.environ["DATABASE_URL"] = _scratch_url(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from ethics import services
    from ethics.models import ACTIVE_DEADLINE_STATES, Deadline, User

    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrated scratch database in {time.monotonic() - started:.1f} s")

    ct = ContentType.objects.get_for_model(User).pk
    started = time.monotonic()
    batch = 200_000
    with connection.cursor() as cur:
        for start in range(1, args.rows + 1, batch):
            stop = min(start + batch - 1, args.rows)
            cur.execute(INSERT, {"ct": ct, "start": start, "stop": stop})
        cur.execute("ANALYZE ethics_deadline")
    active = Deadline.objects.filter(state__in=ACTIVE_DEADLINE_STATES).count()
    print(
        f"inserted {args.rows:,} deadlines ({active:,} open or overdue) in "
        f"{time.monotonic() - started:.1f} s"
    )

    # The exact candidates queryset of ethics.services.deadlines_scan.
    now = timezone.now()
    candidates = services.scan_candidates(now)
    sql, params = candidates.query.sql_with_params()
    timings = []
    rows = 0
    with connection.cursor() as cur:
        for _ in range(args.runs):
            t0 = time.perf_counter()
            cur.execute(sql, params)
            rows = len(cur.fetchall())
            timings.append((time.perf_counter() - t0) * 1000)
        server = []
        for _ in range(min(args.runs, 50)):
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            lines = [line for (line,) in cur.fetchall()]
            server += [float(x.split(":")[1].split()[0]) for x in lines if "Execution Time" in x]
        plan = "\n".join(lines)
    timings.sort()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    print(f"claim query: {rows:,} candidate rows, {args.runs} runs")
    print(
        f"  p50 {statistics.median(timings):.2f} ms   p95 {p95:.2f} ms   max {timings[-1]:.2f} ms"
        "   (target <= 20 ms)"
    )
    print(
        f"  server execution (EXPLAIN ANALYZE, {len(server)} runs): "
        f"p50 {statistics.median(server):.2f} ms   max {max(server):.2f} ms"
    )
    print("  (the round trip includes fetching every candidate row into Python)")
    print("EXPLAIN:")
    print(plan)
    used = "deadline_active_due_idx" in plan
    print(f"partial index deadline_active_due_idx used: {'yes' if used else 'NO'}")
    connection.close()
    if not args.keep:
        _drop(url)
    return 0 if used else 1


if __name__ == "__main__":
    sys.exit(main())
