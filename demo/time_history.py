"""Demo time ledger: a few manual entries (phone calls, case reviews) over a demo patient's past weeks.

Made with the ledger's own service, as the therapist would. Idempotent: a patient who already has a
manual entry gets nothing more, so running the seed again adds nothing.
"""

import datetime

from django.utils import timezone

from clinics.models import Enrollment
from guidance.ledger import time_entry_add
from guidance.models import TimeEntry

# (days ago, hour in the therapist's zone, activity, minutes, note)
ENTRIES = (
    (18, 10, TimeEntry.Activity.REVIEW, 20, "Reviewed baseline questionnaires"),
    (11, 14, TimeEntry.Activity.PHONE, 15, "Phone call about pacing"),
    (4, 9, TimeEntry.Activity.REVIEW, 10, "Case review before the check-in"),
)


def seed_time(enrollment: Enrollment) -> int:
    """Add the demo's manual entries for the enrolment's therapist; returns how many were added."""
    therapist = enrollment.therapist
    if therapist is None or TimeEntry.objects.filter(enrollment=enrollment, source="").exists():
        return 0
    zone = therapist.zone
    today = timezone.localdate(timezone.now(), zone)
    added = 0
    for days_ago, hour, activity, minutes, note in ENTRIES:
        day = today - datetime.timedelta(days=days_ago)
        if day < enrollment.start_date:
            continue  # no work for a patient before they started
        at = datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone)
        time_entry_add(therapist=therapist, enrollment=enrollment, activity=activity, minutes=minutes, at=at, note=note)
        added += 1
    return added
