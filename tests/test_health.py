import pytest
from django.db import OperationalError, connection
from django.test import Client

from config import health


@pytest.mark.django_db
def test_healthz_answers_without_touching_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ok_when_database_and_broker_answer():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.django_db(transaction=True)
def test_readyz_answers_503_when_the_database_is_unreachable(monkeypatch):
    if connection.vendor == "postgresql":
        connection.close()
        monkeypatch.setitem(connection.settings_dict, "PORT", "1")  # nothing listens there
    else:
        # The in-memory test database cannot be closed; make opening a cursor fail as an
        # unreadable database file would. (CI runs the real case on PostgreSQL.)
        def unreachable(*args, **kwargs):
            raise OperationalError("unable to open database file")

        monkeypatch.setattr(connection, "cursor", unreachable)
    try:
        response = Client().get("/readyz")
    finally:
        connection.close()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "down", "broker": "ok"}}


@pytest.mark.django_db
def test_readyz_answers_503_when_the_broker_is_unreachable(monkeypatch):
    monkeypatch.setattr(health, "celery_app", _BrokenCelery())
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "down"


class _BrokenCelery:
    def connection_for_write(self):
        raise ConnectionRefusedError("no broker")
