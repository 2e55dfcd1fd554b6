"""Thin tasks: ids in, clinics.imports does the work."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError

from clinics import imports

logger = logging.getLogger(__name__)

# A lost database connection or a lock timeout: the open chunk rolled back, so trying again is safe.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@shared_task(bind=True, name="clinics.run_enrolment_import", max_retries=5)
def run_enrolment_import(self, import_id: int) -> None:
    """Enrol an uploaded CSV file's patients. Runs again after a crash and carries on (acks_late);
    a long file is done in several runs, each enqueuing the next."""
    try:
        more = imports.enrolment_import_run(import_id)
    except SoftTimeLimitExceeded:
        more = True  # the open chunk rolled back; the next run starts from it
    except TRANSIENT as error:
        logger.warning("enrolment import %s: %s, retrying", import_id, type(error).__name__)
        if self.request.retries >= self.max_retries:
            imports.enrolment_import_fail(import_id)
            raise
        raise self.retry(exc=error, countdown=5 * 2**self.request.retries) from None
    except Exception as error:
        logger.error("enrolment import %s failed: %s", import_id, type(error).__name__)
        imports.enrolment_import_fail(import_id)
        raise
    if more:
        run_enrolment_import.delay(import_id)


@shared_task(name="clinics.resume_enrolment_imports")
def resume_enrolment_imports() -> int:
    """Periodic safety net: start again the imports whose job was lost."""
    import_ids = imports.stuck_import_ids()
    for import_id in import_ids:
        run_enrolment_import.delay(import_id)
    return len(import_ids)
