"""A patient with a row in every table that holds patient data, each free text a findable sentinel.

Used by the "download all my data" and erasure tests: the download must contain the sentinels, and
after erasure none of them may be found anywhere in the database.
"""

import datetime

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from clinics.models import Consent, EnrolmentImport, Invitation, SupportRequest
from clinics.services import audit_log
from guidance.models import CheckIn, ClinicalNote, Feedback, Message, TimeEntry
from guidance.services import thread_ensure
from modules import plans
from modules.models import DiaryEntry, EngagementEvent, Exercise, ExerciseResponse, PageVisit
from notifications.services import notify
from outcomes.models import Alert, Assessment
from outcomes.models import Export as ProgressExport
from reports.models import Export
from tests.conftest import with_totp
from tests.factories import EnrollmentFactory, make_program

NAME = "Zebedee Quillfeather"
EMAIL = "zebedee.quillfeather@example.org"
EXERCISE = "SENTINEL-EXERCISE I will garden for ten minutes"
DIARY = "SENTINEL-DIARY walked to the allotment"
MESSAGE = "SENTINEL-MESSAGE my knee hurts on Tuesdays"
REPLY = "SENTINEL-REPLY well done Zebedee, keep pacing"
NOTE = "SENTINEL-NOTE lives with daughter, drives to work"
ALERT_NOTE = "SENTINEL-ALERT phoned Zebedee, safe now"
TIME_NOTE = "SENTINEL-TIME call about the knee"
SUPPORT = "SENTINEL-SUPPORT the page is blank on my tablet"
SUPPORT_REPLY = "SENTINEL-SUPPORT-REPLY try reloading, Zebedee"
DEVICE = "SENTINEL-DEVICE Firefox 140 on Linux"
ROOM = "sentinel-room-9f8e7d"
# Everything that identifies the patient or was typed about them.
SENTINELS = [NAME, EMAIL, EXERCISE, DIARY, MESSAGE, REPLY, NOTE, ALERT_NOTE, TIME_NOTE, SUPPORT, SUPPORT_REPLY]
SENTINELS += [DEVICE, ROOM, "Zebedee", "Quillfeather"]

PHQ9 = {f"phq9_{n}": 1 for n in range(1, 10)} | {"phq9_10": 1}


def sentinel_enrollment(cohort, therapist, **kwargs):
    return EnrollmentFactory(
        cohort=cohort, therapist=therapist, **{"patient__name": NAME, "patient__email": EMAIL, **kwargs}
    )


def fill_record(enrollment, therapist, *, rows: int = 1) -> None:
    """``rows`` of each kind of data for the enrolment's patient (a program with 2 weeks is made)."""
    patient = enrollment.patient
    now = timezone.now()
    with_totp(patient)
    Consent.objects.create(user=patient, enrollment=enrollment, kind=Consent.Kind.TREATMENT, version="1")
    program = enrollment.program
    if not program.modules.exists():
        make_program(weeks=2, pages=1, optional=0, program=program)
    plan = plans.plan_ensure(enrollment)
    first = plan.items.order_by("position").first()
    plans.unlock_item(first, now=now)
    module, page = first.module, first.module.pages.first()
    PageVisit.objects.get_or_create(enrollment=enrollment, page=page)
    EngagementEvent.objects.create(enrollment=enrollment, kind=EngagementEvent.Kind.PAGE_VIEWED, module=module)
    thread = thread_ensure(enrollment=enrollment)
    for n in range(rows):
        exercise, _ = Exercise.objects.get_or_create(
            module=module, slug=f"plan-{n}", defaults={
                "page": page, "kind": "reflection", "title": f"Your plan {n}",
                "config": {"questions": [{"key": "plan", "label": "What will you do?"}]},
            },
        )  # fmt: skip
        response = ExerciseResponse.objects.create(
            enrollment=enrollment, exercise=exercise, data={"plan": EXERCISE}, version=1, submitted_at=now
        )
        DiaryEntry.objects.create(
            enrollment=enrollment, date=timezone.localdate() - datetime.timedelta(days=n), pain=6, mood=4, note=DIARY
        )
        Message.objects.create(thread=thread, author=patient, body=MESSAGE)
        reply = Message.objects.create(thread=thread, author=therapist, body=REPLY)
        Feedback.objects.create(
            enrollment=enrollment, module=module, response=response, message=reply, author=therapist
        )
        assessment = Assessment.objects.create(
            enrollment=enrollment, instrument_key="phq9", instrument_version="phq9-en-pfizer-1", occasion=f"week-{n}",
            occasion_kind="weekly", opens_at=now, due_at=now, closes_at=now, status=Assessment.Status.COMPLETED,
            answers=PHQ9, total=9, band="mild", flags=["risk"], submitted_at=now,
        )  # fmt: skip
        Alert.objects.create(
            enrollment=enrollment, assessment=assessment, kind=Alert.Kind.RISK, acknowledged_by=therapist,
            acknowledged_at=now, note=ALERT_NOTE,
        )  # fmt: skip
        starts = now - datetime.timedelta(days=n + 1)
        CheckIn.objects.create(
            enrollment=enrollment, therapist=therapist, starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=30), booked_by=patient, room=f"{ROOM}-{n}",
            status=CheckIn.Status.HELD, minutes=30,
        )  # fmt: skip
        TimeEntry.objects.create(
            therapist=therapist, enrollment=enrollment, activity="phone", minutes=12, note=TIME_NOTE
        )
        ClinicalNote.objects.create(enrollment=enrollment, author=therapist, body=NOTE)
        SupportRequest.objects.create(
            clinic=enrollment.clinic, enrollment=enrollment, reporter=patient, category="page", description=SUPPORT,
            device=DEVICE, reply=SUPPORT_REPLY,
        )  # fmt: skip
        audit_log(actor=therapist, action="guidance.patient.viewed", enrollment=enrollment, target=enrollment)
    Invitation.objects.create(
        user=patient, email=patient.email, clinic=enrollment.clinic, role="patient", enrollment=enrollment,
        token_hash=f"{enrollment.pk:064d}", expires_at=now + datetime.timedelta(days=7), accepted_at=now,
    )  # fmt: skip
    notify(user=patient, kind="modules.module_ready", dedupe_key=f"sentinel:{enrollment.pk}", context={"name": NAME})
    Export.objects.create(
        owner=patient, clinic=enrollment.clinic, enrollment=enrollment, kind=Export.Kind.MY_DATA_JSON,
        status=Export.Status.DONE, content=f'{{"name": "{NAME}"}}'.encode(), filename="steady-my-data.json",
    )  # fmt: skip
    ProgressExport.objects.create(owner=patient, enrollment=enrollment, kind=ProgressExport.Kind.PROGRESS_PDF)
    EnrolmentImport.objects.create(
        clinic=enrollment.clinic, cohort=enrollment.cohort, uploaded_by=therapist, file_hash="f" * 64,
        rows=[{"email": EMAIL, "first_name": "Zebedee"}, {"email": "someone.else@example.org", "first_name": "Ann"}],
        errors=[{"row": 2, "column": "email", "message": f"{EMAIL} is enrolled already"}],
    )  # fmt: skip
    LogEntry.objects.create(
        user=therapist, content_type=ContentType.objects.get_for_model(patient), object_id=str(patient.pk),
        object_repr=str(patient), action_flag=CHANGE, change_message="[]",
    )  # fmt: skip
