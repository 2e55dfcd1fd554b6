import pytest

from notifications.registry import register_kind, unregister_kind
from tests.factories import UserFactory

HELLO = "notifications.test.hello"  # templates/notifications/test/hello*.{txt,html}
PLAIN = "notifications.test.plain"  # templates/notifications/test/plain*.txt, no HTML part


def hello_context(notification):
    return {"link": f"https://steady.example/messages/{notification.context['thread']}"}


@pytest.fixture
def register():
    """``register(key, template=..., build_context=...)`` for this test only."""
    keys = []

    def _register(key, **definition):
        keys.append(key)
        return register_kind(key, **definition)

    yield _register
    for key in keys:
        unregister_kind(key)


@pytest.fixture
def hello_kind(register):
    return register(HELLO, template="notifications/test/hello", build_context=hello_context)


@pytest.fixture
def plain_kind(register):
    return register(PLAIN, template="notifications/test/plain")


@pytest.fixture
def recipient(db):
    return UserFactory(email="margaret@example.com", name="Margaret Hill")
