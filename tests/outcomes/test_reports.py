"""The progress report: asking for it, rendering it in the background, its status page and download,
and the URL fetcher that keeps WeasyPrint to Steady's own static files."""

import datetime
import logging
import re
import shutil
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from modules import plans
from modules.models import DiaryEntry
from outcomes import reports
from outcomes.models import Export
from tests.factories import make_program
from tests.outcomes.test_progress import make_assessment
from tests.utils import client_for


def make_export(owner, enrollment, status=Export.Status.PENDING, **fields):
    return Export.objects.create(
        owner=owner, enrollment=enrollment, kind=Export.Kind.PROGRESS_PDF, status=status, **fields
    )


def done_export(owner, enrollment):
    return make_export(
        owner, enrollment, Export.Status.DONE, content=b"%PDF-1.7 test", filename="steady-progress-2026-02-02.pdf",
        finished_at=timezone.now(),
    )  # fmt: skip


# --- Asking for a report ------------------------------------------------------------------------


@pytest.mark.django_db
def test_report_create_refuses_get(patient):
    assert client_for(patient).get(reverse("progress_report_create")).status_code == 405


@pytest.mark.django_db
def test_report_create_makes_one_export_and_enqueues_it_after_commit(
    patient, enrollment, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []
    monkeypatch.setattr("outcomes.tasks.render_export.delay", enqueued.append)
    client = client_for(patient)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("progress_report_create"))
    export = Export.objects.get()
    assert (export.owner, export.enrollment, export.kind, export.status) == (
        patient, enrollment, Export.Kind.PROGRESS_PDF, Export.Status.PENDING,
    )  # fmt: skip
    assert len(callbacks) == 1 and enqueued == [export.pk]
    assert response.status_code == 302
    assert response["Location"] == reverse("export_status", args=[export.code])
    # A second click while it waits gets the same export, and no second job.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = client.post(reverse("progress_report_create"))
    assert again["Location"] == response["Location"]
    assert Export.objects.count() == 1 and callbacks == [] and enqueued == [export.pk]


@pytest.mark.django_db
def test_a_finished_or_stuck_export_is_not_reused(patient, enrollment, monkeypatch):
    monkeypatch.setattr("outcomes.tasks.render_export.delay", lambda pk: None)
    done = done_export(patient, enrollment)
    stuck = make_export(patient, enrollment)
    Export.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    client_for(patient).post(reverse("progress_report_create"))
    assert Export.objects.exclude(pk__in=[done.pk, stuck.pk]).count() == 1


@pytest.mark.django_db
def test_staff_cannot_ask_for_a_patient_report(therapist):
    assert client_for(therapist).post(reverse("progress_report_create")).status_code == 404
    assert not Export.objects.exists()


@pytest.mark.django_db
def test_the_whole_journey_makes_a_pdf(patient, enrollment, django_capture_on_commit_callbacks):
    make_assessment(enrollment, "phq9", 14, day=0)
    make_assessment(enrollment, "phq9", 8, day=28)
    client = client_for(patient)
    # Celery runs eagerly in tests: the task runs when the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("progress_report_create"))
    export = Export.objects.get()
    assert export.status == Export.Status.DONE
    assert bytes(export.content).startswith(b"%PDF-")
    assert re.fullmatch(r"steady-progress-\d{4}-\d{2}-\d{2}\.pdf", export.filename)
    assert export.finished_at is not None and export.error == ""
    html = client.get(response["Location"]).content.decode()
    assert "Your summary is ready." in html
    assert reverse("export_download", args=[export.code]) in html


# --- Status -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_status_page_polls_while_the_report_is_made(patient, enrollment):
    export = make_export(patient, enrollment)
    url = reverse("export_status", args=[export.code])
    client = client_for(patient)
    html = client.get(url).content.decode()
    assert "<h1>Your PDF summary</h1>" in html
    assert f'hx-get="{url}" hx-trigger="every 2s"' in html
    # Without JavaScript: a real link to check again.
    assert f'<a href="{url}">Check again</a>' in html
    partial = client.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode() and 'hx-trigger="every 2s"' in partial.content.decode()


@pytest.mark.django_db
def test_the_status_partial_stops_polling_when_done(patient, enrollment):
    export = done_export(patient, enrollment)
    url = reverse("export_status", args=[export.code])
    partial = client_for(patient).get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 286
    html = partial.content.decode()
    assert "hx-trigger" not in html
    assert reverse("export_download", args=[export.code]) in html
    # Without htmx the page answers 200 as usual.
    assert client_for(patient).get(url).status_code == 200


@pytest.mark.django_db
def test_the_status_partial_stops_polling_when_it_failed(patient, enrollment):
    export = make_export(patient, enrollment, Export.Status.FAILED, error=reports.ERROR_MESSAGE)
    partial = client_for(patient).get(reverse("export_status", args=[export.code]), headers={"HX-Request": "true"})
    assert partial.status_code == 286
    assert "Sorry, your summary could not be made." in partial.content.decode()


@pytest.mark.django_db
def test_a_stuck_export_is_shown_as_failed(patient, enrollment):
    export = make_export(patient, enrollment, Export.Status.RUNNING)
    Export.objects.filter(pk=export.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    partial = client_for(patient).get(reverse("export_status", args=[export.code]), headers={"HX-Request": "true"})
    assert partial.status_code == 286
    assert "could not be made" in partial.content.decode()


@pytest.mark.django_db
def test_status_hides_other_peoples_exports(patient, enrollment, other_patient, therapist, clinic_admin):
    export = make_export(patient, enrollment)
    for user in (other_patient, therapist, clinic_admin):
        assert client_for(user).get(reverse("export_status", args=[export.code])).status_code == 404


@pytest.mark.django_db
def test_status_refuses_post(patient, enrollment):
    export = make_export(patient, enrollment)
    assert client_for(patient).post(reverse("export_status", args=[export.code])).status_code == 405


# --- Download -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_owner_downloads_the_pdf(patient, enrollment):
    export = done_export(patient, enrollment)
    response = client_for(patient).get(reverse("export_download", args=[export.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="steady-progress-2026-02-02.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content == b"%PDF-1.7 test"


@pytest.mark.django_db
def test_download_hides_other_peoples_exports(patient, enrollment, other_patient, therapist, clinic_admin):
    export = done_export(patient, enrollment)
    for user in (other_patient, therapist, clinic_admin):
        assert client_for(user).get(reverse("export_download", args=[export.code])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Export.Status.PENDING, Export.Status.RUNNING, Export.Status.FAILED])
def test_an_unfinished_export_cannot_be_downloaded(patient, enrollment, status):
    export = make_export(patient, enrollment, status)
    assert client_for(patient).get(reverse("export_download", args=[export.code])).status_code == 404


# --- Rendering ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Export.Status.RUNNING, Export.Status.DONE, Export.Status.FAILED])
def test_render_only_claims_a_pending_export(patient, enrollment, status, monkeypatch):
    monkeypatch.setattr(reports, "html_to_pdf", lambda html: pytest.fail("rendered an export it did not claim"))
    export = make_export(patient, enrollment, status)
    reports.render_export(export.pk)
    export.refresh_from_db()
    assert export.status == status


@pytest.mark.django_db
def test_render_of_a_missing_export_does_nothing():
    reports.render_export(123456)


@pytest.mark.django_db
def test_a_failure_is_recorded_without_health_data_in_the_logs(patient, enrollment, monkeypatch, caplog):
    def explode(html):
        raise ValueError("PHQ-9 total 14 for Margaret Hill")

    monkeypatch.setattr(reports, "html_to_pdf", explode)
    export = make_export(patient, enrollment)
    with caplog.at_level(logging.INFO, logger="outcomes.reports"):
        reports.render_export(export.pk)
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED
    assert export.error == "The report could not be made."
    assert export.finished_at is not None and not export.content
    assert f"export {export.pk} failed: ValueError" in caplog.text
    assert "Margaret" not in caplog.text and "14" not in caplog.text.replace(str(export.pk), "")


def pdf_text(content: bytes, tmp_path: Path) -> str:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(content)
    result = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True)
    return result.stdout


@pytest.mark.django_db
def test_the_report_holds_the_outcomes_modules_and_diary(patient, enrollment, tmp_path, monkeypatch):
    make_program(weeks=2, pages=1, optional=0, program=enrollment.program)
    plan = plans.plan_ensure(enrollment)
    plan.items.filter(module__slug="m1").update(
        unlocked_at=timezone.now(), completed_at=datetime.datetime(2026, 1, 12, 9, tzinfo=datetime.UTC)
    )
    today = timezone.localdate()
    for offset, pain in ((0, 6), (1, 4), (40, 9)):
        DiaryEntry.objects.create(enrollment=enrollment, date=today - datetime.timedelta(days=offset), pain=pain)
    make_assessment(enrollment, "phq9", 14, day=0)
    make_assessment(enrollment, "phq9", 8, day=28)
    make_assessment(enrollment, "gad7", 9, day=0)
    make_assessment(enrollment, "peg3", 7, day=0)
    make_assessment(enrollment, "peg3", 5, day=28)
    seen = {}
    real = reports.html_to_pdf

    def keep(html):
        seen["html"] = html
        return real(html)

    monkeypatch.setattr(reports, "html_to_pdf", keep)
    export = make_export(patient, enrollment)
    reports.render_export(export.pk)
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    content = bytes(export.content)
    assert content.startswith(b"%PDF-")
    html = seen["html"]
    # The same accessible SVG as on the page.
    assert 'aria-labelledby="chart-phq9-title chart-phq9-desc"' in html
    if shutil.which("pdftotext") is None:
        text = html
    else:
        text = " ".join(pdf_text(content, tmp_path).split())
    for expected in (
        "Your progress summary",
        "Margaret Hill",
        "Living well with chronic pain",
        "Patient Health Questionnaire (PHQ-9)",
        "Generalized Anxiety Disorder scale (GAD-7)",
        "Pain, Enjoyment of life and General activity (PEG)",
        "Better than at the start: a reliable improvement",
        "Module 1",
        "12 January 2026",
        "you wrote 2 diary entries",
        "Your average pain was 5.0 out of 10.",
    ):
        assert expected in text, expected


@pytest.mark.django_db
def test_the_report_renders_for_a_patient_with_nothing_yet(patient, enrollment):
    export = make_export(patient, enrollment)
    reports.render_export(export.pk)
    export.refresh_from_db()
    assert export.status == Export.Status.DONE
    assert bytes(export.content).startswith(b"%PDF-")


# --- The URL fetcher ----------------------------------------------------------------------------

HOSTILE = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="http://127.0.0.1:6379/">
<link rel="stylesheet" href="https://report.steady.invalid/static/css/report.css">
<style>
@import url("file:///etc/hosts");
@import url("https://example.com/evil.css");
@import url("https://report.steady.invalid/static/../../../../etc/passwd");
body { background: url("data:image/png;base64,iVBORw0KGgo="); }
</style></head><body>
<img src="file:///etc/passwd" alt="">
<img src="/static/%2e%2e/%2e%2e/config/settings.py" alt="">
<img src="https://report.steady.invalid/static/js/steady.js" alt="">
<img src="ftp://example.com/x.png" alt="">
<p>Hello</p></body></html>"""


def test_the_fetcher_serves_only_steadys_static_files(monkeypatch):
    opened, connected = [], []
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", lambda self, *a, **k: opened.append(a))
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connected.append(address))
    fetcher = reports.static_files_only_fetcher()
    from weasyprint import HTML

    pdf = HTML(string=HOSTILE, base_url=reports.REPORT_BASE_URL, url_fetcher=fetcher).write_pdf()
    assert pdf.startswith(b"%PDF-")
    assert fetcher.served == ["https://report.steady.invalid/static/css/report.css"]
    refused = "\n".join(fetcher.refused)
    for url in (
        "http://127.0.0.1:6379/",
        "file:///etc/hosts",
        "https://example.com/evil.css",
        "file:///etc/passwd",
        "data:image/png",
        "ftp://example.com/x.png",
        "static/js/steady.js",
    ):
        assert url in refused, url
    assert opened == [] and connected == []


@pytest.mark.parametrize(
    "url",
    [
        "https://report.steady.invalid/static/css/report.css",
        "https://report.steady.invalid/static/css/report.css?v=2#top",
    ],
)
def test_static_file_for_finds_our_files(url):
    path = reports.static_file_for(url)
    assert path is not None and path.name == "report.css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///work/main/static/css/report.css",
        "http://report.steady.invalid/static/css/report.css",
        "https://report.steady.invalid/css/report.css",
        "https://report.steady.invalid/static/../config/settings.py",
        "https://report.steady.invalid/static/%2e%2e/config/settings.py",
        "https://report.steady.invalid/static//etc/passwd.css",
        "https://report.steady.invalid/static/css/missing.css",
        "https://report.steady.invalid/static/js/steady.js",
        "https://report.steady.invalid.example.com/static/css/report.css",
        "data:text/css,body{}",
    ],
)
def test_static_file_for_refuses_everything_else(url):
    assert reports.static_file_for(url) is None
