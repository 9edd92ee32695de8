"""manage.py verify_letters: every decision letter's verification hash still matches its PDF.

For each decision with a letter: the hash recomputed from the records equals the stored one, the
PDF file is there and readable, and the hash printed in it is the stored one. Used by the restore
drill (scripts/restore_drill.sh) after `manage.py restore`.
"""

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reviews.models import Decision
from reviews.services.letters import letter_context


def _printed_text(field: Any) -> str:
    from pypdf import PdfReader

    with field.open("rb") as handle:
        text = "".join(page.extract_text() or "" for page in PdfReader(handle).pages)
    return re.sub(r"\s+", "", text)  # the hash may wrap across lines


class Command(BaseCommand):
    help = "Check that every decision letter's verification hash matches its records and its PDF."

    def handle(self, *args: Any, **options: Any) -> None:
        decisions = Decision.objects.exclude(letter="").select_related(
            "application__project", "application__committee", "follows"
        )
        problems, checked = [], 0
        for decision in decisions.order_by("pk"):
            checked += 1
            if letter_context(decision)["hash"] != decision.letter_hash:
                problems.append(f"{decision.number}: the records no longer give the stored hash")
                continue
            try:
                printed = _printed_text(decision.letter)
            except Exception as exc:
                problems.append(f"{decision.number}: the PDF cannot be read ({exc!r})")
                continue
            if decision.letter_hash not in printed:
                problems.append(f"{decision.number}: the PDF does not carry the stored hash")
        if problems:
            raise CommandError("; ".join(problems))
        if not checked:
            raise CommandError("no decision letter to verify")
        self.stdout.write(self.style.SUCCESS(f"letters verified: {checked}"))
