"""Demo history: patients at different weeks, with read pages, answered exercises and diary entries.

Everything goes through the real services (plans, exercise responses, diary), and every answer is
checked by the exercise's own form as if the patient had submitted it, so the demo shows only what
the application itself would have stored. Values come from a random generator seeded per patient,
so running the seed again gives the same history (and adds nothing).
"""

import datetime
import random

from django.utils import timezone

from clinics.models import Enrollment
from modules import plans
from modules.diary import diary_entry_save
from modules.exercises import FORMS, response_submit
from modules.models import DiaryEntry, Exercise, ExerciseResponse, PageVisit, PlannedModule

ANSWERS = {
    "daily_life": "Mornings are the worst. I can't stand at the cooker for long, so I skip proper meals.",
    "get_back_to": "Walking to the shops on my own, and playing on the floor with my grandson.",
    "hopes": "To feel more in charge of the pain instead of it being in charge of me.",
    "overdo": "On good days I clean the whole house in one go.",
    "afterwards": "I pay for it with two days on the sofa, and then I feel low.",
    "early_signs": "A dull ache in my lower back and getting short with people.",
    "enjoy": "Sitting in the garden with a cup of tea and the radio on.",
    "matters": "Phoning my sister on Sundays.",
    "plan": "Ten minutes in the garden after lunch, even if it is cold.",
}
DEFAULT_ANSWER = "I am still thinking about this. I will talk it through with my therapist."


def answer_for(exercise: Exercise, rng: random.Random, start: datetime.date) -> dict:
    """Stored data, in the kind's shape (modules/content/README.md), for one exercise."""
    config = exercise.config or {}
    kind = exercise.kind
    if kind == Exercise.Kind.REFLECTION:
        return {q["key"]: ANSWERS.get(q["key"], DEFAULT_ANSWER) for q in config.get("questions", [])}
    if kind == Exercise.Kind.CHECKLIST:
        keys = [item["key"] for item in config.get("items", [])]
        return {"checked": sorted(rng.sample(keys, k=min(len(keys), rng.randint(2, 4))))}
    if kind == Exercise.Kind.RATINGS:
        return {item["key"]: rng.randint(3, 9) for item in config.get("items", [])}
    if kind == Exercise.Kind.GOAL:
        return {
            "what": "Walk to the corner shop and back",
            "measure": "Three times a week, about 5 minutes each way",
            "why": "So I can walk my grandson to the park in the spring",
            "by_when": (timezone.localdate() + datetime.timedelta(weeks=6)).isoformat(),
            "steps": ["Walk to the end of the road on Monday", "Add a minute each week", "Rest on the bench"],
            "confidence": 7,
        }
    if kind == Exercise.Kind.PACING_PLAN:
        return {"activity": "Walking", "baseline_minutes": 10, "quota_minutes": 8, "weekly_increase_minutes": 1,
                "notes": "Set a timer on my phone and turn back when it goes off."}  # fmt: skip
    if kind == Exercise.Kind.THOUGHT_RECORD:
        return {
            "situation": "I felt a twinge lifting the shopping bag.",
            "thought": "My back is getting worse and I will end up unable to walk.",
            "feelings": [{"name": "Scared", "rating": 80}, {"name": "Low", "rating": 60}],
            "evidence_for": "The pain was sharp for a minute.",
            "evidence_against": "Twinges have come and gone many times. I walked further last week than last month.",
            "balanced_thought": "A twinge is my alarm being loud, not a sign of damage. I can pace and carry on.",
            "rerating": [{"name": "Scared", "rating": 35}, {"name": "Low", "rating": 30}],
        }
    if kind == Exercise.Kind.PRACTICE_LOG:
        days = [start + datetime.timedelta(days=d) for d in (1, 2, 4)]
        return {
            "entries": [
                {
                    "date": day.isoformat(),
                    "minutes": rng.choice([5, 8, 10]),
                    "tension_before": rng.randint(6, 8),
                    "tension_after": rng.randint(3, 5),
                }  # fmt: skip
                for day in days
                if day <= timezone.localdate()
            ]
        }
    return {}


def checked_by_form(exercise: Exercise, data: dict) -> dict:
    """Pass the answer through the exercise's form, as a submit would; return what it stores."""
    form_class = FORMS[exercise.kind]
    initial = form_class.initial_from(data, exercise.config or {})
    posted = {f"{exercise.slug}-{name}": value for name, value in initial.items() if value not in (None, "")}
    form = form_class(data=posted, exercise=exercise, complete=True)
    if not form.is_valid():
        raise ValueError(f"Demo answer for {exercise.slug} is not valid: {form.errors.as_json()}")
    return form.to_data()


def complete_module(enrollment: Enrollment, item: PlannedModule, rng: random.Random, when: datetime.datetime):
    for page in item.module.pages.all():
        PageVisit.objects.get_or_create(enrollment=enrollment, page=page, defaults={"first_at": when, "last_at": when})
    for exercise in item.module.exercises.all():
        if ExerciseResponse.objects.filter(enrollment=enrollment, exercise=exercise).exists():
            continue
        data = checked_by_form(exercise, answer_for(exercise, rng, when.date()))
        response_submit(enrollment=enrollment, exercise=exercise, data=data, base_version=0)
    PlannedModule.objects.filter(pk=item.pk, started_at__isnull=True).update(started_at=when)
    PlannedModule.objects.filter(pk=item.pk, completed_at__isnull=True).update(
        completed_at=when + datetime.timedelta(days=2)
    )


def add_diary(enrollment: Enrollment, rng: random.Random, today: datetime.date) -> None:
    """Most days since the start, pain easing a little over the weeks, with ordinary ups and downs."""
    day = max(enrollment.start_date, today - datetime.timedelta(days=27))
    weeks_in = 0.0
    while day <= today:
        weeks_in = (day - enrollment.start_date).days / 7
        if rng.random() < 0.8 and not DiaryEntry.objects.filter(enrollment=enrollment, date=day).exists():
            pain = max(1, min(9, round(7 - 0.35 * weeks_in + rng.uniform(-1.5, 1.5))))
            entry_today = today if day >= today - datetime.timedelta(days=DiaryEntry.EDITABLE_DAYS) else day
            diary_entry_save(
                enrollment=enrollment,
                day=day,
                today=entry_today,
                pain=pain,
                activity_minutes=rng.choice([10, 15, 20, 30, 45]),
                mood=max(0, min(10, 10 - pain + rng.randint(-1, 1))),
                sleep=rng.randint(2, 4),
                note="",
            )
        day += datetime.timedelta(days=1)


def seed_history(enrollment: Enrollment, *, weeks_in: int) -> None:
    """Put the patient ``weeks_in`` weeks into the programme (week 1 = the first week)."""
    rng = random.Random(f"steady-demo-{enrollment.patient.email}")  # noqa: S311 - demo data, not security
    plan = plans.plan_ensure(enrollment)
    now = timezone.now()
    plans.unlock_due(now=now)
    items = list(plan.items.select_related("module").prefetch_related("module__pages", "module__exercises"))
    for item in items[: max(0, weeks_in - 1)]:
        item.refresh_from_db()
        if item.unlocked_at is None:
            continue
        when = timezone.make_aware(datetime.datetime.combine(item.unlock_on, datetime.time(19, 0)))
        complete_module(enrollment, item, rng, when)
    add_diary(enrollment, rng, timezone.localdate())
