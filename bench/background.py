"""Background work, measured in this process and in a real Celery worker on the bench broker.

Order matters and is fixed by ``run``: the CSV import runs first (its hand-off to a worker is purged,
so only this process does the work); the scheduling sweep then opens one module for each of N new
enrolments, which (as in production) writes N "module ready" notifications and enqueues one
``notifications.deliver`` task per row; a Celery worker started afterwards works through those
tasks (one task per row, with the broker round trips); then N more due rows are sent by the
batched dispatcher in this process. Both paths render and "send" the same kind of e-mail through
the same in-memory mail backend.
"""

import contextlib
import datetime
import os
import signal
import statistics
import subprocess
import time
from pathlib import Path

from django.db import connection
from django.db.models import Max, Min
from django.utils import timezone

from bench.environment import BASE_DIR
from bench.load import peak_rss_mb


class QueryCounter:
    """Counts the statements this process sends (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextlib.contextmanager
def counting_queries():
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        yield counter


def purge_broker() -> int:
    from config.celery import app

    return app.control.purge()


def csv_import(seeder, rows: int) -> dict:
    """An admin uploads a CSV of ``rows`` new patients; the import job enrols them all."""
    from clinics.imports import enrolment_import_run, enrolment_import_start
    from clinics.models import Cohort, Enrollment, EnrolmentImport, Membership
    from notifications.models import Notification

    clinic = seeder.clinics[0]
    admin = seeder.staff(clinic, Membership.Role.ADMIN, 1)[0]
    therapists = list(
        clinic.memberships.filter(role=Membership.Role.THERAPIST).values_list("user__email", flat=True)[:10]
    )
    cohort = Cohort.objects.create(clinic=clinic, program=seeder.program, name="CSV import", start_date=seeder.today)
    lines = ["email;first name;last name;therapist email;contact mode;time zone;language"]
    for i in range(rows):
        lines.append(
            f"imported{i}@bench.invalid;Pat;Imported {i};{therapists[i % len(therapists)]};async;Europe/London;en"
        )
    content = ("\n".join(lines) + "\n").encode()
    started = time.perf_counter()
    upload = enrolment_import_start(cohort=cohort, by=admin, filename="bench.csv", content=content)
    checked = time.perf_counter()
    while enrolment_import_run(upload.pk):
        pass
    finished = time.perf_counter()
    upload.refresh_from_db()
    purge_broker()
    # The invitations it queued are not part of the dispatcher's benchmark.
    Notification.objects.filter(status=Notification.Status.PENDING).update(status=Notification.Status.CANCELLED)
    enrolled = Enrollment.objects.filter(cohort=cohort).count()
    if upload.status != EnrolmentImport.Status.DONE or enrolled != rows:
        raise RuntimeError(f"CSV import: status {upload.status}, {enrolled} of {rows} enrolled")
    return {
        "rows": rows,
        "enrolled": enrolled,
        "upload_check_s": round(checked - started, 2),
        "job_s": round(finished - checked, 2),
        "total_s": round(finished - started, 2),
        "rows_per_s": round(rows / (finished - started), 1),
    }


def sweep(seeder, enrolments: int) -> dict:
    """The scheduling sweeps over ``enrolments`` new enrolments starting today: ``reconcile_plans``
    makes their plans, ``unlock_due`` opens each one's first module (and queues its e-mail)."""
    from clinics.models import Cohort
    from modules import plans
    from modules.models import PlannedModule

    cohort = Cohort.objects.create(
        clinic=seeder.clinics[1], program=seeder.program, name="Sweep", start_date=seeder.today
    )
    enrollments = seeder.bare_enrollments(cohort, enrolments, start=seeder.today - datetime.timedelta(days=1))
    started = time.perf_counter()
    made = 0
    while batch := plans.plan_reconcile():
        made += batch
    reconciled = time.perf_counter()
    now = timezone.now()
    opened = 0
    with counting_queries() as captured:
        while batch := plans.unlock_due(now=now):
            opened += batch
    finished = time.perf_counter()
    mine = PlannedModule.objects.filter(plan__enrollment__cohort=cohort, position=1)
    planned, due_left = mine.count(), mine.filter(unlocked_at__isnull=True).count()
    if planned != len(enrollments) or opened < len(enrollments) or due_left:
        raise RuntimeError(f"sweep: {planned} plans, {opened} opened of {len(enrollments)}")
    return {
        "enrolments": len(enrollments),
        "plans_made": made,  # also those of other open enrolments without a plan (the CSV import's)
        "modules_opened": opened,
        "reconcile_plans_s": round(reconciled - started, 2),
        "reconcile_per_s": round(made / (reconciled - started), 1),
        "unlock_due_s": round(finished - reconciled, 2),
        "unlock_per_s": round(opened / (finished - reconciled), 1),
        "unlock_queries": captured.count,
    }


class CeleryWorker:
    """``celery -A config worker`` (prefork, 2 processes) against the bench broker and database."""

    def __init__(self, env: dict, log: Path, concurrency: int = 2):
        self.env, self.log, self.concurrency = env, log, concurrency
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                str(BASE_DIR / ".venv/bin/celery"),
                "-A",
                "config",
                "worker",
                "-l",
                "WARNING",
                "--pool",
                "prefork",
                "-c",
                str(self.concurrency),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=BASE_DIR,
            env={**os.environ, **self.env},
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [self.process.pid, *(int(p) for p in children.read_text().split())]
        except OSError:
            return [self.process.pid]

    def peak_rss_mb(self) -> float:
        return max(peak_rss_mb(pid) for pid in self.pids())


def per_task(expected: int, timeout: float) -> dict:
    """Wait for the worker to send the ``expected`` rows the sweep queued, one task each; the rate
    runs from the first row sent to the last (the worker's start-up is not counted)."""
    from notifications.models import Notification

    ready = Notification.objects.filter(kind="modules.module_ready")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = ready.filter(status=Notification.Status.SENT).count()
        if sent >= expected:
            break
        time.sleep(0.5)
    else:
        raise RuntimeError(f"per-task delivery: only {sent} of {expected} sent in {timeout:.0f} s")
    span = ready.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    seconds = (span["last"] - span["first"]).total_seconds()
    return {"rows": expected, "seconds": round(seconds, 2), "per_s": round(expected / seconds, 1)}


def dispatcher(seeder, rows: int) -> dict:
    """``rows`` due notifications of the same kind, sent by the batched dispatcher (the task beat runs)."""
    from modules.models import PlannedModule
    from modules.plans import MODULE_READY_KIND
    from notifications import services
    from notifications.models import Notification

    items = list(
        PlannedModule.objects.filter(unlocked_at__isnull=False)
        .select_related("plan__enrollment")
        .values_list("pk", "plan__enrollment__patient_id")[:rows]
    )
    due = timezone.now() - datetime.timedelta(minutes=1)
    Notification.objects.bulk_create(
        (
            Notification(
                user_id=patient_id,
                kind=MODULE_READY_KIND,
                dedupe_key=f"bench-dispatch:{pk}",
                context={"planned_module_id": pk},
                due_at=due,
            )
            for pk, patient_id in items
        ),
        batch_size=5000,
    )
    sent = runs = 0
    started = time.perf_counter()
    with counting_queries() as captured:
        while batch := services.dispatch_due():
            sent += batch
            runs += 1
    seconds = time.perf_counter() - started
    if sent != len(items):
        raise RuntimeError(f"dispatcher sent {sent} of {len(items)}")
    return {
        "rows": sent,
        "seconds": round(seconds, 2),
        "per_s": round(sent / seconds, 1),
        "task_runs": runs,
        "queries": captured.count,
        "queries_per_row": round(captured.count / sent, 2),
    }


def pdfs(seeded, repeats: int) -> dict:
    """Warm, in-process render times of the patient's progress report against a trivial PDF: for a
    patient in their first week (one page: the target's case) and for the benchmarked patient after
    12 weeks (several pages)."""
    from clinics.models import Enrollment
    from outcomes.reports import html_to_pdf

    related = ("patient", "program", "clinic", "therapist")
    early = Enrollment.objects.select_related(*related).filter(cohort__name="Sweep").order_by("pk").first()
    late = Enrollment.objects.select_related(*related).get(patient_id=seeded.patient_id)
    trivial_s = timed(lambda: html_to_pdf(TRIVIAL), repeats)
    result = {"trivial_ms": round(trivial_s * 1000, 1), "trivial_pages": page_count(TRIVIAL)}
    for name, enrollment in (("first_week", early), ("twelve_weeks", late)):
        seconds = timed(lambda enrollment=enrollment: progress_pdf(enrollment), repeats)
        result[name] = {
            "ms": round(seconds * 1000, 1),
            "pages": page_count(patient_html(enrollment)),
            "ratio": round(seconds / trivial_s, 2),
        }
    return result


def timed(render, repeats: int) -> float:
    """Median seconds of ``repeats`` renders after a warm-up."""
    times = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        render()
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


def progress_pdf(enrollment) -> bytes:
    from outcomes.models import Export
    from outcomes.reports import _render

    return _render(Export(owner=enrollment.patient, enrollment=enrollment, kind=Export.Kind.PROGRESS_PDF))[0]


TRIVIAL = "<h1>x</h1>"


def patient_html(enrollment) -> str:
    """The progress report's HTML, as outcomes.reports._render makes it."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from outcomes.reports import report_context

    patient = enrollment.patient
    with timezone.override(patient.zone), translation.override(patient.language):
        return render_to_string("outcomes/report/progress.html", report_context(enrollment, timezone.localdate()))


def page_count(html: str) -> int:
    """Pages of the PDF Steady makes from ``html``, made through outcomes.reports.html_to_pdf (the only
    place that may call WeasyPrint: tests/outcomes/test_pdf_inputs.py) and counted by poppler's pdfinfo."""
    import subprocess
    import tempfile

    from outcomes.reports import html_to_pdf

    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(html_to_pdf(html))
        pdf.flush()
        info = subprocess.run(["pdfinfo", pdf.name], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def worker_pdf(seeded, timeout: float = 120) -> None:
    """A progress report rendered by the worker (so its peak memory includes WeasyPrint)."""
    from clinics.models import Enrollment
    from outcomes.models import Export
    from outcomes.reports import progress_report_request

    enrollment = Enrollment.objects.select_related("patient").get(patient_id=seeded.patient_id)
    export = progress_report_request(owner=enrollment.patient, enrollment=enrollment)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        export.refresh_from_db(fields=["status"])
        if export.status == Export.Status.DONE:
            return
        if export.status == Export.Status.FAILED:
            raise RuntimeError("the worker failed to render the progress report")
        time.sleep(0.3)
    raise RuntimeError("the worker did not render the progress report in time")
