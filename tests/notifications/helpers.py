from contextlib import contextmanager
from unittest.mock import patch

from django.core.mail.backends import locmem

from notifications.services import notify
from tests.notifications.conftest import HELLO


def pending(user, *, key="message:1", kind=HELLO, due_at=None):
    """A notification as a domain service writes it (its commit never runs in these tests)."""
    return notify(user=user, kind=kind, dedupe_key=key, context={"thread": 7}, due_at=due_at)


@contextmanager
def mail_server_raising(*errors):
    """The mail backend raises ``errors`` on successive sends, then sends normally."""
    original = locmem.EmailBackend.send_messages
    queue = list(errors)

    def send_messages(self, messages):
        if queue:
            raise queue.pop(0)
        return original(self, messages)

    with patch.object(locmem.EmailBackend, "send_messages", send_messages):
        yield
