from contextlib import contextmanager

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


@contextmanager
def assert_queries(expected: int):
    """Exactly ``expected`` queries inside the block; on failure every statement is printed."""
    ContentType.objects.clear_cache()
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        yield context
    executed = len(context.captured_queries)
    if executed != expected:
        statements = "\n".join(f"{i}. {q['sql']}" for i, q in enumerate(context.captured_queries, 1))
        raise AssertionError(f"Expected {expected} queries, ran {executed}:\n{statements}")


def record_mfa(client: Client, user) -> None:
    """Mark the client's session as having passed MFA, as allauth does after a TOTP code."""
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": 0, "email": user.email},
        {"method": "mfa", "at": 0, "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def client_for(user, *, mfa: bool = True) -> Client:
    client = Client()
    client.force_login(user)
    if mfa:
        record_mfa(client, user)
    return client
