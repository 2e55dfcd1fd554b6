"""A finished demo cohort, so the clinic reports have something to show.

Twenty patients of Northside started the programme 20 weeks ago: most finished it, a few stopped
early (withdrawn), and their questionnaires follow a mix of courses (most improve, some hold
steady, a few get worse). Everything goes through Steady's own services (module completion,
questionnaire submission, the time ledger), so what the reports compute is what Steady computes.
These patients have no password (they finished months ago, and hashing twenty passwords would
slow the seed): they are there for the reports, not to sign in as.
"""

import datetime
import random

from django.utils import timezone

from accounts.models import User
from clinics.models import Clinic, Cohort, Enrollment, Membership
from demo.history import seed_history
from demo.outcomes_history import answers_for
from guidance.ledger import time_entry_record
from guidance.models import TimeEntry
from modules.models import Program
from outcomes import schedule
from outcomes.alerts import alert_acknowledge
from outcomes.answering import assessment_submit
from outcomes.instruments import get_instrument
from outcomes.models import Alert, Assessment

COHORT_NAME = "Spring group"
SIZE = 20
WEEKS_AGO = 20
FIRST_NAMES = ["Ann", "Brian", "Carol", "Derek", "Elaine", "Frank", "Gail", "Harold", "Irene", "Jack"]
LAST_NAMES = ["Archer", "Baker"]
# (share, course): how unwell each patient is from baseline (week 0) to the end (week 9).
COURSES = [(0.6, "improving"), (0.3, "steady"), (0.1, "deteriorating")]
DROPOUTS = {4: 3, 11: 5, 17: 2}  # patient index -> the week they stopped


def _level(course: str, start: float, week: int, rng: random.Random) -> float:
    change = {"improving": -0.04, "steady": 0.0, "deteriorating": 0.03}[course]
    return min(0.95, max(0.05, start + change * min(week, 9) + rng.uniform(-0.08, 0.08)))


def _week(assessment: Assessment) -> int:
    if assessment.occasion.startswith("week-"):
        return int(assessment.occasion.split("-")[1]) - 1
    return {"baseline": 0, "midpoint": 5, "post": 9}.get(assessment.occasion, 12)


def _course(index: int) -> str:
    position, total = (index + 0.5) / SIZE, 0.0
    for share, course in COURSES:
        total += share
        if position < total:
            return course
    return COURSES[-1][1]


def _answer_questionnaires(enrollment: Enrollment, course: str, until: datetime.datetime, rng) -> None:
    schedule.schedule_sync(enrollment)
    start = rng.uniform(0.4, 0.8)  # people start the programme more and less unwell
    due = Assessment.objects.filter(enrollment=enrollment, opens_at__lte=until).order_by("opens_at", "position")
    for assessment in due:
        if assessment.status == Assessment.Status.COMPLETED:
            continue
        if assessment.occasion_kind != "baseline" and rng.random() < 0.08:
            continue  # now and then a later questionnaire goes unanswered, as in real life
        instrument = get_instrument(assessment.instrument_key)
        if instrument.key == "adverse_events":  # a few felt worse at some point, mostly a little
            answers = {"ae_any": 1, "ae_bother": rng.choice([1, 2, 3])} if rng.random() < 0.15 else {"ae_any": 0}
        else:
            answers = answers_for(instrument, _level(course, start, _week(assessment), rng), rng, risk=False)
        Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.OPEN)
        assessment_submit(assessment=assessment, answers=answers, by=enrollment.patient)
        answered_at = assessment.opens_at + datetime.timedelta(hours=20)
        Assessment.objects.filter(pk=assessment.pk).update(submitted_at=answered_at)


def _record_time(enrollment: Enrollment, weeks: int, rng) -> None:
    """Weekly feedback and some messages, as the ledger records them for those actions."""
    zone = enrollment.therapist.zone
    for week in range(weeks):
        day = enrollment.start_date + datetime.timedelta(weeks=week, days=3)
        at = datetime.datetime.combine(day, datetime.time(11), tzinfo=zone)
        entries = [(TimeEntry.Activity.FEEDBACK, rng.choice([10, 15, 15, 20]), at)]
        if rng.random() < 0.5:
            entries.append((TimeEntry.Activity.MESSAGE, 5, at + datetime.timedelta(days=1)))
        if enrollment.contact_mode != Enrollment.ContactMode.ASYNC and week % 2 == 0:
            entries.append((TimeEntry.Activity.CHECKIN, 30, at + datetime.timedelta(days=2)))
        for activity, minutes, when in entries:
            time_entry_record(
                therapist=enrollment.therapist,
                enrollment=enrollment,
                activity=activity,
                minutes=minutes,
                at=when,
                source=f"demo.spring:{enrollment.pk}:{week}:{activity}",
            )


def _close_alerts(enrollment: Enrollment) -> None:
    for alert in Alert.objects.filter(enrollment=enrollment, acknowledged_at=None):
        alert_acknowledge(alert=alert, by=enrollment.therapist, note="Discussed at the final review; plan agreed.")


def seed_past_cohort(clinic: Clinic, program: Program) -> None:
    if Cohort.objects.filter(clinic=clinic, name=COHORT_NAME).exists():
        return
    today = timezone.localdate()
    start = today - datetime.timedelta(days=today.weekday(), weeks=WEEKS_AGO)
    cohort = Cohort.objects.create(clinic=clinic, program=program, name=COHORT_NAME, start_date=start, is_open=False)
    therapists = list(
        User.objects.filter(memberships__clinic=clinic, memberships__role=Membership.Role.THERAPIST).order_by("pk")
    )
    modes = [Enrollment.ContactMode.ASYNC, Enrollment.ContactMode.MIXED, Enrollment.ContactMode.SYNC]
    for index in range(SIZE):
        rng = random.Random(f"steady-demo-spring-{index}")  # noqa: S311 - demo data, not security
        name = f"{FIRST_NAMES[index % 10]} {LAST_NAMES[index // 10]}"
        patient = User.objects.create_user(
            email=f"spring{index + 1:02d}@example.com", password=None, name=name, time_zone=clinic.time_zone
        )
        stopped = DROPOUTS.get(index)
        enrollment = Enrollment.objects.create(
            patient=patient,
            clinic=clinic,
            cohort=cohort,
            program=program,
            therapist=therapists[index % len(therapists)],
            contact_mode=modes[index % 3],
            status=Enrollment.Status.ACTIVE,
            start_date=start,
            activated_at=timezone.make_aware(datetime.datetime.combine(start, datetime.time(10))),
        )
        weeks = stopped or 10
        until = timezone.now() if stopped is None else enrollment.activated_at + datetime.timedelta(weeks=stopped)
        # Questionnaires first: finishing the baseline is what opens module 1.
        _answer_questionnaires(enrollment, _course(index), until, rng)
        schedule.schedule_sync(enrollment)  # sees the finished baseline and opens module 1, as the sweep would
        seed_history(enrollment, weeks_in=weeks)
        _record_time(enrollment, min(weeks, 9), rng)
        _close_alerts(enrollment)
        if stopped is None:
            Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.COMPLETED)
        else:
            Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.WITHDRAWN, withdrawn_at=until)
    schedule.expire_due(now=timezone.now())
