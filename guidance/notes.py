"""Private clinical notes and the contact mode: the therapist's writes on the patient view.

Notes are never edited or deleted (a correction is a new note). A double click or a retry must not
save a note twice: the enrolment row is locked and an identical note by the same author in the last
minute is taken as the same one.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from clinics.models import Enrollment
from clinics.roles import user_roles
from clinics.services import audit_log
from guidance.models import ClinicalNote

DUPLICATE_WINDOW = datetime.timedelta(minutes=1)


def is_current_therapist(enrollment: Enrollment, user) -> bool:
    """Only the patient's current therapist, in a clinic where they are a therapist, writes."""
    return enrollment.therapist_id == user.pk and enrollment.clinic_id in user_roles(user).therapist_clinic_ids


def check_can_write(enrollment: Enrollment, user) -> None:
    if not is_current_therapist(enrollment, user):
        # In scope (the caller fetched the enrolment through access_enrollment_as_staff) but read-only.
        raise PermissionDenied("Only the patient's therapist can change this.")


def _lock(enrollment: Enrollment) -> None:
    Enrollment.objects.select_for_update().filter(pk=enrollment.pk).values_list("pk", flat=True).first()


@transaction.atomic
def clinical_note_add(*, enrollment: Enrollment, author: User, body: str, request=None) -> ClinicalNote:
    check_can_write(enrollment, author)
    body = body.strip()
    if not body:
        raise ValueError("A note needs some text.")
    _lock(enrollment)
    recent = ClinicalNote.objects.filter(
        enrollment=enrollment, author=author, body=body, created_at__gte=timezone.now() - DUPLICATE_WINDOW
    ).first()
    if recent is not None:
        return recent
    note = ClinicalNote.objects.create(enrollment=enrollment, author=author, body=body)
    audit_log(actor=author, action="guidance.note.added", enrollment=enrollment, target=note, request=request)
    return note


class ContactModeChange:
    """The audit event's object for a contact mode change: "async->mixed/2w" (old, new and the
    mixed cadence), so the audit log alone says what changed."""

    class _meta:  # noqa: N801 - read by audit_log like a model's _meta
        label_lower = "clinics.enrollment.contact_mode"

    def __init__(self, old: str, new: str, every_weeks: int | None):
        self.code = f"{old}->{new}" + (f"/{every_weeks}w" if every_weeks else "")


@transaction.atomic
def contact_mode_change(
    *, enrollment: Enrollment, mode: str, every_weeks: int | None = None, by: User, request=None
) -> bool:
    """Set the contact mode (and, for mixed, the check-in cadence). Returns False when nothing changed."""
    check_can_write(enrollment, by)
    if mode not in Enrollment.ContactMode.values:
        raise ValueError(f"Unknown contact mode {mode!r}")
    locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    old_mode, old_every = locked.contact_mode, locked.checkin_every_weeks
    new_every = every_weeks if mode == Enrollment.ContactMode.MIXED and every_weeks else old_every
    if (old_mode, old_every) == (mode, new_every):
        return False
    Enrollment.objects.filter(pk=enrollment.pk).update(contact_mode=mode, checkin_every_weeks=new_every)
    enrollment.contact_mode, enrollment.checkin_every_weeks = mode, new_every
    shown_every = new_every if mode == Enrollment.ContactMode.MIXED else None
    audit_log(
        actor=by,
        action="guidance.contact_mode.changed",
        enrollment=enrollment,
        target=ContactModeChange(old_mode, mode, shown_every),
        request=request,
    )
    return True
