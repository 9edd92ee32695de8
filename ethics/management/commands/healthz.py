"""The /healthz checks from the command line, for containers without a web server (worker, beat).

    manage.py healthz                      # every check, like GET /healthz
    manage.py healthz --only worker --this-host   # this container's worker heartbeat
    manage.py healthz --only beat
Exit status 0 when the selected checks pass, 1 otherwise; prints the JSON.
"""

import json
import socket
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ethics import health


class Command(BaseCommand):
    help = "Check the database, the broker and the worker and beat heartbeats (as /healthz)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--only", action="append", choices=["database", "broker", "worker", "beat"]
        )
        parser.add_argument(
            "--this-host", action="store_true", help="the worker check reads this host's heartbeat"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host = socket.gethostname() if options["this_host"] else None
        result, healthy = health.checks(worker_host=host)
        if options["only"]:
            result = {key: result[key] for key in options["only"]}
            healthy = all(
                value == "ok" or not value.startswith("error") for value in result.values()
            )
        self.stdout.write(json.dumps(result))
        if not healthy:
            raise CommandError("unhealthy")
