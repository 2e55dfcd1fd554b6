"""Cohorts: a clinic admin creates them and closes them. Each write is one audited transaction."""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from clinics.models import Clinic, Cohort, Membership
from clinics.services import audit_log


class CohortError(Exception):
    """The cohort cannot be saved; the message is safe to show to the clinic admin."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


NAME_TAKEN = "This clinic already has a cohort with this name. Choose another name."


@dataclass(frozen=True)
class CohortRequest:
    name: str
    program_id: int
    start_date: datetime.date
    default_therapist: User | None
    default_contact_mode: str
    language: str


@transaction.atomic
def cohort_create(*, clinic: Clinic, by: User, data: CohortRequest, request=None) -> Cohort:
    if (
        data.default_therapist is not None
        and not Membership.objects.filter(
            clinic=clinic, user=data.default_therapist, role=Membership.Role.THERAPIST, is_active=True
        ).exists()
    ):
        raise CohortError("Choose a therapist of this clinic.", field="default_therapist")
    try:
        with transaction.atomic():
            cohort = Cohort.objects.create(
                clinic=clinic,
                name=data.name,
                program_id=data.program_id,
                start_date=data.start_date,
                default_therapist=data.default_therapist,
                default_contact_mode=data.default_contact_mode,
                language=data.language,
                created_by=by,
            )
    except IntegrityError:
        # Two admins choosing the same name at once: the unique constraint decides.
        raise CohortError(NAME_TAKEN, field="name") from None
    audit_log(actor=by, action="clinics.cohort.created", clinic=clinic, target=cohort, request=request)
    return cohort


@transaction.atomic
def cohort_close(*, cohort: Cohort, by: User, request=None) -> bool:
    """Close the cohort to new patients (single or CSV); those already in it carry on.
    False if it was already closed."""
    closed = Cohort.objects.filter(pk=cohort.pk, is_open=True).update(
        is_open=False, closed_at=timezone.now(), closed_by=by
    )
    if not closed:
        return False
    cohort.refresh_from_db(fields=["is_open", "closed_at", "closed_by"])
    audit_log(actor=by, action="clinics.cohort.closed", clinic=cohort.clinic, target=cohort, request=request)
    return True
