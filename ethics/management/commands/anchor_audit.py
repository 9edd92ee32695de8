"""manage.py anchor_audit: what the beat task `ethics.anchor_audit` does, on demand."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from ethics import audit


class Command(BaseCommand):
    help = (
        "Append the audit chain head (HMAC-ed) to AUDIT_ANCHOR_FILE and e-mail it to "
        "AUDIT_ANCHOR_EMAIL when set."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        anchor = audit.anchor()
        self.stdout.write(
            f"anchored event {anchor.last_id} ({anchor.count} events) in "
            f"{settings.AUDIT_ANCHOR_FILE}"
        )
        self.stdout.write(anchor.line())
