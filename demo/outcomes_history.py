"""Demo questionnaire history: answered through the real submit service, so scores, bands, change
and alerts are what Steady itself computes. One patient improves, one gets reliably worse (a
deterioration alert), one answers PHQ-9 item 9 above 0 in their latest check (an open risk alert);
everyone else holds steady. The current week's questionnaires are left open to answer."""

import datetime
import random

from django.utils import timezone

from clinics.models import Enrollment
from outcomes import schedule
from outcomes.answering import assessment_submit
from outcomes.instruments import get_instrument
from outcomes.models import Assessment

TRAJECTORIES = {
    "janet.brown@example.com": "improving",
    "karin.sund@example.com": "improving",
    "david.evans@example.com": "deteriorating",
    "susan.clarke@example.com": "risk",
}


def severity(trajectory: str, week: int, rng: random.Random) -> float:
    """How unwell, from 0 to 1, in a given week (0 = baseline)."""
    if trajectory == "improving":
        level = 0.62 - 0.07 * week
    elif trajectory == "deteriorating":
        level = 0.3 + 0.12 * week
    else:
        level = 0.45
    return min(0.95, max(0.05, level + rng.uniform(-0.05, 0.05)))


def answers_for(instrument, level: float, rng: random.Random, *, risk: bool) -> dict[str, int]:
    answers = {}
    for item in instrument.items:
        values = sorted(option.value for option in item.options)  # some scales list the highest first
        target = level if instrument.direction == "higher_is_worse" else 1 - level
        index = round(target * (len(values) - 1) + rng.uniform(-0.6, 0.6))
        answers[item.key] = values[min(len(values) - 1, max(0, index))]
    if instrument.key == "phq9":
        ninth = instrument.scored_items[8].key
        answers[ninth] = 1 if risk else 0
    return answers


def week_of(assessment: Assessment) -> int:
    if assessment.occasion == "baseline":
        return 0
    if assessment.occasion.startswith("week-"):
        return int(assessment.occasion.split("-")[1]) - 1
    return 5  # the mid-point of a 9-week programme


def seed_outcomes(enrollment: Enrollment) -> None:
    email = enrollment.patient.email
    trajectory = TRAJECTORIES.get(email, "steady")
    rng = random.Random(f"steady-demo-outcomes-{email}")  # noqa: S311 - demo data, not security
    schedule.schedule_sync(enrollment)
    now = timezone.now()
    past = list(
        Assessment.objects.filter(enrollment=enrollment, opens_at__lte=now - datetime.timedelta(days=1)).order_by(
            "opens_at", "position"
        )
    )
    latest_occasion = past[-1].occasion if past else None
    for assessment in past:
        if assessment.status == Assessment.Status.COMPLETED:
            continue
        if assessment.occasion == latest_occasion and trajectory not in ("risk", "deteriorating"):
            continue  # this week's check is left for the patient to answer
        instrument = get_instrument(assessment.instrument_key)
        risk = trajectory == "risk" and assessment.occasion == latest_occasion
        answers = answers_for(instrument, severity(trajectory, week_of(assessment), rng), rng, risk=risk)
        Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.OPEN)
        assessment_submit(assessment=assessment, answers=answers, by=enrollment.patient)
        Assessment.objects.filter(pk=assessment.pk).update(
            submitted_at=assessment.opens_at + datetime.timedelta(hours=20)
        )
    schedule.open_due(now=now)
    schedule.expire_due(now=now)
