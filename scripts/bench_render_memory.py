#!/usr/bin/env python
"""Memory of a PDF worker process: resident set size before and after rendering N PDFs.

    DATA_DIR=var .venv/bin/python scripts/bench_render_memory.py --count 100 [--every 50]

Renders decision letters, minutes and filing packages in turn from the database named by the
usual settings (the demo data will do), in one process as a Celery worker child would, without
saving anything, and prints the RSS (from /proc/self/status) and the time per PDF. The figure
sizes `--max-memory-per-child` and `--max-tasks-per-child` of the worker-pdf service.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument(
        "--every", type=int, default=0, help="also print the RSS after every N PDFs (bounded?)"
    )
    args = parser.parse_args()

    from ethics import pdf
    from meetings.models import Minutes
    from meetings.services import MINUTES_TEMPLATE, minutes_context
    from reviews.models import Decision
    from reviews.services._common import LETTER_TEMPLATE
    from reviews.services.letters import letter_context

    jobs = [(LETTER_TEMPLATE, letter_context(d)) for d in Decision.objects.all()[:20]]
    jobs += [(MINUTES_TEMPLATE, minutes_context(m)) for m in Minutes.objects.all()[:5]]
    if not jobs:
        print("no decisions or minutes: load the demo first (manage.py seed_demo)")  # noqa: T201
        return 1
    start_rss = rss_mib()
    pdf.render(*jobs[0])  # the first rendering loads WeasyPrint and the fonts
    first_rss = rss_mib()
    started = time.perf_counter()
    peak = first_rss
    for i in range(args.count):
        template, context = jobs[i % len(jobs)]
        pdf.render(template, context)
        peak = max(peak, rss_mib())
        if args.every and (i + 1) % args.every == 0:
            print(f"after={i + 1} rss_mib={rss_mib():.0f}", flush=True)  # noqa: T201
    elapsed = time.perf_counter() - started
    print(  # noqa: T201
        f"pdfs={args.count} rss_start_mib={start_rss:.0f} rss_after_first_mib={first_rss:.0f} "
        f"rss_after_mib={rss_mib():.0f} rss_peak_mib={peak:.0f} "
        f"seconds_per_pdf={elapsed / args.count:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
