"""Load one year's official holiday calendar (rest days and make-up working days) from a file.

The State Council publishes each year's arrangement (部分节假日安排的通知) in November for the
following year; an administrator writes it into a JSON file like ethics/holidays/2026.json and
runs ``manage.py import_holidays ethics/holidays/2027.json``. The year's rows are replaced, open
clocks the new calendar moves are recomputed, audited and their people notified (R25).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from ethics import services
from ethics.holiday_data import HOLIDAYS, MAKEUP, HolidayFileError, parse_year_file


class Command(BaseCommand):
    help = "Import one year's official rest days and make-up working days from a JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the year's file, e.g. ethics/holidays/2027.json")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot read the file ({exc})") from None
        try:
            year, arrangement, source = parse_year_file(text)
        except HolidayFileError as exc:
            listed = "\n".join(f"  - {problem}" for problem in exc.problems)
            raise CommandError(f"{path}: nothing imported:\n{listed}") from None
        with transaction.atomic():
            result = services.holiday_year_import(
                year=year,
                rest_days=arrangement[HOLIDAYS],
                makeup_days=arrangement[MAKEUP],
                source=source,
            )
            if options["dry_run"]:
                transaction.set_rollback(True)
        verb = "would import" if options["dry_run"] else "imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {year}: {result.rest_days} rest days, {result.makeup_days} make-up "
                f"working days; {len(result.moved)} open deadlines moved"
            )
        )
        for deadline_id, before, after in result.moved:
            self.stdout.write(
                f"  deadline {deadline_id}: {before.isoformat()} -> {after.isoformat()}"
            )
