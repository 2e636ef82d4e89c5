"""Mail servers that misbehave, for the reminders' tests (the outside world, not our code)."""

import os
import time
from smtplib import SMTPServerDisconnected

from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as MemoryBackend


class SlowFileBackend(FileBackend):
    """For a worker a test starts in its own process: waits TEST_EMAIL_DELAY seconds (the test kills
    the worker in the middle of sending), then writes the message to a file in EMAIL_FILE_PATH."""

    def send_messages(self, email_messages):
        time.sleep(float(os.environ.get("TEST_EMAIL_DELAY", "0")))
        return super().send_messages(email_messages)


class FlakyBackend(MemoryBackend):
    """Drops the connection `failures` times, then delivers to the test outbox."""

    failures = 0

    def send_messages(self, email_messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)
