"""Liveness and readiness probes for load balancers and orchestrators, as JSON."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

logger = logging.getLogger(__name__)


@login_not_required
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError as error:
        logger.warning("readyz: database unreachable (%s)", type(error).__name__)
        return False


def broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception as error:  # noqa: BLE001 - any failure to connect means "not ready"
        logger.warning("readyz: broker unreachable (%s)", type(error).__name__)
        return False


@login_not_required
@require_GET
def readyz(request):
    checks = {"database": database_ok(), "broker": broker_ok()}
    ready = all(checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": {k: "ok" if v else "down" for k, v in checks.items()}},
        status=200 if ready else 503,
    )
