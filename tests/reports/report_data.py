"""Patients for the clinic report tests, made in groups with bulk_create (5,000 take a few seconds).

Everyone in a group shares one story: their status, their baseline questionnaires, the days (from
the start date) they started and finished each module, their therapist's minutes, their last activity
and their support requests. ``STORY`` is the hand-built data set whose report numbers the tests check.
"""

import datetime
import itertools
from dataclasses import dataclass, field

from django.utils import timezone

from accounts.models import User
from clinics.models import Enrollment, SupportRequest
from guidance.models import TimeEntry
from modules.models import EngagementEvent, Plan, PlannedModule
from outcomes.models import Assessment

# The report is made on day 56 (the start of week 9), now, so that pages (which use the clock) and
# selectors (given NOW) see the same story.
NOW = timezone.now()
START = NOW.date() - datetime.timedelta(days=56)
BASELINE_KEYS = ("phq9", "gad7")
_serial = itertools.count(1)


def at(day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(START + datetime.timedelta(days=day), datetime.time(hour), tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Group:
    count: int
    status: str = Enrollment.Status.ACTIVE
    activated: bool = True
    baseline: tuple[str, ...] = ()  # the status of each baseline questionnaire
    modules: tuple[tuple[int | None, int | None], ...] = ()  # (day started, day finished) per plan module
    minutes: tuple[tuple[str, int], ...] = ()  # (activity, minutes) per patient
    last_activity: int | None = None  # day of the patient's last engagement event
    support: tuple[tuple[str, str], ...] = ()  # (category, status): one request each from the first patients
    contact_mode: str = Enrollment.ContactMode.ASYNC
    start: datetime.date = field(default=START)


DONE, EXPIRED = Assessment.Status.COMPLETED, Assessment.Status.EXPIRED
FOUR_DONE = ((1, 3), (8, 10), (15, 17), (22, 24))

# The hand-built data set (25 patients, 4 planned modules each), described in test_report_selectors.py.
STORY = {
    "invited": Group(5, status=Enrollment.Status.INVITED, activated=False),
    "halfway": Group(
        5,
        baseline=(DONE,),
        modules=((1, 3), (8, 10), (None, None), (None, None)),
        minutes=(("message", 10), ("feedback", 15)),
        last_activity=54,
        support=(("page", "open"),) * 5,
    ),
    "finished": Group(
        5,
        baseline=(DONE, DONE),
        modules=FOUR_DONE,
        minutes=(("message", 10), ("feedback", 15), ("checkin", 30)),
        last_activity=55,
        support=(("sign_in", "resolved"),) * 3,
    ),
    "withdrawn": Group(
        5,
        status=Enrollment.Status.WITHDRAWN,
        baseline=(DONE, EXPIRED),
        modules=((1, 20), (None, None), (None, None), (None, None)),
        minutes=(("message", 12),),
        last_activity=16,
    ),
    "idle": Group(5, modules=((None, None),) * 4, last_activity=2),
}


def make_group(cohort, modules, group: Group, *, therapist=None) -> list[Enrollment]:
    users = User.objects.bulk_create(
        User(email=f"report-patient-{n}@example.com", name=f"Patient {n}", password="!")
        for n in itertools.islice(_serial, group.count)
    )
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(
            patient_id=user.pk,
            clinic_id=cohort.clinic_id,
            cohort_id=cohort.pk,
            program_id=cohort.program_id,
            therapist=therapist,
            status=group.status,
            contact_mode=group.contact_mode,
            start_date=group.start,
            activated_at=at(0, 9) if group.activated else None,
            withdrawn_at=at(21) if group.status == Enrollment.Status.WITHDRAWN else None,
        )
        for user in users
    )
    if group.modules:
        _plans(enrollments, modules, group)
    _assessments(enrollments, group)
    _minutes(enrollments, group, therapist)
    if group.last_activity is not None:
        EngagementEvent.objects.bulk_create(
            EngagementEvent(enrollment_id=e.pk, kind=EngagementEvent.Kind.PAGE_VIEWED, at=at(group.last_activity))
            for e in enrollments
        )
    SupportRequest.objects.bulk_create(
        SupportRequest(
            clinic_id=e.clinic_id,
            enrollment_id=e.pk,
            reporter_id=e.patient_id,
            category=category,
            status=status,
            description="Help",
        )
        for e, (category, status) in zip(enrollments, group.support, strict=False)
    )
    return enrollments


def _plans(enrollments, modules, group: Group) -> None:
    plans = Plan.objects.bulk_create(Plan(enrollment_id=e.pk) for e in enrollments)
    PlannedModule.objects.bulk_create(
        PlannedModule(
            plan_id=plan.pk,
            module_id=module.pk,
            position=index + 1,
            unlock_on=group.start + datetime.timedelta(days=7 * index),
            unlocked_at=at(7 * index, 0),
            started_at=at(started) if started is not None else None,
            completed_at=at(finished) if finished is not None else None,
        )
        for plan in plans
        for index, (module, (started, finished)) in enumerate(zip(modules, group.modules, strict=False))
    )


def _assessments(enrollments, group: Group) -> None:
    Assessment.objects.bulk_create(
        Assessment(
            enrollment_id=e.pk,
            instrument_key=key,
            instrument_version=f"{key}-test",
            occasion="baseline",
            occasion_kind="baseline",
            opens_at=at(0),
            due_at=at(3),
            closes_at=at(7),
            status=status,
            total=8 + n % 7 if status == DONE else None,
            submitted_at=at(1) if status == DONE else None,
        )
        for n, e in enumerate(enrollments)
        for key, status in zip(BASELINE_KEYS, group.baseline, strict=False)
    )


def _minutes(enrollments, group: Group, therapist) -> None:
    if not group.minutes:
        return
    # The ledger needs a user; who it is does not matter to the report.
    therapist_id = therapist.pk if therapist else enrollments[0].patient_id
    TimeEntry.objects.bulk_create(
        TimeEntry(therapist_id=therapist_id, enrollment_id=e.pk, activity=activity, minutes=minutes, at=at(10))
        for e in enrollments
        for activity, minutes in group.minutes
    )


def make_story(cohort, modules, *, therapist=None, groups=None) -> dict[str, list[Enrollment]]:
    return {name: make_group(cohort, modules, group, therapist=therapist) for name, group in (groups or STORY).items()}


def scaled_story(total: int) -> dict[str, Group]:
    """The story's kinds of patient, ``total`` of them split evenly, leaner (two planned modules, one
    therapist entry, a support request from one in five) so 5,000 are made in seconds."""
    each = total // len(STORY)
    return {
        name: Group(
            **{
                **group.__dict__,
                "count": each,
                "baseline": group.baseline[:1],
                "modules": group.modules[:2],
                "minutes": group.minutes[:1],
                "support": group.support[:1] * (each // 5),
            }
        )
        for name, group in STORY.items()
    }
