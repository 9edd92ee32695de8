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

With ``--mix`` it times scripts/loadtest.py's mixed phase instead, on a database seeded with
``manage.py seed_demo`` (the load test's users, its floor the secretary's password page), and
prints the mix's mean against the floor: the in-process counterpart of the load test's
throughput ratio (its inverse), without the server, the network or the client's threads.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

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
    parser.add_argument("--mix", action="store_true", help="the load test's mix (seed_demo)")
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
        pages = _mix_pages() if args.mix else PAGES
        clients = {}
        for _label, username, _path in pages:
            if username not in clients:
                clients[username] = Client()
                clients[username].force_login(User.objects.get(username=username))
        if args.mix:
            pages = _resolve_application(pages, clients["kh_secretary"])
        wall: dict[str, list[float]] = {label: [] for label, _u, _p in pages}
        cpu: dict[str, list[float]] = {label: [] for label, _u, _p in pages}
        for round_ in range(args.rounds + 5):
            for label, username, path in pages:
                c0, t0 = time.process_time(), time.perf_counter()
                response = clients[username].get(path)
                elapsed, used = time.perf_counter() - t0, time.process_time() - c0
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path} answered {response.status_code}")
                if round_ >= 5:  # the first rounds warm the caches
                    wall[label].append(elapsed * 1000)
                    cpu[label].append(used * 1000)
        floor_wall, floor_cpu = statistics.median(wall["floor"]), statistics.median(cpu["floor"])
        width = max(len(path) for _l, _u, path in pages)
        for label, _u, path in pages:
            w, c = statistics.median(wall[label]), statistics.median(cpu[label])
            print(
                f"{label:<12} {path:<{width}} wall min {min(wall[label]):7.2f}  p50 {w:7.2f} ms"
                f" ({w / floor_wall:4.2f}x)   CPU p50 {c:7.2f} ms ({c / floor_cpu:4.2f}x)"
            )
        if args.mix:
            mixed = [label for label, _u, _p in pages if label != "floor"]
            w = statistics.mean(statistics.median(wall[label]) for label in mixed)
            c = statistics.mean(statistics.median(cpu[label]) for label in mixed)
            print(
                f"mix mean of p50s: wall {w:.2f} ms ({w / floor_wall:.2f}x, inverse"
                f" {floor_wall / w:.2f})   CPU {c:.2f} ms ({c / floor_cpu:.2f}x,"
                f" inverse {floor_cpu / c:.2f})"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _mix_pages() -> tuple[tuple[str, str, str], ...]:
    import loadtest

    floor = (("floor", "kh_secretary", "/accounts/password/"),)
    return floor + tuple(
        (f"{user.removeprefix('kh_')}:{index}", user, path)
        for index, (user, path) in enumerate(loadtest.MIX)
    )


def _resolve_application(
    pages: tuple[tuple[str, str, str], ...], secretary: Any
) -> tuple[tuple[str, str, str], ...]:
    """The secretary's first application in the API, as the load test picks it."""
    results = secretary.get("/api/v1/applications/?page_size=1").json().get("results") or []
    application = f"/reviews/applications/{results[0]['id']}/" if results else "/reviews/"
    return tuple(
        (label, user, path.replace("{application}", application)) for label, user, path in pages
    )


if __name__ == "__main__":
    sys.exit(main())
