"""The key pages, signed-in sessions for them, and their query counts as data grows.

Sessions are made the way a sign-in leaves them (logged in, staff with their authenticator used),
stored in the database, so gunicorn accepts their cookies like a browser's.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User


@dataclass
class Page:
    key: str
    label: str
    url: str
    user_id: int | None  # None: no session (H)
    marker: str  # text the response must contain, so a redirect to sign-in is never measured
    method: str = "GET"
    post: dict = field(default_factory=dict)
    target: float | None = None  # minimum rps / H
    htmx: bool = False


def signed_in_client(user: User) -> Client:
    """A client signed in as ``user``; staff have used their authenticator in this session."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": 0, "email": user.email},
        {"method": "mfa", "at": 0, "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def key_pages(seeded) -> list[Page]:
    report = reverse("clinic_report", args=[seeded.clinic_slug])
    return [
        Page("hello", "bare Django view (H)", "/bench/hello/", None, "Hello"),
        Page("home", "patient home", reverse("patient_home"), seeded.patient_id, "This week", target=0.40),
        Page(
            "module",
            "module page",
            reverse("module_page", args=[seeded.module_slug, seeded.page_number]),
            seeded.patient_id,
            f'id="exercise-{seeded.exercise_slug}-version"',
            target=0.40,
        ),
        Page(
            "autosave",
            "exercise autosave POST (htmx)",
            reverse("exercise_save", args=[seeded.module_slug, seeded.exercise_slug]),
            seeded.patient_id,
            f'id="exercise-{seeded.exercise_slug}-version"',  # swapped in only after a save
            method="POST",
            post=seeded.exercise_post,
            target=0.30,
            htmx=True,
        ),
        Page(
            "dashboard",
            "therapist dashboard, 60 patients",
            reverse("caseload"),
            seeded.therapist_id,
            'href="/patients/',
            target=0.20,
        ),
        Page(
            "report_big",
            "cohort report, 5,000 patients",
            f"{report}?cohort={seeded.report_big_cohort}",
            seeded.admin_id,
            "Patients in this report",
            target=0.08,
        ),
        Page(
            "report_small",
            "cohort report, 100 patients",
            f"{report}?cohort={seeded.report_small_cohort}",
            seeded.admin_id,
            "Patients in this report",
        ),
    ]


def request(client: Client, page: Page, version: int | None = None):
    if page.method == "POST":
        data = dict(page.post)
        if version is not None:
            data["version"] = str(version)
        headers = {"HX-Request": "true"} if page.htmx else {}
        return client.post(page.url, data, headers=headers)
    return client.get(page.url)


def cookies_for(pages: list[Page]) -> dict[int, dict[str, str]]:
    """Per user: the session cookie and the CSRF cookie, after a first request that stamps the session."""
    jar = {}
    for page in pages:
        if page.user_id is None or page.user_id in jar:
            continue
        client = signed_in_client(User.objects.get(pk=page.user_id))
        first = next(p for p in pages if p.user_id == page.user_id and p.method == "GET")
        response = client.get(first.url)
        assert response.status_code == 200, (first.key, response.status_code)  # noqa: S101
        if settings.CSRF_COOKIE_NAME not in client.cookies:
            client.get(reverse("module_page", args=["x", 1]))  # any page with a form sets the CSRF cookie
        jar[page.user_id] = {
            "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "csrf": client.cookies[settings.CSRF_COOKIE_NAME].value
            if settings.CSRF_COOKIE_NAME in client.cookies
            else "",
        }
    return jar


def body_for(page: Page) -> str:
    return urlencode(page.post, doseq=True)


def cpu_ms(key: list[Page], *, requests: int) -> dict[str, float]:
    """Median CPU milliseconds of this process per request, served in-process by the test client
    (three runs of ``requests`` after a warm-up). CPU time barely moves with other load on the
    machine, so ``cpu(H) / cpu(page)`` is a steadier estimate of the page's ratio to H than req/s
    on a busy box; the test client's own overhead is in every figure, H's included."""
    import statistics
    import time

    from django.test import Client

    result = {}
    for page in key:
        client = Client() if page.user_id is None else signed_in_client(User.objects.get(pk=page.user_id))
        for _ in range(3):
            request(client, page)
        runs = []
        for _ in range(3):
            started = time.process_time()
            for _ in range(requests):
                response = request(client, page)
            runs.append((time.process_time() - started) * 1000 / requests)
            assert response.status_code == 200, (page.key, response.status_code)  # noqa: S101
        result[page.key] = round(statistics.median(runs), 2)
    return result


# --- Query counts as data grows ----------------------------------------------------------------------


def count_queries(user: User, page: Page) -> tuple[int, int]:
    """(queries, status) of one request by a signed-in user, after a first one stamped the session."""
    client = signed_in_client(user)
    request(client, page)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = request(client, page)
    return len(captured.captured_queries), response.status_code


def scaled_sets(seeder, counts: list[int]) -> dict[int, dict]:
    """For each N: a therapist with N patients (full history), a cohort of N patients (report
    history), and one patient with N messages, N diary days and N activity events."""
    from clinics.models import Cohort, Membership
    from guidance.models import Message, Thread
    from modules.models import DiaryEntry, EngagementEvent

    clinic = seeder.clinics[0]
    sets = {}
    for n in counts:
        therapist = seeder.staff(clinic, Membership.Role.THERAPIST, 1)[0]
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        TOTP.activate(therapist, generate_totp_secret())
        admin = seeder.staff(clinic, Membership.Role.ADMIN, 1)[0]
        TOTP.activate(admin, generate_totp_secret())
        start = seeder.today - datetime.timedelta(weeks=seeder.sizes.weeks)
        caseload = Cohort.objects.create(
            clinic=clinic, program=seeder.program, name=f"N={n} caseload", start_date=start
        )
        mine = seeder.patients(caseload, [therapist], n, full=True)
        cohort = Cohort.objects.create(clinic=clinic, program=seeder.program, name=f"N={n} report", start_date=start)
        seeder.patients(cohort, [therapist], n, full=False)
        # One patient whose own history grows with N: messages, diary days, activity.
        patient = mine[0]
        thread = Thread.objects.get(enrollment=patient)
        now = timezone.now()
        Message.objects.bulk_create(
            Message(
                thread=thread,
                author_id=patient.patient_id if i % 2 else therapist.pk,
                body="More history.",
                created_at=now - datetime.timedelta(days=400, minutes=i),
                read_at=now,
            )
            for i in range(n)
        )
        have = set(DiaryEntry.objects.filter(enrollment=patient).values_list("date", flat=True))
        earliest = patient.start_date - datetime.timedelta(days=1)
        DiaryEntry.objects.bulk_create(
            DiaryEntry(enrollment=patient, date=earliest - datetime.timedelta(days=i), pain=5)
            for i in range(n)
            if earliest - datetime.timedelta(days=i) not in have
        )
        EngagementEvent.objects.bulk_create(
            EngagementEvent(enrollment=patient, kind="page_viewed", at=now - datetime.timedelta(days=400, minutes=i))
            for i in range(n)
        )
        sets[n] = {"therapist": therapist, "admin": admin, "patient": patient, "cohort": cohort}
    return sets


def query_counts(seeder, seeded, counts: list[int]) -> dict:
    """Queries per key page at each N; the pages are the benchmark's, pointed at each N's data."""
    sets = scaled_sets(seeder, counts)
    result = {}
    for n, data in sets.items():
        patient = data["patient"]
        item = patient.plan.items.select_related("module").order_by("-position").first()
        item.completed_at = None
        item.save(update_fields=["completed_at"])
        exercise = item.module.exercises.select_related("page").order_by("page__position", "slug").first()
        page_number = (
            list(item.module.pages.order_by("position").values_list("pk", flat=True)).index(exercise.page_id) + 1
        )
        from bench.seed import posted_fields
        from modules.models import ExerciseResponse

        stored = ExerciseResponse.objects.get(enrollment=patient, exercise=exercise)
        report = reverse("clinic_report", args=[seeder.clinics[0].slug])
        pages = {
            "home": (patient.patient, Page("home", "", reverse("patient_home"), None, "")),
            "module": (
                patient.patient,
                Page("module", "", reverse("module_page", args=[item.module.slug, page_number]), None, ""),
            ),
            "autosave": (
                patient.patient,
                Page(
                    "autosave",
                    "",
                    reverse("exercise_save", args=[item.module.slug, exercise.slug]),
                    None,
                    "",
                    method="POST",
                    post=posted_fields(exercise, stored.data),
                    htmx=True,
                ),
            ),
            "dashboard": (data["therapist"], Page("dashboard", "", reverse("caseload"), None, "")),
            "report": (data["admin"], Page("report", "", f"{report}?cohort={data['cohort'].pk}", None, "")),
        }
        for key, (user, page) in pages.items():
            queries, status = count_queries(user, page)
            result.setdefault(key, {})[str(n)] = {"queries": queries, "status": status}
    return result
