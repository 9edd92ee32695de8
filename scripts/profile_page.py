#!/usr/bin/env python
# ruff: noqa: T201 - a command-line profiler prints its report
"""Profile one page or API list against a database kept by scripts/bench_list_pages.py --keep.

Usage (PostgreSQL; the database seeded and kept by the list benchmark):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/profile_page.py /api/v1/applications/ \\
        [--database bench_perf] [--user bench_secretary] [--requests 10] [--top 30] \\
        [--callers make_hashable] [--callees PATTERN] [--save FILE]

It signs the user in through django.test.Client with the benchmark's production-like settings
(DEBUG off), warms the page up, runs cProfile around --requests GETs and prints the functions by
own time and by cumulative time (README "Performance").
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--database", default="bench_lists")
    parser.add_argument("--user", default="bench_secretary")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--callers",
        action="append",
        default=[],
        help="also print who calls the functions matching this pattern (repeatable)",
    )
    parser.add_argument(
        "--callees",
        action="append",
        default=[],
        help="also print what the functions matching this pattern call (repeatable)",
    )
    parser.add_argument("--save", help="also write the raw profile to this file (pstats)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL=postgres://... (PostgreSQL only).", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_list_pages as bench

    tmp = bench.attach(args.database, url, "profile_page_")
    from django.test import Client

    from ethics.models import User

    try:
        client = Client()
        client.force_login(User.objects.get(username=args.user))
        for _ in range(5):
            client.get(args.path, HTTP_ACCEPT="application/json")
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            response = client.get(args.path, HTTP_ACCEPT="application/json")
        profile.disable()
        print(f"GET {args.path} as {args.user}: {response.status_code}, {len(response.content)} B")
        stats = pstats.Stats(profile)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
        for pattern in args.callers:
            stats.sort_stats("cumulative").print_callers(pattern)
        for pattern in args.callees:
            stats.sort_stats("cumulative").print_callees(pattern)
        if args.save:
            stats.dump_stats(args.save)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
