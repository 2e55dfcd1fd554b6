"""When each patient is asked which questionnaires, and the sweeps that open, remind and expire them.

Dates are the patient's own: an occasion opens at the start of its day in the patient's time zone,
is due 3 days later and expires after 7. ``schedule_sync`` derives the assessments from the
enrolment, its plan and the programme's measurement plan; it is idempotent and never changes or
removes anything that has opened, been reminded about or answered (changing a plan moves only
what is still to come). The sweeps claim rows with conditional UPDATEs, so two at once do each
thing once.
"""

import datetime
import math

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from clinics.models import Enrollment
from modules.models import PlannedModule, Program
from modules.plans import local_midnight, plan_end_date, plan_ensure, plan_release_gate
from notifications.registry import NoLongerNeeded
from notifications.services import notify
from outcomes.instruments import available_instruments, get_instrument
from outcomes.models import Assessment, MeasurementPlanEntry, Occasion

DUE_AFTER = datetime.timedelta(days=3)
CLOSES_AFTER = datetime.timedelta(days=7)
OPEN_REMINDER_KIND = "outcomes.questionnaire_open"
DUE_REMINDER_KIND = "outcomes.questionnaire_due"

BASELINE_SET = ["phq9", "gad7", "peg3", "nrs_fatigue", "k10", "who5", "pseq"]
DEFAULT_PLAN = {
    Occasion.BASELINE: BASELINE_SET,
    Occasion.WEEKLY: ["peg3", "phq9"],
    Occasion.MIDPOINT: ["peg3", "phq9", "gad7", "k10"],
    Occasion.POST: [*BASELINE_SET, "pgic", "satisfaction", "adverse_events"],
    Occasion.FOLLOWUP_3M: [*BASELINE_SET, "pgic"],
    Occasion.FOLLOWUP_6M: [*BASELINE_SET, "pgic"],
    Occasion.FOLLOWUP_12M: [*BASELINE_SET, "pgic"],
}
FOLLOW_UPS = {Occasion.FOLLOWUP_3M: 3, Occasion.FOLLOWUP_6M: 6, Occasion.FOLLOWUP_12M: 12}


def measurement_plan(program: Program) -> dict[str, list[str]]:
    """The programme's plan (made from the default on first need; operators edit it in the admin)."""
    entries = {entry.occasion: entry.instruments for entry in MeasurementPlanEntry.objects.filter(program=program)}
    if entries:
        return entries
    for occasion, keys in DEFAULT_PLAN.items():
        MeasurementPlanEntry.objects.get_or_create(program=program, occasion=occasion, defaults={"instruments": keys})
    return {occasion: list(keys) for occasion, keys in DEFAULT_PLAN.items()}


def occasions(enrollment: Enrollment) -> list[tuple[str, str, datetime.date]]:
    """(occasion label, occasion kind, opening day) for the whole programme and its follow-ups."""
    plan = plan_ensure(enrollment)
    plan.refresh_from_db(fields=["extra_weeks", "pause_days"])  # the caller's copy may predate a change
    start = enrollment.start_date + datetime.timedelta(days=plan.pause_days)
    end = plan_end_date(plan)
    weeks = max(1, (end - start).days // 7)
    # The mid-point belongs to the programme's own length: extending a plan adds weekly checks at
    # the end, it does not move the mid-point.
    midpoint_week = math.ceil(enrollment.program.weeks / 2) + 1
    baseline_day = enrollment.start_date
    if enrollment.activated_at is not None:
        baseline_day = min(baseline_day, timezone.localdate(enrollment.activated_at, enrollment.patient.zone))
    result = [("baseline", Occasion.BASELINE, baseline_day)]
    for week in range(2, weeks + 1):
        day = start + datetime.timedelta(weeks=week - 1)
        if week == midpoint_week:
            result.append(("midpoint", Occasion.MIDPOINT, day))
        else:
            result.append((f"week-{week}", Occasion.WEEKLY, day))
    result.append(("post", Occasion.POST, end))
    for occasion, months in FOLLOW_UPS.items():
        result.append((occasion.replace("_", "-"), occasion, end + relativedelta(months=months)))
    return result


def _times(day: datetime.date, zone: str) -> dict:
    opens = local_midnight(day, zone)
    return {
        "opens_at": opens,
        "due_at": local_midnight(day + DUE_AFTER, zone),
        "closes_at": local_midnight(day + CLOSES_AFTER, zone),
    }


def reminder_context(notification) -> dict:
    """Send a questionnaire reminder only if something of that occasion is still open."""
    context = notification.context
    still_open = Assessment.objects.filter(
        enrollment_id=context["enrollment_id"],
        occasion=context["occasion"],
        status=Assessment.Status.OPEN,
        enrollment__status=Enrollment.Status.ACTIVE,
    ).exists()
    if not still_open:
        raise NoLongerNeeded("the questionnaires were answered or have closed")
    return {}


def schedule_sync(enrollment: Enrollment) -> int:
    """Create the enrolment's missing assessments and move those not yet open; return how many were made."""
    plan = measurement_plan(enrollment.program)
    enabled = set(enrollment.clinic.enabled_instruments or [])
    usable = {instrument.key for instrument in available_instruments(enabled)}
    existing = {(a.instrument_key, a.occasion): a for a in Assessment.objects.filter(enrollment=enrollment)}
    zone = enrollment.patient.time_zone
    made = 0
    for label, kind, day in occasions(enrollment):
        keys = [key for key in plan.get(kind, []) if key in usable]
        if kind in (Occasion.BASELINE, Occasion.WEEKLY):
            keys = [key for key in keys if key != "pgic"]  # change since treatment: never before it
        times = _times(day, zone)
        for position, key in enumerate(keys):
            assessment = existing.get((key, label))
            if assessment is None:
                made += _create(enrollment, key, label, kind, position, times)
            elif assessment.status == Assessment.Status.SCHEDULED and assessment.opens_at != times["opens_at"]:
                Assessment.objects.filter(pk=assessment.pk, status=Assessment.Status.SCHEDULED).update(**times)
    _hold_module_one_for_baseline(enrollment)
    return made


def _create(enrollment, key, label, kind, position, times) -> int:
    instrument = get_instrument(key)
    try:
        with transaction.atomic():
            Assessment.objects.create(
                enrollment=enrollment, instrument_key=key, instrument_version=instrument.version,
                occasion=label, occasion_kind=kind, position=position, **times,
            )  # fmt: skip
    except IntegrityError:
        return 0  # made at the same moment by another sweep
    return 1


def baseline_done(enrollment: Enrollment) -> bool:
    baseline = Assessment.objects.filter(enrollment=enrollment, occasion_kind=Occasion.BASELINE)
    return baseline.exists() and not baseline.exclude(status=Assessment.Status.COMPLETED).exists()


def _hold_module_one_for_baseline(enrollment: Enrollment) -> None:
    """Module 1 waits for the baseline questionnaires; once they are done it opens on its day.
    A module that already opened is never closed again."""
    if baseline_done(enrollment):
        plan_release_gate(enrollment=enrollment, gate=PlannedModule.Gate.BASELINE)
        return
    first = enrollment.plan.items.filter(skipped_at__isnull=True).order_by("position").first()
    if first is not None and first.unlocked_at is None and first.gate == "":
        PlannedModule.objects.filter(pk=first.pk, unlocked_at__isnull=True).update(gate=PlannedModule.Gate.BASELINE)


def schedule_reconcile() -> int:
    """Sync the schedules of open enrolments (the periodic sweep)."""
    made = 0
    enrollments = Enrollment.objects.filter(status=Enrollment.Status.ACTIVE).select_related(
        "patient", "clinic", "program"
    )
    for enrollment in enrollments.iterator(chunk_size=200):
        made += schedule_sync(enrollment)
    return made


# --- Opening, reminding, expiring ------------------------------------------------------------------


def reminder_time(day: datetime.date, user) -> datetime.datetime:
    return local_midnight(day, user.time_zone) + datetime.timedelta(hours=user.reminder_hour)


def _remind(enrollment: Enrollment, occasion: str, kind: str, at: datetime.datetime, now: datetime.datetime) -> None:
    notify(
        user=enrollment.patient,
        kind=kind,
        dedupe_key=f"{kind}:{enrollment.code}:{occasion}",
        context={"enrollment_id": enrollment.pk, "occasion": occasion},
        due_at=max(at, now),
    )


def open_due(*, now: datetime.datetime | None = None) -> int:
    """Open assessments whose day has begun, and queue one reminder per occasion at the patient's hour."""
    now = now or timezone.now()
    due = Assessment.objects.filter(
        status=Assessment.Status.SCHEDULED,
        opens_at__lte=now,
        enrollment__status=Enrollment.Status.ACTIVE,
    ).select_related("enrollment__patient")
    opened = 0
    for assessment in due[:2000]:
        with transaction.atomic():
            claimed = Assessment.objects.filter(pk=assessment.pk, status=Assessment.Status.SCHEDULED).update(
                status=Assessment.Status.OPEN
            )
            if not claimed:
                continue
            opened += 1
            if assessment.closes_at > now:
                day = timezone.localdate(assessment.opens_at, assessment.enrollment.patient.zone)
                at = reminder_time(day, assessment.enrollment.patient)
                _remind(assessment.enrollment, assessment.occasion, OPEN_REMINDER_KIND, at, now)
    return opened


def remind_due(*, now: datetime.datetime | None = None) -> int:
    """On the day an occasion is due, if it is not done, remind once at the patient's hour."""
    now = now or timezone.now()
    reminded = 0
    pending = (
        Assessment.objects.filter(
            status=Assessment.Status.OPEN,
            due_at__lte=now + datetime.timedelta(days=1),
            # Like open_due: a withdrawn (or paused) patient is not reminded, even of one still open.
            enrollment__status=Enrollment.Status.ACTIVE,
        )
        .select_related("enrollment__patient")
        .order_by("enrollment_id", "occasion")
    )
    seen = set()
    for assessment in pending[:2000]:
        key = (assessment.enrollment_id, assessment.occasion)
        if key in seen:
            continue
        seen.add(key)
        patient = assessment.enrollment.patient
        at = reminder_time(timezone.localdate(assessment.due_at, patient.zone), patient)
        if at <= now < assessment.closes_at:
            _remind(assessment.enrollment, assessment.occasion, DUE_REMINDER_KIND, at, now)
            reminded += 1
    return reminded


def expire_due(*, now: datetime.datetime | None = None) -> int:
    """Close what was not answered in time (a partly answered one keeps its saved progress)."""
    now = now or timezone.now()
    return Assessment.objects.filter(status=Assessment.Status.OPEN, closes_at__lte=now).update(
        status=Assessment.Status.EXPIRED
    )


def open_assessments(enrollment: Enrollment) -> QuerySet[Assessment]:
    return Assessment.objects.filter(enrollment=enrollment, status=Assessment.Status.OPEN).order_by(
        "opens_at", "position"
    )
