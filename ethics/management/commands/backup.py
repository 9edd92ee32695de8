"""manage.py backup [FOLDER]: the database and every stored file in one archive (ethics/backup.py)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ethics import backup


class Command(BaseCommand):
    help = "Back up the database and the stored files (media folder or bucket) into one archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", nargs="?", default="backups", help="where the archive goes")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup.backup(Path(options["folder"]))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{summary.archive} ({summary.engine} database, {summary.files} files, "
            f"{summary.bytes} bytes)"
        )
