"""manage.py restore ARCHIVE: restore a backup into an empty database and an empty media folder or
bucket (a fresh install), then run `verify_audit` (ethics/backup.py, README "Backup and restore")."""

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ethics import backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty database and storage, then verify the audit chain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive")
        parser.add_argument(
            "--no-verify", action="store_true", help="skip verify_audit after restoring"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"no archive at {archive}")
        try:
            summary = backup.restore(archive)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"restored {summary.engine} database and {summary.files} files from {archive}"
        )
        if not options["no_verify"]:
            call_command("verify_audit", stdout=self.stdout, stderr=self.stderr)
