#!/usr/bin/env python
# ruff: noqa: T201 - a command-line benchmark prints its report
"""Benchmark the reports dashboards (issue 17: <= 15 queries, p95 <= 300 ms at 1,000,000
applications on PostgreSQL).

Usage (PostgreSQL only; needs CREATE DATABASE rights; BENCH_DATABASE names the scratch database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_dashboards.py [--applications 100000] [--runs 20] [--keep]

It seeds a scratch database `bench_dashboards` with scripts/bench_list_pages.py's seeder (100
institutions, 200 committees with rosters, projects, applications with review rounds, reviewer
assignments and decisions over eight years; with --keep a database already seeded at the same
size is reused) and then times, through django.test.Client, each dashboard over the default
period (the last twelve months) and over the whole history:

  (1) the benchmark secretary's committee dashboard (--committee-share applications),
  (2) that committee's institution dashboard (two committees) as its institution admin,
  (3) the regional dashboard over all 200 committees (as a superuser),
  (4) the committee's table export (.xlsx of every table).

It prints min / median / p95 / max in ms and the query count of one request, first with every
figure counted live ("before": no monthly summaries), then after `reports.summaries.refresh`
(the beat task and `manage.py reports_refresh`; its time and row count are printed) with the
closed months read from the summaries ("after"), and exits 1 when a dashboard misses the targets
after the refresh. --skip-before times only the second.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import bench_list_pages as seeding  # noqa: E402 - the list benchmark's seeder, reused

seeding.SCRATCH = os.environ.get("BENCH_DATABASE", "bench_dashboards")
TARGET_P95_MS, TARGET_QUERIES = 300.0, 15


def _timed(call: Callable[[], Any], runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        call()
    timings = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        timings.append((time.perf_counter() - t0) * 1000)
    return timings


def _line(label: str, timings: list[float], queries: int, misses: list[str]) -> None:
    ordered = sorted(timings)
    p95 = ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]
    ok = p95 <= TARGET_P95_MS and queries <= TARGET_QUERIES
    if not ok:
        misses.append(label)
    print(
        f"  {label:<44} min {ordered[0]:8.1f}  median {statistics.median(ordered):8.1f}  "
        f"p95 {p95:8.1f}  max {ordered[-1]:8.1f} ms  {queries:2d} queries"
        f"{'   ok' if ok else '   MISSES TARGET'}"
    )


def _query_times(call: Callable[[], Any]) -> None:
    """--queries: each query of one request with its time, the slowest first."""
    from django.db import connection

    seen: list[tuple[float, str]] = []

    def timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.append(((time.perf_counter() - t0) * 1000, " ".join(sql.split())[:150]))

    t0 = time.perf_counter()
    with connection.execute_wrapper(timer):
        call()
    total = (time.perf_counter() - t0) * 1000
    sql = sum(ms for ms, _ in seen)
    print(f"      one request {total:.1f} ms, SQL {sql:.1f} ms in {len(seen)} queries:")
    for ms, text in sorted(seen, reverse=True)[:8]:
        print(f"      {ms:8.1f} ms  {text}")


def measure(world: Any, runs: int, queries: bool = False) -> list[str]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from committees.models import Committee, Membership
    from ethics.models import User

    secretary = User.objects.get(pk=world.bench_secretary)
    committee = Committee.objects.get(
        pk=Membership.objects.filter(user=secretary).values("committee_id")[:1]
    )
    admin, _new = User.objects.get_or_create(
        username="bench_inst_admin",
        defaults={"institution_id": committee.institution_id, "institution_admin": True},
    )
    root, _new = User.objects.get_or_create(
        username="bench_root", defaults={"is_superuser": True, "is_staff": True}
    )
    clients = {}
    for name, user in (("secretary", secretary), ("admin", admin), ("root", root)):
        clients[name] = Client()
        clients[name].force_login(user)
    pages = [
        ("secretary", "committee dashboard", reverse("reports:committee", args=[committee.pk])),
        (
            "admin",
            "institution dashboard",
            reverse("reports:institution", args=[committee.institution_id]),
        ),
        ("root", "regional dashboard (200 committees)", reverse("reports:authority")),
        (
            "secretary",
            "committee export (.xlsx, all tables)",
            reverse("reports:committee-export", args=[committee.pk, "all", "xlsx"]),
        ),
    ]
    misses: list[str] = []
    applications = committee.applications.count()
    print(f"\ncommittee {committee.pk}: {applications:,} applications; {runs} runs each")
    for period, query in (
        ("last 12 months", {}),
        (
            "five years (the longest period a page accepts)",
            {"start": "2022-01-01", "end": "2026-12-31"},
        ),
    ):
        print(f"\n{period}:")
        for who, label, path in pages:
            client = clients[who]

            def call(client: Any = client, path: str = path, query: dict[str, str] = query) -> Any:
                response = client.get(path, query)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path} answered {response.status_code}")
                return response

            count = [0]

            def counter(
                execute: Any,
                sql: str,
                params: Any,
                many: bool,
                context: Any,
                count: list[int] = count,
            ) -> Any:
                count[0] += 1
                return execute(sql, params, many, context)

            with connection.execute_wrapper(counter):
                call()
            _line(label, _timed(call, runs), count[0], misses)
            if queries:
                _query_times(call)
    return misses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--committee-share", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the scratch database")
    parser.add_argument("--skip-before", action="store_true", help="time only with the summaries")
    parser.add_argument(
        "--skip-refresh",
        action="store_true",
        help="with --keep: time the summaries the kept database has (no refresh)",
    )
    parser.add_argument(
        "--queries", action="store_true", help="print each query's time of one request per page"
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL=postgres://... (PostgreSQL only).", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench_dashboards_"))
    reuse = args.keep and seeding._already_seeded(url, args.applications)
    if not reuse:
        seeding._recreate(url)
    seeding._environment(tmp, url)  # also a throwaway audit key, no second factor
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    seeding._plain_storages()
    try:
        call_command("migrate", verbosity=0, interactive=False)
        if reuse:
            print(f"reusing the kept database with {args.applications:,} applications")
            world = seeding._world_from_database()
        else:
            print(f"seeding {args.applications:,} applications …", flush=True)
            started = time.monotonic()
            world = seeding.seed(args.applications, args.committee_share, args.seed)
            print(f"seeded in {time.monotonic() - started:.1f} s")
        from reports import summaries
        from reports.models import MonthlySummary, SummaryState

        kept = reuse and args.skip_refresh and SummaryState.objects.filter(through__isnull=False)
        if not kept:
            # Before: no summaries, every figure live (as before issue 17's summaries).
            MonthlySummary.objects.all().delete()
            SummaryState.objects.update_or_create(
                pk=1, defaults={"through": None, "refreshed_at": None}
            )
        if not args.skip_before and not kept:
            print("\nBEFORE: every figure counted live (no monthly summaries)")
            measure(world, args.runs, args.queries)
        if not kept:
            started = time.monotonic()
            rows = summaries.refresh()
            elapsed = time.monotonic() - started
            print(f"\nreports_refresh: {rows:,} summary rows in {elapsed:.1f} s")
        print("\nAFTER: closed months from the monthly summaries, the rest live")
        misses = measure(world, args.runs, args.queries)
    finally:
        connection.close()
        if not args.keep:
            seeding._drop(url)
        shutil.rmtree(tmp, ignore_errors=True)
    targets = f"p95 <= {TARGET_P95_MS:.0f} ms, <= {TARGET_QUERIES} queries"
    if misses:
        print(f"\nmissed targets ({targets}): {', '.join(misses)}")
        return 1
    print(f"\nall dashboards meet the targets ({targets}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
