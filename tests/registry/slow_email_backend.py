"""Test-only e-mail backend for the fault tests: the file-based backend, slowed down so a worker
can be killed in the middle of sending.

SLOW_EMAIL_SECONDS: how long each send takes. SLOW_EMAIL_MODE: "before" sleeps before the
message is written (the kill lands before the message leaves), "after" writes it first and then
sleeps (the message left, the worker dies before recording sent_at).
"""

import os
import time

from django.core.mail.backends.filebased import EmailBackend as FileBackend


class EmailBackend(FileBackend):
    def send_messages(self, email_messages):
        delay = float(os.environ.get("SLOW_EMAIL_SECONDS", "0"))
        if os.environ.get("SLOW_EMAIL_MODE", "before") == "after":
            sent = super().send_messages(email_messages)
            time.sleep(delay)
            return sent
        time.sleep(delay)
        return super().send_messages(email_messages)
