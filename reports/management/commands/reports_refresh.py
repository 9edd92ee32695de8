"""Count the dashboards' monthly summaries anew now: `manage.py reports_refresh`."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from reports import summaries


class Command(BaseCommand):
    help = "Refresh the dashboards' monthly summaries (every closed month; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        rows = summaries.refresh()
        self.stdout.write(f"{rows} summary rows in {time.monotonic() - started:.1f} s")
