"""Enrolling a CSV file of patients: the upload (checked whole, nothing written unless every row is
valid) and the background job that enrols the rows.

The job (``enrolment_import_run``, called by the task ``clinics.run_enrolment_import``) works in
chunks, one transaction each: it locks the import row, re-checks the chunk against the database
(an address may have got an account since the upload), enrols it and moves ``processed_rows`` on in
the same transaction. A worker killed mid-way loses its open chunk only; the task runs again (late
acknowledgement) and carries on from ``processed_rows``, so nobody is enrolled or invited twice.
Logs carry the import's id and counts, never a name or an e-mail address.
"""

import datetime
import hashlib
import logging
import time
import zoneinfo

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateformat import format as date_format

from accounts.models import User
from clinics import csv_import
from clinics.models import Clinic, Cohort, Enrollment, EnrolmentImport, Invitation, Membership
from clinics.services import audit_log, invitation_create

logger = logging.getLogger(__name__)

CHUNK_ROWS = 100
# One task run stops after this long and enqueues the next, well inside the soft time limit (120 s).
RUN_BUDGET_SECONDS = 60.0


class ImportRefused(Exception):
    """The upload is not enrolled. ``message`` is safe to show; ``errors`` lists the rows to fix;
    ``earlier`` is the import of the same file, when that is the reason."""

    def __init__(self, message: str, *, errors=None, earlier: EnrolmentImport | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.earlier = earlier


# --- Upload ----------------------------------------------------------------------------------------


def enrolment_import_start(*, cohort: Cohort, by: User, filename: str, content: bytes, request=None) -> EnrolmentImport:
    """Check the whole file; if every row is valid, record the import and start its job."""
    if not cohort.is_open:
        raise ImportRefused("This cohort is closed, so it takes no new patients.")
    if len(content) > csv_import.MAX_BYTES:
        raise ImportRefused("The file is larger than 2 MB. Split it into smaller files.")
    file_hash = hashlib.sha256(content).hexdigest()
    _refuse_if_uploaded_before(cohort.clinic, file_hash)
    try:
        parsed = csv_import.parse_csv(content)
    except csv_import.CsvProblem as problem:
        raise ImportRefused(problem.message, errors=problem.errors) from None
    result = csv_import.validate_rows(parsed, upload_lookup(cohort, csv_import.row_emails(parsed)))
    if result.errors:
        count = len(result.errors)
        raise ImportRefused(
            f"The file has {count} {'problem' if count == 1 else 'problems'}. Nothing was enrolled. "
            "Fix the rows listed below and upload the file again.",
            errors=result.errors,
        )
    return _record_import(cohort, by, filename, file_hash, result, request)


def _refuse_if_uploaded_before(clinic: Clinic, file_hash: str) -> None:
    # A failed import may have stopped part-way; the same file may be tried again (rows it did
    # enrol are then skipped or reported, never enrolled twice).
    earlier = (
        EnrolmentImport.objects.filter(clinic=clinic, file_hash=file_hash)
        .exclude(status=EnrolmentImport.Status.FAILED)
        .order_by("-created_at")
        .first()
    )
    if earlier is not None:
        when = date_format(timezone.localtime(earlier.created_at), r"j M Y \a\t H:i")
        raise ImportRefused(
            f"This file was uploaded before, on {when}. Nothing new was created.",
            earlier=earlier,
        )


def upload_lookup(cohort: Cohort, emails: list[str]) -> csv_import.Lookup:
    """Two queries for the whole file: the accounts among its addresses, and the clinic's therapists."""
    in_cohort = Enrollment.objects.filter(patient=OuterRef("pk"), cohort=cohort)
    existing = dict(
        User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .annotate(in_cohort=Exists(in_cohort))
        .values_list("email_lower", "in_cohort")
    )
    therapists = dict(
        clinic_therapists(cohort.clinic_id).annotate(email_lower=Lower("email")).values_list("email_lower", "pk")
    )
    default_therapist = cohort.default_therapist_id if cohort.default_therapist_id in therapists.values() else None
    return csv_import.Lookup(
        existing=existing,
        therapists=therapists,
        default_therapist_id=default_therapist,
        default_contact_mode=cohort.default_contact_mode,
        default_time_zone=cohort.clinic.time_zone,
        default_language=cohort.language,
    )


def clinic_therapists(clinic_id: int):
    return User.objects.filter(
        memberships__clinic_id=clinic_id,
        memberships__role=Membership.Role.THERAPIST,
        memberships__is_active=True,
        is_active=True,
    )


def _record_import(cohort, by, filename, file_hash, result, request) -> EnrolmentImport:
    from clinics.tasks import run_enrolment_import  # tasks.py imports this module

    with transaction.atomic():
        # Two uploads of one file at the same moment: the second waits here, then finds the first.
        Clinic.objects.select_for_update().filter(pk=cohort.clinic_id).exists()
        _refuse_if_uploaded_before(cohort.clinic, file_hash)
        enrolment_import = EnrolmentImport.objects.create(
            clinic=cohort.clinic,
            cohort=cohort,
            uploaded_by=by,
            filename=filename[:200],
            file_hash=file_hash,
            rows=[row.as_dict() for row in result.to_enrol],
            total_rows=len(result.to_enrol),
            skipped_count=len(result.already_enrolled),
        )
        audit_log(
            actor=by,
            action="clinics.enrolment_import.started",
            clinic=cohort.clinic,
            target=enrolment_import,
            request=request,
        )
        # robust: a lost hand-off (broker down) is logged, not a 500; resume_enrolment_imports picks it up.
        transaction.on_commit(lambda: run_enrolment_import.delay(enrolment_import.pk), robust=True)
    logger.info("enrolment import %s: rows to enrol: %s", enrolment_import.pk, enrolment_import.total_rows)
    return enrolment_import


# --- The job ---------------------------------------------------------------------------------------


def enrolment_import_run(import_id: int, *, budget_seconds: float = RUN_BUDGET_SECONDS) -> bool:
    """Enrol the import's rows, chunk by chunk. True when rows remain after the time budget (the
    task then enqueues itself again)."""
    if not _claim(import_id):
        return False
    deadline = time.monotonic() + budget_seconds
    while _run_chunk(import_id):
        if time.monotonic() >= deadline:
            return True
    return False


def _claim(import_id: int) -> bool:
    Status = EnrolmentImport.Status
    claimed = EnrolmentImport.objects.filter(pk=import_id, status=Status.PENDING).update(
        status=Status.RUNNING, started_at=timezone.now()
    )
    if claimed:
        return True
    # A running import whose worker died (or a re-enqueued run) carries on where it stopped.
    return EnrolmentImport.objects.filter(pk=import_id, status=Status.RUNNING).exists()


@transaction.atomic
def _run_chunk(import_id: int) -> bool:
    """Enrol the next chunk; False when there is nothing more to do."""
    enrolment_import = (
        EnrolmentImport.objects.select_for_update(of=("self",))
        .select_related("clinic", "cohort", "uploaded_by")
        .get(pk=import_id)
    )
    if enrolment_import.status != EnrolmentImport.Status.RUNNING:
        return False
    start = enrolment_import.processed_rows
    chunk = enrolment_import.rows[start : start + CHUNK_ROWS]
    if not chunk:
        _finish(enrolment_import, EnrolmentImport.Status.DONE)
        return False
    if not enrolment_import.cohort.is_open:
        enrolment_import.errors = [*enrolment_import.errors, _closed_error(len(enrolment_import.rows) - start)]
        _finish(enrolment_import, EnrolmentImport.Status.FAILED)
        return False
    _enrol_chunk(enrolment_import, chunk)
    enrolment_import.processed_rows = start + len(chunk)
    enrolment_import.save(update_fields=["processed_rows", "created_count", "skipped_count", "errors"])
    return True


def _closed_error(remaining: int) -> dict:
    message = f"The cohort was closed before the job ended. {remaining} patients in the file were not enrolled."
    return csv_import.RowError(None, "", message).as_dict()


def _enrol_chunk(enrolment_import: EnrolmentImport, chunk: list[dict]) -> None:
    """Re-check the chunk against the database (two queries), then enrol each valid row."""
    accounts = _chunk_accounts(enrolment_import, [row["email"] for row in chunk])
    therapist_ids = set(
        clinic_therapists(enrolment_import.clinic_id)
        .filter(pk__in={row["therapist_id"] for row in chunk})
        .values_list("pk", flat=True)
    )
    start_date = _start_date(enrolment_import.cohort, enrolment_import.clinic)
    errors = list(enrolment_import.errors)
    for row in chunk:
        account = accounts.get(row["email"])
        if account == "this_import":
            continue  # enrolled by this import already; never twice
        if account == "this_cohort":
            enrolment_import.skipped_count += 1
        elif account == "other":
            errors.append(_row_error(row, "email", "This e-mail address got a Steady account after the upload."))
        elif row["therapist_id"] not in therapist_ids:
            errors.append(_row_error(row, "therapist_email", "This therapist has left the clinic since the upload."))
        elif _enrol_row(enrolment_import, row, start_date):
            enrolment_import.created_count += 1
        else:
            errors.append(_row_error(row, "email", "This e-mail address got a Steady account after the upload."))
    enrolment_import.errors = errors


def _chunk_accounts(enrolment_import: EnrolmentImport, emails: list[str]) -> dict[str, str]:
    """E-mail -> 'this_import', 'this_cohort' or 'other', for the chunk's addresses with an account."""
    by_import = Enrollment.objects.filter(patient=OuterRef("pk"), enrolment_import=enrolment_import)
    in_cohort = Enrollment.objects.filter(patient=OuterRef("pk"), cohort_id=enrolment_import.cohort_id)
    rows = (
        User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .annotate(by_import=Exists(by_import), in_cohort=Exists(in_cohort))
        .values_list("email_lower", "by_import", "in_cohort")
    )
    return {
        email: "this_import" if by_import else "this_cohort" if in_cohort else "other"
        for email, by_import, in_cohort in rows
    }


def _row_error(row: dict, column: str, message: str) -> dict:
    return csv_import.RowError(row["row"], csv_import.COLUMNS[column], message).as_dict()


def _start_date(cohort: Cohort, clinic: Clinic) -> datetime.date:
    """The cohort's start date; today (at the clinic) for patients added after it started."""
    today = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(clinic.time_zone)).date()
    return max(cohort.start_date, today)


def _enrol_row(enrolment_import: EnrolmentImport, row: dict, start_date: datetime.date) -> bool:
    """Make the patient's account, enrolment and invitation; False if the address was taken meanwhile."""
    clinic, by = enrolment_import.clinic, enrolment_import.uploaded_by
    try:
        with transaction.atomic():
            patient = User.objects.create_user(
                email=row["email"],
                password=None,
                name=f"{row['first_name']} {row['last_name']}",
                time_zone=row["time_zone"],
                language=row["language"],
                reminder_hour=clinic.reminder_hour,
                is_active=False,
            )
    except IntegrityError:
        return False
    enrollment = Enrollment.objects.create(
        patient=patient,
        clinic=clinic,
        cohort=enrolment_import.cohort,
        program_id=enrolment_import.cohort.program_id,
        therapist_id=row["therapist_id"],
        contact_mode=row["contact_mode"],
        start_date=start_date,
        enrolment_import=enrolment_import,
    )
    invitation_create(user=patient, clinic=clinic, role=Invitation.Role.PATIENT, enrollment=enrollment, by=by)
    audit_log(actor=by, action="clinics.enrollment.created", enrollment=enrollment, target=enrollment)
    return True


def _finish(enrolment_import: EnrolmentImport, status: str) -> None:
    enrolment_import.status = status
    enrolment_import.finished_at = timezone.now()
    enrolment_import.rows = []  # names and addresses do not linger once the job is over
    enrolment_import.save(update_fields=["status", "finished_at", "rows", "errors"])
    audit_log(
        actor=enrolment_import.uploaded_by,
        action="clinics.enrolment_import.finished",
        clinic=enrolment_import.clinic,
        target=enrolment_import,
    )
    logger.info(
        "enrolment import %s %s: %s created, %s skipped, %s problems",
        enrolment_import.pk,
        status,
        enrolment_import.created_count,
        enrolment_import.skipped_count,
        len(enrolment_import.errors),
    )


# The upload's hand-off to a worker can be lost (broker down at commit); a worker that dies is
# redelivered (late acknowledgement), but its re-enqueue of the next run can be lost too.
PENDING_TOO_LONG = datetime.timedelta(minutes=5)
RUNNING_TOO_LONG = datetime.timedelta(minutes=30)


def stuck_import_ids(now: datetime.datetime | None = None) -> list[int]:
    """Imports whose job seems lost. Running one again is safe: it claims and locks as it goes."""
    now = now or timezone.now()
    Status = EnrolmentImport.Status
    return list(
        EnrolmentImport.objects.filter(
            Q(status=Status.PENDING, created_at__lt=now - PENDING_TOO_LONG)
            | Q(status=Status.RUNNING, started_at__lt=now - RUNNING_TOO_LONG)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def enrolment_import_fail(import_id: int) -> None:
    """The job hit an unexpected error: stop it, keep what was enrolled, and forget the file's rows."""
    with transaction.atomic():
        enrolment_import = (
            EnrolmentImport.objects.select_for_update(of=("self",))
            .select_related("clinic", "uploaded_by")
            .filter(pk=import_id, status__in=[EnrolmentImport.Status.PENDING, EnrolmentImport.Status.RUNNING])
            .first()
        )
        if enrolment_import is None:
            return
        message = "Something went wrong and the job stopped. The patients enrolled before that are listed below."
        enrolment_import.errors = [*enrolment_import.errors, csv_import.RowError(None, "", message).as_dict()]
        _finish(enrolment_import, EnrolmentImport.Status.FAILED)
