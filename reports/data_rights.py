"""Patients' data rights: a copy of all their data, withdrawal, and erasure (pseudonymisation).

- ``my_data_request``: the patient asks for their file (JSON or PDF); audited, made in the background
  by reports.jobs (renderers in reports.renderers, content in reports.my_data).
- ``enrollment_withdraw``: a clinic admin ends a patient's programme. Nothing more is planned or sent
  for it: pending e-mails are cancelled, open and scheduled questionnaires expire, booked check-ins
  are cancelled the usual way (both sides are told), unused invitations stop working. The periodic
  sweeps only work on active enrolments. Urgent risk alerts still escalate: withdrawing a patient
  must not silence a safety signal nobody has acted on.
- ``patient_erase``: a clinic admin erases a patient who has left. Their name, e-mail address,
  sign-in and every piece of free text are removed from every app; numbers stay (scores, diary
  ratings, dates, minutes) so reports still count them. Audit rows are append-only and kept: they
  still point at the enrolments, whose ``pseudonym`` (an HMAC of the enrolment code under the
  server's pseudonym key, outcomes.fhir) is the reference from then on.

The withdrawal reason is one of a few fixed choices, never free text: it is kept in the audit row,
which can never be changed or erased.
"""

import json
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import user_sessions_end
from clinics.access import access_enrollment_as_staff
from clinics.models import Enrollment, EnrolmentImport, Invitation, SupportRequest
from clinics.roles import user_roles
from clinics.services import audit_log
from guidance.checkins import checkin_cancel
from guidance.models import CheckIn, ClinicalNote, Message, Thread, TimeEntry
from modules.models import DiaryEntry, ExerciseResponse, PlannedModule
from notifications.models import Notification
from outcomes.models import Alert, Assessment
from outcomes.models import Export as ProgressExport
from reports import jobs
from reports.models import Export

ERASED_NAME = "Erased patient"
REMOVED = "[removed]"


class DataRightsError(Exception):
    """The withdrawal or erasure cannot be done; the message is safe to show to the clinic admin."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class WithdrawReason(models.TextChoices):
    PATIENT_ASKED = "patient_asked", _("The patient asked to stop")
    NO_CONTACT = "no_contact", _("We could not reach the patient")
    CLINICAL = "clinical", _("A clinical decision (for example, other care suits them better now)")
    MOVED = "moved", _("The patient moved or changed service")
    OTHER = "other", _("Another reason")


class _Withdrawal:
    """The audit event's object for a withdrawal: its reason code (like guidance.notes.ContactModeChange)."""

    class _meta:  # noqa: N801 - read by audit_log like a model's _meta
        label_lower = "clinics.enrollment.withdrawal"

    def __init__(self, reason: str):
        self.code = reason


# --- Access -------------------------------------------------------------------------------------------


def access_enrollment_as_admin(user, code) -> Enrollment:
    """An enrolment of a clinic the user administers. Out of the user's scope: 404. In scope as its
    therapist but not an admin of its clinic: 403 (the action, not the patient, is off limits)."""
    enrollment = access_enrollment_as_staff(user, code)
    if enrollment.clinic_id not in user_roles(user).admin_clinic_ids:
        raise PermissionDenied("Only the clinic's admins can withdraw or erase a patient.")
    return enrollment


# --- Download all my data -------------------------------------------------------------------------------


@transaction.atomic
def my_data_request(*, owner: User, enrollment: Enrollment, kind: str, request=None) -> Export:
    """The patient's file of all their data, made in the background; the request itself is audited."""
    audit_log(actor=owner, action="reports.my_data.requested", enrollment=enrollment, request=request)
    return jobs.export_request(owner=owner, kind=kind, clinic=enrollment.clinic, enrollment=enrollment)


# --- Withdrawal -----------------------------------------------------------------------------------------


@transaction.atomic
def enrollment_withdraw(*, enrollment: Enrollment, by: User, reason: str, request=None) -> bool:
    """Withdraw the patient; False (and nothing changes) if they were withdrawn already."""
    locked = Enrollment.objects.select_for_update().select_related("clinic").get(pk=enrollment.pk)
    if locked.status == Enrollment.Status.WITHDRAWN:
        enrollment.status, enrollment.withdrawn_at = locked.status, locked.withdrawn_at
        return False
    if not locked.is_open:
        raise DataRightsError(_("This patient has finished the programme, so nothing is planned to stop."))
    if reason not in WithdrawReason.values:
        raise DataRightsError(_("Choose why the patient is leaving."), field="reason")
    now = timezone.now()
    locked.status, locked.withdrawn_at = Enrollment.Status.WITHDRAWN, now
    locked.save(update_fields=["status", "withdrawn_at"])
    enrollment.status, enrollment.withdrawn_at = locked.status, locked.withdrawn_at
    # Pending e-mails first: the check-in cancellations below are then the last e-mails the patient gets.
    _pending_notifications(locked).update(
        status=Notification.Status.CANCELLED, last_error="Cancelled: the patient was withdrawn"
    )
    Assessment.objects.filter(
        enrollment=locked, status__in=(Assessment.Status.SCHEDULED, Assessment.Status.OPEN)
    ).update(status=Assessment.Status.EXPIRED)
    Invitation.objects.filter(enrollment=locked, accepted_at=None, revoked_at=None).update(revoked_at=now)
    booked = CheckIn.objects.filter(enrollment=locked, status=CheckIn.Status.BOOKED, starts_at__gt=now)
    for checkin in booked.select_related("enrollment__patient", "therapist"):
        checkin_cancel(checkin=checkin, by=by, request=request)
    audit_log(
        actor=by, action="reports.patient.withdrawn", enrollment=locked, target=_Withdrawal(reason), request=request
    )
    return True


def _pending_notifications(enrollment: Enrollment):
    """The patient's e-mails still waiting to go out that belong to this enrolment. With no other open
    enrolment, all of them (whatever they are about, the programme has ended); otherwise only those
    whose context names this enrolment, one of its modules, check-ins, thread or invitations."""
    pending = Notification.objects.filter(user_id=enrollment.patient_id, status=Notification.Status.PENDING)
    elsewhere = Enrollment.objects.filter(patient_id=enrollment.patient_id, status__in=Enrollment.OPEN_STATUSES)
    if not elsewhere.exclude(pk=enrollment.pk).exists():
        return pending
    ids = {
        "planned_module_id": PlannedModule.objects.filter(plan__enrollment=enrollment),
        "checkin_id": CheckIn.objects.filter(enrollment=enrollment),
        "thread_id": Thread.objects.filter(enrollment=enrollment),
        "invitation_id": Invitation.objects.filter(enrollment=enrollment),
    }
    linked = Q(context__enrollment_id=enrollment.pk)
    for key, rows in ids.items():
        linked |= Q(**{f"context__{key}__in": list(rows.values_list("pk", flat=True))})
    return pending.filter(linked)


# --- Erasure --------------------------------------------------------------------------------------------


def erased_email(pseudonym: str) -> str:
    return f"erased-{pseudonym[:12]}@erased.invalid"


@transaction.atomic
def patient_erase(*, enrollment: Enrollment, by: User, request=None) -> Enrollment:
    """Erase the patient of ``enrollment`` (all their enrolments: the person, not one programme).

    Refused while any of their enrolments is open. Irreversible.
    """
    from outcomes.fhir import pseudonym  # imports the FHIR models: only here, not in every web process

    patient = User.objects.select_for_update().get(pk=enrollment.patient_id)
    enrollments = list(Enrollment.objects.select_for_update().filter(patient=patient).select_related("clinic"))
    target = next(e for e in enrollments if e.pk == enrollment.pk)
    if target.erased_at is not None:
        raise DataRightsError(_("This patient's details were erased already."))
    if target.is_open:
        raise DataRightsError(_("Withdraw the patient first. Only a patient who has left can be erased."))
    if any(e.is_open for e in enrollments):
        raise DataRightsError(
            _("This person is still taking part in a programme at another clinic, so they cannot be erased yet.")
        )
    now = timezone.now()
    for each in enrollments:
        each.pseudonym = each.pseudonym or pseudonym(str(each.code))
        each.erased_at = each.erased_at or now
        each.save(update_fields=["pseudonym", "erased_at"])
    ids = [each.pk for each in enrollments]
    _erase_imports(clinic_ids={each.clinic_id for each in enrollments}, email=patient.email)
    _erase_free_text(patient, ids)
    _erase_account(patient, email=erased_email(target.pseudonym), now=now)
    for each in enrollments:
        audit_log(actor=by, action="reports.patient.erased", enrollment=each, target=each, request=request)
    enrollment.pseudonym, enrollment.erased_at = target.pseudonym, target.erased_at
    return target


def _erase_free_text(patient: User, ids: list[int]) -> None:
    """Every text a person typed about the patient, in either direction. Questionnaire answers are
    whole numbers by construction (outcomes.answering) and stay, like every other number."""
    Message.objects.filter(thread__enrollment_id__in=ids).update(body=REMOVED)
    ClinicalNote.objects.filter(enrollment_id__in=ids).update(body=REMOVED)
    ExerciseResponse.objects.filter(enrollment_id__in=ids).update(data={})
    DiaryEntry.objects.filter(enrollment_id__in=ids).exclude(note="").update(note="")
    Alert.objects.filter(enrollment_id__in=ids).exclude(note="").update(note=REMOVED)
    TimeEntry.objects.filter(enrollment_id__in=ids).exclude(note="").update(note="")
    CheckIn.objects.filter(enrollment_id__in=ids).update(room="")
    support = SupportRequest.objects.filter(Q(reporter=patient) | Q(enrollment_id__in=ids))
    support.update(description=REMOVED, device="")
    support.exclude(reply="").update(reply=REMOVED)
    # Files made from the patient's data: their own downloads and progress reports, and anything
    # else made for these enrolments.
    Export.objects.filter(Q(owner=patient) | Q(enrollment_id__in=ids)).delete()
    ProgressExport.objects.filter(Q(owner=patient) | Q(enrollment_id__in=ids)).delete()
    # Research bundles of the patient's clinics made with names or free text may hold theirs: they go
    # too (the admins can make them again; the patient is then left out of names and free text).
    clinic_ids = Enrollment.objects.filter(pk__in=ids).values("clinic_id")
    Export.objects.filter(kind=Export.Kind.RESEARCH_ZIP, clinic_id__in=clinic_ids).filter(
        Q(params__identifiers=True) | Q(params__free_text=True)
    ).delete()


def _erase_imports(*, clinic_ids: set[int], email: str) -> None:
    """CSV imports keep their rows only until they are done, and their errors; drop any that name
    the patient's e-mail address (the row it sits in holds their name too)."""
    needle = email.lower()

    def keep(entries: list) -> list:
        return [entry for entry in entries if needle not in json.dumps(entry, ensure_ascii=False).lower()]

    for upload in EnrolmentImport.objects.filter(clinic_id__in=clinic_ids).only("pk", "rows", "errors"):
        rows, errors = keep(upload.rows or []), keep(upload.errors or [])
        if rows != (upload.rows or []) or errors != (upload.errors or []):
            EnrolmentImport.objects.filter(pk=upload.pk).update(rows=rows, errors=errors)


def _erase_account(patient: User, *, email: str, now) -> None:
    # Sessions end before the password changes: allauth only finds sessions whose hash still matches.
    keys = list(UserSession.objects.filter(user=patient).values_list("session_key", flat=True))
    user_sessions_end(user=patient)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    for key in keys:
        store.delete(key)
    UserSession.objects.filter(user=patient).delete()
    EmailAddress.objects.filter(user=patient).delete()
    Authenticator.objects.filter(user=patient).delete()
    patient.name, patient.email, patient.is_active = ERASED_NAME, email, False
    patient.set_unusable_password()
    patient.save(update_fields=["name", "email", "is_active", "password"])
    Invitation.objects.filter(user=patient).update(email=email, token_hash=None)
    Invitation.objects.filter(user=patient, accepted_at=None, revoked_at=None).update(revoked_at=now)
    notifications = Notification.objects.filter(user=patient)
    notifications.filter(status=Notification.Status.PENDING).update(status=Notification.Status.CANCELLED)
    notifications.update(context={}, last_error="")
    LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(User), object_id=str(patient.pk)).update(
        object_repr=ERASED_NAME
    )
