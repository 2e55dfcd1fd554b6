"""The therapist time ledger: minutes spent per patient, for workload and the clinic's cost per patient.

Actions record their own entry once (keyed by ``source``): a therapist's message, a piece of
feedback, a held check-in. Default minutes come from the clinic (``Clinic.message_minutes``,
``Clinic.feedback_minutes``) or, for a check-in, the minutes recorded for it; the therapist can edit
any entry's minutes afterwards. Manual entries (a phone call, a case review) have no source.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from clinics.models import Enrollment
from clinics.services import audit_log
from guidance.models import TimeEntry

MAX_MINUTES = 24 * 60
MANUAL_ACTIVITIES = (TimeEntry.Activity.PHONE, TimeEntry.Activity.REVIEW, TimeEntry.Activity.OTHER)


# The same manual entry sent again within this time (a double click, a retried request) is saved once.
DUPLICATE_WINDOW = datetime.timedelta(minutes=1)


class LedgerError(Exception):
    """The entry cannot be saved; the text is safe to show next to ``field``."""

    def __init__(self, message: str, *, field: str = "minutes"):
        super().__init__(message)
        self.field = field


def check_minutes(minutes: int) -> None:
    if minutes < 1 or minutes > MAX_MINUTES:
        raise LedgerError(_("Enter a number of minutes from 1 to %(max)s.") % {"max": f"{MAX_MINUTES:,}"})


def time_entry_record(
    *,
    therapist: User,
    enrollment: Enrollment,
    activity: str,
    minutes: int,
    source: str,
    at: datetime.datetime | None = None,
) -> TimeEntry:
    """The entry of one action (idempotent on ``source``): call it in the action's transaction."""
    if not source:
        raise ValueError("An action's time entry needs a source, like 'guidance.message:12'.")
    existing = TimeEntry.objects.filter(source=source).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return TimeEntry.objects.create(
                therapist=therapist,
                enrollment=enrollment,
                activity=activity,
                minutes=max(0, min(minutes, MAX_MINUTES)),
                at=at or timezone.now(),
                source=source,
            )
    except IntegrityError:  # recorded at the same moment by a retry
        return TimeEntry.objects.get(source=source)


@transaction.atomic
def time_entry_add(
    *,
    therapist: User,
    enrollment: Enrollment,
    activity: str,
    minutes: int,
    at: datetime.datetime | None = None,
    note: str = "",
    request=None,
) -> TimeEntry:
    """A manual entry by the patient's therapist (a phone call, a case review). The same entry sent
    twice within a minute (a double click, a retry) is saved once: the enrolment row is locked, so
    the second request waits for the first and then finds its entry."""
    if activity not in MANUAL_ACTIVITIES:
        raise LedgerError(_("Choose what the time was spent on."), field="activity")
    check_minutes(minutes)
    now = timezone.now()
    if at is not None and at > now + datetime.timedelta(minutes=5):
        raise LedgerError(_("The time cannot be in the future."), field="at")
    at, note = at or now, note.strip()
    Enrollment.objects.select_for_update().filter(pk=enrollment.pk).values_list("pk", flat=True).first()
    same = TimeEntry.objects.filter(
        enrollment=enrollment, therapist=therapist, source="", activity=activity, minutes=minutes, at=at, note=note,
        created_at__gte=now - DUPLICATE_WINDOW,
    ).first()  # fmt: skip
    if same is not None:
        return same
    entry = TimeEntry.objects.create(
        therapist=therapist, enrollment=enrollment, activity=activity, minutes=minutes, at=at, note=note
    )
    audit_log(actor=therapist, action="guidance.time.added", enrollment=enrollment, target=entry, request=request)
    return entry


@transaction.atomic
def time_entry_change_minutes(*, entry: TimeEntry, minutes: int, by: User, request=None) -> TimeEntry:
    """The therapist corrects an entry's minutes (their own entries only)."""
    if entry.therapist_id != by.pk:
        raise LedgerError(_("You can only change your own time entries."))
    check_minutes(minutes)
    TimeEntry.objects.filter(pk=entry.pk).update(minutes=minutes, updated_at=timezone.now())
    entry.minutes = minutes
    audit_log(actor=by, action="guidance.time.changed", enrollment=entry.enrollment, target=entry, request=request)
    return entry
