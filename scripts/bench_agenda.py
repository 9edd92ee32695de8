#!/usr/bin/env python
# ruff: noqa: T201 - a command-line benchmark prints its report
"""Benchmark a meeting's agenda page with many reported simplified decisions (R35).

Issue 12 measured a committee's first meeting at 20,000 applications pulling its whole history
onto the agenda: 2,336 report items, a 793 KB page rendered in 2.6 s. The agenda now lists
only the decisions since the previous meeting (or since the committee was established) and
pages them 50 at a time, so its cost should not grow with the number of reports.

Usage (SQLite in a scratch folder; nothing else is touched):

    .venv/bin/python scripts/bench_agenda.py [--reports 2336] [--few 10] [--runs 20]

It builds two committees with tests/world.py, gives one --few and the other --reports
simplified decisions issued through the real service (two approving reviewers each), schedules
a meeting for each (which puts the reports on its agenda in one insert), then times the agenda
page, its second page and the meeting page --runs times each through django.test.Client. It
prints p50 per page, bytes and query counts, and the many/few ratios taken in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2336)
    parser.add_argument("--few", type=int, default=10)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-agenda-"))
    os.environ["DATA_DIR"] = str(scratch)
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ["CELERY_BROKER_URL"] = "memory://"  # letters are queued, not rendered, here
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)

    from tests.meetings.conftest import schedule
    from tests.meetings.test_meetings_as_they_happen import _simplified
    from tests.world import build_world

    def seeded(count: int) -> tuple[object, object]:
        world = build_world()
        started = time.perf_counter()
        for _ in range(count):
            _simplified(world)
        meeting = schedule(world)
        print(f"seeded {count} decisions in {time.perf_counter() - started:.1f} s")
        return world, meeting

    def timed(client: Client, url: str) -> tuple[float, int, int]:
        client.get(url)  # warm-up
        samples = []
        for _ in range(args.runs):
            start = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as ctx:
            size = len(client.get(url).content)
        return statistics.median(samples), size, len(ctx.captured_queries)

    results: dict[str, dict[str, tuple[float, int, int]]] = {}
    for label, count in (("few", args.few), ("many", args.reports)):
        world, meeting = seeded(count)
        reports = meeting.items.filter(kind="report").count()  # type: ignore[attr-defined]
        print(f"{label}: {reports} reports on the agenda")
        client = Client()
        client.force_login(world.secretary)  # type: ignore[attr-defined]
        agenda = reverse("meetings:meeting-agenda", args=[meeting.pk])  # type: ignore[attr-defined]
        results[label] = {
            "agenda": timed(client, agenda),
            "agenda page 2": timed(client, agenda + "?reports=2"),
            "meeting": timed(client, reverse("meetings:meeting-detail", args=[meeting.pk])),  # type: ignore[attr-defined]
        }

    print(f"\n{'page':<16}{'few p50 ms':>12}{'many p50 ms':>13}{'ratio':>8}"
          f"{'few KB':>9}{'many KB':>9}{'queries':>10}")  # fmt: skip
    for page in results["few"]:
        few, many = results["few"][page], results["many"][page]
        print(
            f"{page:<16}{few[0]:>12.1f}{many[0]:>13.1f}{many[0] / few[0]:>8.2f}"
            f"{few[1] / 1024:>9.1f}{many[1] / 1024:>9.1f}{f'{few[2]}/{many[2]}':>10}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
