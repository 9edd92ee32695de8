#!/usr/bin/env python
# ruff: noqa: T201 - a command-line profiler prints its report
"""Profile the load test's mixed phase in-process: per entry of scripts/loadtest.py's MIX, its
status, size, queries and cProfile function calls per request (deterministic, so comparable
across runs on a busy machine, unlike the load test's timings).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/profile_mix.py --database DB [--requests 5] [--baseline PATH]

DB is a database seeded with `manage.py seed_demo` (the load test's users). Like
scripts/profile_page.py it signs each user in through django.test.Client with the benchmark's
production-like settings (DEBUG off) and warms each page up first; the application's page is
the secretary's first application in the API, as the load test picks it.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--baseline", default="/accounts/password/")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL=postgres://... (PostgreSQL only).", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_list_pages as bench
    import loadtest

    tmp = bench.attach(args.database, url, "profile_mix_")
    from django.db import connection
    from django.test import Client

    from ethics.models import User

    try:
        clients = {}
        for username in sorted({user for user, _ in loadtest.MIX}):
            clients[username] = Client()
            clients[username].force_login(User.objects.get(username=username))
        first = clients["kh_secretary"].get("/api/v1/applications/?page_size=1").json()
        results = first.get("results") or []
        application = f"/reviews/applications/{results[0]['id']}/" if results else "/reviews/"
        entries = [("kh_secretary", args.baseline, "baseline")]
        entries += [
            (user, path.replace("{application}", application), "mixed")
            for user, path in loadtest.MIX
        ]
        total = 0
        for user, path, phase in entries:
            client = clients[user]
            for _ in range(3):
                client.get(path)
            queries: list[str] = []

            def count(execute: Any, sql: str, *rest: Any, seen: list[str] = queries) -> Any:
                seen.append(sql)
                return execute(sql, *rest)

            with connection.execute_wrapper(count):
                response = client.get(path)
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.requests):
                client.get(path)
            profile.disable()
            calls = pstats.Stats(profile).total_calls // args.requests
            if phase == "mixed":
                total += calls
            print(
                f"{phase:<8} {user:<14} {path:<30} {response.status_code} "
                f"{len(response.content):>7} B queries={len(queries):>2} calls/request={calls}"
            )
        print(f"mixed: {total} calls per round of {len(loadtest.MIX)} requests")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
