"""E-mail helpers: short subjects, and the embedded default backend that writes `.eml` files.

The embedded default (DEBUG without EMAIL_BACKEND) writes each message to its own
`<timestamp>-<n>.eml` file under EMAIL_FILE_PATH (var/mail/) and logs one line with the path, so
mail neither mixes with the server's output nor needs a mail server; any mail client opens them.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.filebased import EmailBackend as FileBasedBackend
from django.utils import timezone
from django.utils.text import Truncator

logger = logging.getLogger(__name__)

SUBJECT_MAX_CHARS = 60
SUBJECT_MIN_CLAUSE = 12
# The first clause ends at a full-width colon or full stop, a line break, or an ASCII colon or full
# stop followed by a space (not the colon of "14:00" nor the dot of "v1.2").
_CLAUSE_END = re.compile(r"[：。；\n\r]|[:.;](?=\s)")
_counter = itertools.count(1)


def short_subject(text: str, limit: int = SUBJECT_MAX_CHARS) -> str:
    """A one-line subject: the first clause of `text`, cut to `limit` characters with an ellipsis.
    A first clause too short to say anything alone ("Reminder:", "提醒：") keeps the rest of
    its line."""
    line = " ".join(re.split(r"[\r\n]", str(text).strip(), maxsplit=1)[0].split())
    clause = _CLAUSE_END.split(line, maxsplit=1)[0].strip()
    subject = clause if len(clause) >= SUBJECT_MIN_CLAUSE else line
    return Truncator(subject).chars(limit, truncate="…")


class EmlFileBackend(FileBasedBackend):
    """One `<timestamp>-<n>.eml` file per message (Django's file backend appends to `.log`
    files, several messages each)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set (absolute, created, writable) by the parent, which django-stubs does not declare.
        self.directory = Path(getattr(self, "file_path"))  # noqa: B009

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        sent = 0
        with self._lock:
            for message in email_messages:
                if not message.recipients():
                    continue
                try:
                    path = self._write(message.message().as_bytes())
                except Exception:
                    if not self.fail_silently:
                        raise
                    continue
                logger.info("e-mail to %s written to %s", ", ".join(message.to), path)
                sent += 1
        return sent

    def _write(self, data: bytes) -> Path:
        """A new file (never overwrites one another process wrote in the same microsecond)."""
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S-%f")
        while True:
            path = self.directory / f"{stamp}-{next(_counter)}.eml"
            try:
                with path.open("xb") as handle:
                    handle.write(data)
            except FileExistsError:
                continue
            return path
