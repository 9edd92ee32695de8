"""manage.py verify_audit [--anchors FILE]: the audit chain and every anchor (README "The audit
trail"); exits non-zero with the first problem."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ethics import audit


class Command(BaseCommand):
    help = (
        "Verify the audit hash chain (HMAC-SHA256) and every anchor in the anchor file; "
        "report the first broken link."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchors",
            help="anchor file to check against (default: AUDIT_ANCHOR_FILE), e.g. a copy "
            "rebuilt from the anchor e-mails",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["anchors"] or settings.AUDIT_ANCHOR_FILE)
        if not audit.guard_installed():
            self.stderr.write(
                "warning: the trigger refusing UPDATE and DELETE on audit events is missing "
                "or disabled"
            )
        if not path.exists():
            self.stderr.write(f"warning: no anchor file at {path}: only the chain is checked")
        report = audit.verify(anchor_file=path)
        if report.broken is not None:
            where = f" at event {report.broken.event_id}" if report.broken.event_id else ""
            raise CommandError(
                f"audit chain broken{where}: {report.broken.problem} "
                f"({report.events} events and {report.anchors} anchors verified before it)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"audit chain intact: {report.events} events, {report.anchors} anchors ({path})"
            )
        )
