"""Django's file e-mail backend with a mail server's latency, for the chaos tests.

A real SMTP conversation takes tens of milliseconds before the server accepts a message; Django's
file backend takes none, so 500 reminders would be gone before a killed worker could even restart.
This waits CHAOS_MAIL_LATENCY seconds (default 0.05) and then writes the message exactly as the
file backend does: the written file is the server's acceptance. A worker killed during the wait has
sent nothing, as with SMTP.

The module is named ``filebased`` so that config/settings.py gives it the file backend's OPTIONS
(EMAIL_FILE_PATH) when EMAIL_BACKEND names it.
"""

import os
import time

from django.core.mail.backends import filebased

LATENCY = float(os.environ.get("CHAOS_MAIL_LATENCY", "0.05"))


class EmailBackend(filebased.EmailBackend):
    def write_message(self, message):
        time.sleep(LATENCY)
        super().write_message(message)
