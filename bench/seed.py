"""The scale data set, written with bulk_create through Steady's own models.

Full size: 2 clinics, 40 therapists, 2,400 patients with 12 weeks of history (pages read, modules
done, exercise answers, a pain diary, questionnaires, messages, feedback, time entries), 60 of them
on the benchmarked therapist; and two report cohorts of 5,000 and 100 patients with the history a
cohort report reads (plans, questionnaires, time, activity). Answers and scores come from the
exercises' own forms and the instruments' own scoring, as in demo/; nothing is made up per row
that the application would have computed differently.

Values come from a seeded random generator, so two runs make the same data set.
"""

import datetime
import itertools
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from clinics.models import Clinic, Cohort, Consent, Enrollment, Membership
from clinics.services import PRIVACY_VERSION, TERMS_VERSION, TREATMENT_CONSENT_VERSION
from demo.history import answer_for, checked_by_form
from demo.outcomes_history import answers_for
from guidance.models import Feedback, Message, Thread, TimeEntry
from modules.content import load_program
from modules.exercises import FORMS
from modules.models import DiaryEntry, EngagementEvent, ExerciseResponse, PageVisit, Plan, PlannedModule
from modules.plans import local_midnight
from outcomes.answering import scored_values
from outcomes.instruments import get_instrument
from outcomes.models import Assessment, Occasion
from outcomes.schedule import CLOSES_AFTER, DUE_AFTER, measurement_plan

PROGRAM_FOLDER = Path(__file__).resolve().parent.parent / "modules" / "content" / "living-well"
PASSWORD = "bench-password-not-secret"  # noqa: S105 - accounts in a throwaway benchmark database
BATCH = 5000


@dataclass(frozen=True)
class Sizes:
    therapists: int
    patients: int
    caseload: int  # patients of the benchmarked therapist (among ``patients``)
    report_big: int
    report_small: int
    weeks: int = 12


FULL = Sizes(therapists=40, patients=2400, caseload=60, report_big=5000, report_small=100)
SMOKE = Sizes(therapists=4, patients=40, caseload=10, report_big=200, report_small=20)


@dataclass
class Seeded:
    clinic_slug: str
    therapist_id: int
    patient_id: int
    admin_id: int
    report_big_cohort: int
    report_small_cohort: int
    module_slug: str
    page_number: int
    exercise_slug: str
    exercise_post: dict  # the autosave's form fields: the stored answer, as the form posts it
    counts: dict


class Seeder:
    def __init__(self, sizes: Sizes):
        self.sizes = sizes
        self.rng = random.Random(f"steady-bench-{sizes}")  # noqa: S311 - benchmark data, not security
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.password = make_password(PASSWORD)  # hashed once: every account shares it
        self.user_numbers = itertools.count(1)
        self.score_cache: dict = {}

    # --- Accounts -------------------------------------------------------------------------------

    def users(self, prefix: str, count: int, time_zone: str) -> list[User]:
        made = []
        for _ in range(count):
            n = next(self.user_numbers)
            made.append(
                User(
                    email=f"{prefix}{n}@bench.invalid",
                    name=f"{prefix.title()} {n}",
                    time_zone=time_zone,
                    password=self.password,
                    date_joined=self.now - datetime.timedelta(weeks=self.sizes.weeks + 1),
                )
            )
        users = User.objects.bulk_create(made, batch_size=BATCH)
        EmailAddress.objects.bulk_create(
            (EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users), batch_size=BATCH
        )
        return users

    def staff(self, clinic: Clinic, role: str, count: int) -> list[User]:
        users = self.users("therapist" if role == Membership.Role.THERAPIST else "admin", count, clinic.time_zone)
        Membership.objects.bulk_create(Membership(user=u, clinic=clinic, role=role) for u in users)
        return users

    # --- Patients and their history ---------------------------------------------------------------

    def patients(self, cohort: Cohort, therapists: list[User], count: int, *, full: bool) -> list[Enrollment]:
        """``count`` active patients of ``cohort``, shared in turn among ``therapists``; each started
        between 12 and 10 weeks ago. ``full`` adds pages read, answers, a diary, messages and feedback;
        without it (report cohorts) they get what a cohort report reads."""
        weeks = self.sizes.weeks
        users = self.users("patient", count, cohort.clinic.time_zone)
        enrollments = Enrollment.objects.bulk_create(
            (
                Enrollment(
                    patient=user,
                    clinic=cohort.clinic,
                    cohort=cohort,
                    program=self.program,
                    therapist=therapists[i % len(therapists)],
                    contact_mode=("async", "mixed", "sync")[i % 3],
                    status=Enrollment.Status.ACTIVE,
                    start_date=self.today - datetime.timedelta(weeks=weeks, days=-(i % 14)),
                    activated_at=self.now - datetime.timedelta(weeks=weeks, days=-(i % 14)),
                    created_at=self.now - datetime.timedelta(weeks=weeks + 1),
                )
                for i, user in enumerate(users)
            ),
            batch_size=BATCH,
        )
        Consent.objects.bulk_create(
            (
                Consent(
                    user_id=e.patient_id,
                    enrollment=e if kind == Consent.Kind.TREATMENT else None,
                    kind=kind,
                    version=version,
                    given_at=e.activated_at,
                )
                for e in enrollments
                for kind, version in (
                    (Consent.Kind.TERMS, TERMS_VERSION),
                    (Consent.Kind.PRIVACY, PRIVACY_VERSION),
                    (Consent.Kind.TREATMENT, TREATMENT_CONSENT_VERSION),
                )
            ),
            batch_size=BATCH,
        )
        items = self.plans(enrollments)
        self.assessments(enrollments)
        self.activity(enrollments, items, full=full)
        if full:
            self.diary(enrollments)
            self.messages(enrollments, items)
        else:
            TimeEntry.objects.bulk_create(
                (
                    TimeEntry(
                        therapist_id=e.therapist_id,
                        enrollment=e,
                        activity=activity,
                        minutes=minutes,
                        at=self.at(e, day, 14),
                    )
                    for e in enrollments
                    for activity, minutes, day in (("message", 5, 10), ("feedback", 15, 20), ("review", 10, 40))
                ),
                batch_size=BATCH,
            )
        return enrollments

    def bare_enrollments(self, cohort: Cohort, count: int, *, start: datetime.date) -> list[Enrollment]:
        """Active enrolments without plans yet (what the scheduling sweeps pick up)."""
        users = self.users("patient", count, cohort.clinic.time_zone)
        therapists = list(
            cohort.clinic.memberships.filter(role=Membership.Role.THERAPIST).values_list("user_id", flat=True)
        )
        return Enrollment.objects.bulk_create(
            (
                Enrollment(
                    patient=user,
                    clinic=cohort.clinic,
                    cohort=cohort,
                    program=self.program,
                    therapist_id=therapists[i % len(therapists)],
                    status=Enrollment.Status.ACTIVE,
                    start_date=start,
                    activated_at=self.now,
                )
                for i, user in enumerate(users)
            ),
            batch_size=BATCH,
        )

    def at(self, enrollment: Enrollment, day: int, hour: int = 19) -> datetime.datetime:
        moment = local_midnight(enrollment.start_date + datetime.timedelta(days=day), enrollment.patient.time_zone)
        return min(moment + datetime.timedelta(hours=hour), self.now - datetime.timedelta(minutes=5))

    def plans(self, enrollments: list[Enrollment]) -> dict[int, list[PlannedModule]]:
        """Core modules open one a week; most done within three days, some skipped weeks behind."""
        plans = Plan.objects.bulk_create(
            (Plan(enrollment=e, created_at=e.activated_at) for e in enrollments), batch_size=BATCH
        )
        items = []
        per_enrollment: dict[int, list[PlannedModule]] = {}
        for e, plan in zip(enrollments, plans, strict=True):
            behind = self.rng.choice([0, 0, 0, 1, 2])  # modules not yet done at the end
            rows = []
            for index, module in enumerate(self.core):
                day = 7 * index
                unlock_on = e.start_date + datetime.timedelta(days=day)
                opened = unlock_on <= self.today
                done = opened and index < len(self.core) - behind and day + 3 <= (self.today - e.start_date).days
                rows.append(
                    PlannedModule(
                        plan=plan,
                        module=module,
                        position=index + 1,
                        unlock_on=unlock_on,
                        unlocked_at=self.at(e, day, 0) if opened else None,
                        started_at=self.at(e, day + 1) if opened else None,
                        completed_at=self.at(e, day + 3) if done else None,
                        feedback_at=self.at(e, day + 4, 12) if done else None,
                        added_at=e.activated_at,
                    )
                )
            items.extend(rows)
            per_enrollment[e.pk] = rows
        PlannedModule.objects.bulk_create(items, batch_size=BATCH)
        return per_enrollment

    def score(self, key: str, level: float, risk: bool = False):
        """Answers and their score at a severity level (cached: 11 levels per instrument)."""
        cache_key = (key, round(level, 1), risk)
        if cache_key not in self.score_cache:
            instrument = get_instrument(key)
            answers = answers_for(instrument, round(level, 1), random.Random(str(cache_key)), risk=risk)  # noqa: S311
            if key == "adverse_events":  # "How much did it bother you?" follows a "Yes" only
                answers = {"ae_any": min(o.value for o in instrument.items[0].options)}
            self.score_cache[cache_key] = (answers, instrument.score(scored_values(instrument, answers)), instrument)
        return self.score_cache[cache_key]

    def assessments(self, enrollments: list[Enrollment]) -> None:
        """The measurement plan's questionnaires: the past ones answered (four in five) or expired,
        this week's open, later ones scheduled; severity eases over the weeks for most patients."""
        plan = measurement_plan(self.program)
        rows = []
        weeks = self.program.weeks
        midpoint = (weeks + 1) // 2 + 1
        for e in enrollments:
            zone = e.patient.time_zone
            start_level = self.rng.uniform(0.35, 0.7)
            slope = self.rng.choice([-0.04, -0.03, -0.02, 0.0, 0.02])
            occasions = [("baseline", Occasion.BASELINE, e.start_date, 0)]
            for week in range(2, weeks + 1):
                kind = Occasion.MIDPOINT if week == midpoint else Occasion.WEEKLY
                label = "midpoint" if week == midpoint else f"week-{week}"
                occasions.append((label, kind, e.start_date + datetime.timedelta(weeks=week - 1), week))
            end = e.start_date + datetime.timedelta(weeks=weeks)
            occasions.append(("post", Occasion.POST, end, weeks + 1))
            for label, kind, day, week in occasions:
                opens = local_midnight(day, zone)
                closes = local_midnight(day + CLOSES_AFTER, zone)
                keys = [k for k in plan.get(kind, []) if get_instrument(k).available]
                if kind in (Occasion.BASELINE, Occasion.WEEKLY):
                    keys = [k for k in keys if k != "pgic"]
                answered = closes <= self.now and self.rng.random() < 0.8
                for position, key in enumerate(keys):
                    status = Assessment.Status.SCHEDULED
                    answers, total, band, flags, submitted = {}, None, "", [], None
                    if closes <= self.now:
                        status = Assessment.Status.COMPLETED if answered else Assessment.Status.EXPIRED
                    elif opens <= self.now:
                        status = Assessment.Status.OPEN
                    if status == Assessment.Status.COMPLETED:
                        level = min(0.95, max(0.05, start_level + slope * week))
                        answers, score, _ = self.score(key, level)
                        total, band, flags = score.total, score.band or "", sorted(score.flags)
                        submitted = opens + datetime.timedelta(hours=20)
                    rows.append(
                        Assessment(
                            enrollment=e,
                            instrument_key=key,
                            instrument_version=get_instrument(key).version,
                            occasion=label,
                            occasion_kind=kind,
                            position=position,
                            opens_at=opens,
                            due_at=local_midnight(day + DUE_AFTER, zone),
                            closes_at=closes,
                            status=status,
                            answers=answers,
                            total=total,
                            band=band,
                            flags=flags,
                            submitted_at=submitted,
                            created_at=e.activated_at,
                        )
                    )
        Assessment.objects.bulk_create(rows, batch_size=BATCH)

    def activity(self, enrollments, items: dict[int, list[PlannedModule]], *, full: bool) -> None:
        """Engagement events, pages read and exercise answers of the modules each patient did."""
        events, visits, responses = [], [], []
        for e in enrollments:
            for item in items[e.pk]:
                if item.started_at is None:
                    continue
                events.append(
                    EngagementEvent(enrollment=e, kind="module_started", module=item.module, at=item.started_at)
                )
                if item.completed_at:
                    events.append(
                        EngagementEvent(enrollment=e, kind="module_completed", module=item.module, at=item.completed_at)
                    )
                if not full:
                    continue
                for page in self.pages[item.module.pk]:
                    visits.append(
                        PageVisit(
                            enrollment=e,
                            page=page,
                            first_at=item.started_at,
                            last_at=item.started_at,
                            count=self.rng.randint(1, 3),
                        )
                    )
                    events.append(
                        EngagementEvent(
                            enrollment=e,
                            kind="page_viewed",
                            module=item.module,
                            object_id=str(page.pk),
                            at=item.started_at,
                        )
                    )
                for exercise in self.exercises[item.module.pk]:
                    submitted = item.completed_at
                    responses.append(
                        ExerciseResponse(
                            enrollment=e,
                            exercise=exercise,
                            data=self.answers[exercise.pk],
                            version=3,
                            saved_at=submitted or item.started_at,
                            submitted_at=submitted,
                        )
                    )
                    if submitted:
                        events.append(
                            EngagementEvent(
                                enrollment=e,
                                kind="exercise_submitted",
                                module=item.module,
                                object_id=exercise.slug,
                                at=submitted,
                            )
                        )
        EngagementEvent.objects.bulk_create(events, batch_size=BATCH)
        PageVisit.objects.bulk_create(visits, batch_size=BATCH)
        ExerciseResponse.objects.bulk_create(responses, batch_size=BATCH)

    def diary(self, enrollments) -> None:
        """Most days since the start; pain easing a little over the weeks, with ups and downs."""
        rows = []
        for e in enrollments:
            day = e.start_date
            while day <= self.today:
                if self.rng.random() < 0.8:
                    weeks_in = (day - e.start_date).days / 7
                    pain = max(1, min(9, round(7 - 0.3 * weeks_in + self.rng.uniform(-1.5, 1.5))))
                    moment = local_midnight(day, e.patient.time_zone) + datetime.timedelta(hours=20)
                    rows.append(
                        DiaryEntry(
                            enrollment=e,
                            date=day,
                            pain=pain,
                            activity_minutes=self.rng.choice([10, 15, 20, 30, 45]),
                            mood=max(0, min(10, 10 - pain + self.rng.randint(-1, 1))),
                            sleep=self.rng.randint(2, 4),
                            note="",
                            created_at=min(moment, self.now),
                            updated_at=min(moment, self.now),
                        )
                    )
                day += datetime.timedelta(days=1)
        DiaryEntry.objects.bulk_create(rows, batch_size=BATCH)

    def messages(self, enrollments, items: dict[int, list[PlannedModule]]) -> None:
        """A thread each: a question and an answer every other week, feedback on each module done
        (a message and its Feedback row on the module's last answer), and the ledger's minutes."""
        threads = Thread.objects.bulk_create(
            (Thread(enrollment=e, created_at=e.activated_at) for e in enrollments), batch_size=BATCH
        )
        messages, feedback_of, time = [], [], []
        for e, thread in zip(enrollments, threads, strict=True):
            for week in range(0, self.sizes.weeks, 2):
                asked = self.at(e, 7 * week + 2, 18)
                answered = self.at(e, 7 * week + 3, 10)
                messages.append(
                    Message(
                        thread=thread,
                        author_id=e.patient_id,
                        created_at=asked,
                        read_at=answered,
                        body="I found this week's exercise hard on my bad days. Is that normal?",
                    )
                )
                messages.append(
                    Message(
                        thread=thread,
                        author_id=e.therapist_id,
                        created_at=answered,
                        read_at=answered + datetime.timedelta(hours=8),
                        body="Yes, that is very common. Try a shorter version on those days.",
                    )
                )
                time.append(
                    TimeEntry(
                        therapist_id=e.therapist_id,
                        enrollment=e,
                        activity="message",
                        minutes=5,
                        at=answered,
                        source=f"bench-message-{e.pk}-{week}",
                    )
                )
            for item in items[e.pk]:
                if item.feedback_at is None:
                    continue
                exercise = (self.exercises[item.module.pk] or [None])[-1]
                message = Message(
                    thread=thread,
                    author_id=e.therapist_id,
                    created_at=item.feedback_at,
                    read_at=item.feedback_at + datetime.timedelta(hours=6),
                    body="Thank you for your work this week. Your plan looks realistic.",
                )
                messages.append(message)
                feedback_of.append((message, e, item.module, exercise))
                time.append(
                    TimeEntry(
                        therapist_id=e.therapist_id,
                        enrollment=e,
                        activity="feedback",
                        minutes=15,
                        at=item.feedback_at,
                        source=f"bench-feedback-{e.pk}-{item.module.pk}",
                    )
                )
            # The latest message is the patient's, unread: the dashboard's "unread" column has work.
            messages.append(
                Message(
                    thread=thread,
                    author_id=e.patient_id,
                    created_at=self.now - datetime.timedelta(hours=3),
                    body="A quick question about next week's module.",
                )
            )
        Message.objects.bulk_create(messages, batch_size=BATCH)
        responses = {
            (r.enrollment_id, r.exercise_id): r.pk
            for r in ExerciseResponse.objects.filter(enrollment__in=enrollments).only(
                "pk", "enrollment_id", "exercise_id"
            )
        }
        Feedback.objects.bulk_create(
            (
                Feedback(
                    enrollment=e,
                    module=module,
                    message=message,
                    author_id=e.therapist_id,
                    response_id=responses.get((e.pk, exercise.pk)) if exercise else None,
                    created_at=message.created_at,
                )
                for message, e, module, exercise in feedback_of
            ),
            batch_size=BATCH,
        )
        TimeEntry.objects.bulk_create(time, batch_size=BATCH)

    # --- The whole data set -------------------------------------------------------------------------

    @transaction.atomic
    def run(self) -> Seeded:
        self.program = load_program(PROGRAM_FOLDER).program
        modules = list(self.program.modules.order_by("optional", "position"))
        self.core = [m for m in modules if not m.optional]
        self.pages = {m.pk: list(m.pages.order_by("position")) for m in modules}
        self.exercises = {
            m.pk: list(m.exercises.select_related("page").order_by("page__position", "slug")) for m in modules
        }
        # Each exercise's answer, checked by its own form as a submit would check it.
        self.answers = {
            ex.pk: checked_by_form(ex, answer_for(ex, self.rng, self.today - datetime.timedelta(weeks=6)))
            for exs in self.exercises.values()
            for ex in exs
        }
        sizes = self.sizes
        self.clinics = clinics = [
            Clinic.objects.create(
                name="Bench North", slug="bench-north", time_zone="Europe/London", cost_per_hour=Decimal("62.00")
            ),
            Clinic.objects.create(
                name="Bench South", slug="bench-south", time_zone="Europe/Stockholm", cost_per_hour=Decimal("58.00")
            ),
        ]
        therapists = {c.pk: self.staff(c, Membership.Role.THERAPIST, sizes.therapists // 2) for c in clinics}
        admins = {c.pk: self.staff(c, Membership.Role.ADMIN, 1)[0] for c in clinics}
        start = self.today - datetime.timedelta(weeks=sizes.weeks)
        bench_therapist = therapists[clinics[0].pk][0]
        # The benchmarked therapist's caseload first, then everyone else's, half in each clinic.
        caseload_cohort = Cohort.objects.create(
            clinic=clinics[0], program=self.program, name="Bench caseload", start_date=start
        )
        mine = self.patients(caseload_cohort, [bench_therapist], sizes.caseload, full=True)
        rest = sizes.patients - sizes.caseload
        for index, clinic in enumerate(clinics):
            others = therapists[clinic.pk][1:] if index == 0 else therapists[clinic.pk]
            cohort = Cohort.objects.create(clinic=clinic, program=self.program, name="Scale cohort", start_date=start)
            self.patients(cohort, others, rest // 2 + (rest % 2 if index else 0), full=True)
        report_clinic = clinics[1]
        report_therapists = therapists[report_clinic.pk]
        big = Cohort.objects.create(clinic=report_clinic, program=self.program, name="Report 5000", start_date=start)
        self.patients(big, report_therapists, sizes.report_big, full=False)
        small = Cohort.objects.create(clinic=report_clinic, program=self.program, name="Report 100", start_date=start)
        self.patients(small, report_therapists, sizes.report_small, full=False)
        # Staff must have an authenticator (StaffMFAMiddleware); the benchmark's staff get one.
        for user in (bench_therapist, admins[report_clinic.pk]):
            TOTP.activate(user, generate_totp_secret())
        # The benchmarked patient: the caseload's first, whose last core module is open and started.
        patient_enrollment = mine[0]
        last = PlannedModule.objects.filter(plan__enrollment=patient_enrollment).order_by("-position").first()
        PlannedModule.objects.filter(pk=last.pk).update(completed_at=None, feedback_at=None)
        module = last.module
        # ... and whose answers there are saved, not yet sent to the therapist.
        ExerciseResponse.objects.filter(enrollment=patient_enrollment, exercise__module=module).update(
            submitted_at=None
        )
        page_number, exercise = next(
            (number, ex)
            for number, page in enumerate(self.pages[module.pk], 1)
            for ex in self.exercises[module.pk]
            if ex.page_id == page.pk
        )
        counts = {
            model.__name__: model.objects.count()
            for model in (
                User,
                Enrollment,
                PlannedModule,
                PageVisit,
                ExerciseResponse,
                DiaryEntry,
                EngagementEvent,
                Assessment,
                Message,
                Feedback,
                TimeEntry,
                Authenticator,
            )
        }
        return Seeded(
            clinic_slug=report_clinic.slug,
            therapist_id=bench_therapist.pk,
            patient_id=patient_enrollment.patient_id,
            admin_id=admins[report_clinic.pk].pk,
            report_big_cohort=big.pk,
            report_small_cohort=small.pk,
            module_slug=module.slug,
            page_number=page_number,
            exercise_slug=exercise.slug,
            exercise_post=posted_fields(exercise, self.answers[exercise.pk]),
            counts=counts,
        )


def posted_fields(exercise, data: dict) -> dict:
    """The form fields a browser posts for ``data`` (as demo.history.checked_by_form builds them)."""
    form_class = FORMS[exercise.kind]
    initial = form_class.initial_from(data, exercise.config or {})
    return {f"{exercise.slug}-{name}": value for name, value in initial.items() if value not in (None, "")}


def seed(sizes: Sizes) -> Seeded:
    return Seeder(sizes).run()
