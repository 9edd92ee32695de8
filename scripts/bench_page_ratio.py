#!/usr/bin/env python
# ruff: noqa: T201 - a command-line benchmark prints its report
"""Time the list pages against the floor page interleaved, on a shared machine (issue 18).

Usage (PostgreSQL; the database seeded and kept by scripts/bench_list_pages.py --keep):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_page_ratio.py [--database bench_lists] [--rounds 60]

Each round requests the floor (the password page, as the secretary), the intake page (the
secretary), the my-projects page (the researcher) and my reviews (a member) once, so load from
other jobs falls on all of them alike; it prints each page's wall-clock min and p50 and its CPU-time p50 in this process
(Python and templates, not the database), with both ratios to the floor's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = (
    ("floor", "bench_secretary", "/accounts/password/"),
    ("intake", "bench_secretary", "/reviews/intake/"),
    ("my projects", "bench_researcher", "/reviews/"),
    ("my reviews", "c0m2", "/reviews/my-reviews/"),  # a member of the secretary's committee
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="bench_lists")
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL=postgres://... (PostgreSQL only).", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_list_pages as bench

    tmp = bench.attach(args.database, url, "bench_page_ratio_")
    from django.test import Client

    from ethics.models import User

    try:
        clients = {}
        for _label, username, _path in PAGES:
            if username not in clients:
                clients[username] = Client()
                clients[username].force_login(User.objects.get(username=username))
        wall: dict[str, list[float]] = {label: [] for label, _u, _p in PAGES}
        cpu: dict[str, list[float]] = {label: [] for label, _u, _p in PAGES}
        for round_ in range(args.rounds + 5):
            for label, username, path in PAGES:
                c0, t0 = time.process_time(), time.perf_counter()
                response = clients[username].get(path)
                elapsed, used = time.perf_counter() - t0, time.process_time() - c0
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path} answered {response.status_code}")
                if round_ >= 5:  # the first rounds warm the caches
                    wall[label].append(elapsed * 1000)
                    cpu[label].append(used * 1000)
        floor_wall, floor_cpu = statistics.median(wall["floor"]), statistics.median(cpu["floor"])
        for label, _u, path in PAGES:
            w, c = statistics.median(wall[label]), statistics.median(cpu[label])
            print(
                f"{label:<12} {path:<20} wall min {min(wall[label]):7.2f}  p50 {w:7.2f} ms"
                f" ({w / floor_wall:4.2f}x)   CPU p50 {c:7.2f} ms ({c / floor_cpu:4.2f}x)"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
