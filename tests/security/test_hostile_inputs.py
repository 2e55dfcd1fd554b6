"""A fixed hostile corpus (tests/security/hostile.py) posted into every free-text field through its real view.

Each post either is refused with a message next to the field (nothing saved), or is saved, and then the page
that shows it has the payload escaped. Never a 500, never a raw NUL stored, never the payload in the logs.
"""

import csv
import datetime
import io
import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from clinics.models import Cohort, SupportRequest
from clinics.support import support_request_create
from guidance.models import AvailabilityException, ClinicalNote, FeedbackTemplate, Message, TimeEntry
from modules import plans
from modules.models import DiaryEntry, ExerciseResponse
from outcomes.models import Alert
from reports.models import Export, ResearchProject
from tests.factories import ProgramFactory, make_program
from tests.guidance.test_feedback import add_exercise, submit, write_url
from tests.outcomes.test_alerts import risk_alert
from tests.security import hostile
from tests.utils import client_for

pytestmark = pytest.mark.django_db


@dataclass
class Field:
    client: Client
    url: str
    data: Callable[[str], dict]
    stored: Callable[[], str | None]  # the field's saved value now ("" or None when there is nothing)
    show: tuple[Client, str | Callable[[], str]] | None  # where the saved value is shown (a client and a url)


def _today_london() -> datetime.date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo("Europe/London"))


def _last(queryset, attr):
    row = queryset.order_by("-pk").first()
    return getattr(row, attr) if row else None


def profile_name(f):
    patient = f("patient")
    data = {"language": "en", "time_zone": "Europe/London", "reminder_hour": str(patient.reminder_hour)}
    stored = lambda: User.objects.get(pk=patient.pk).name  # noqa: E731
    client = client_for(patient)
    return Field(client, reverse("profile"), lambda p: {**data, "name": p}, stored, (client, reverse("profile")))


def diary_note(f):
    patient, enrollment = f("patient"), f("enrollment")
    url = reverse("diary_entry", args=[_today_london()])
    client = client_for(patient)
    stored = lambda: _last(DiaryEntry.objects.filter(enrollment=enrollment), "note")  # noqa: E731
    return Field(client, url, lambda p: {"pain": "4", "note": p}, stored, (client, url))


def patient_message(f):
    client = client_for(f("patient"))
    stored = lambda: _last(Message.objects.all(), "body")  # noqa: E731
    url = reverse("patient_messages")
    return Field(client, url, lambda p: {"body": p}, stored, (client, url))


def staff_message(f):
    client = client_for(f("therapist"))
    url = reverse("staff_messages", args=[f("enrollment").code])
    stored = lambda: _last(Message.objects.all(), "body")  # noqa: E731
    return Field(client, url, lambda p: {"body": p}, stored, (client, url))


def clinical_note(f):
    client, enrollment = client_for(f("therapist")), f("enrollment")
    stored = lambda: _last(ClinicalNote.objects.all(), "body")  # noqa: E731
    show = (client, reverse("enrollment_detail", args=[enrollment.code]))
    return Field(client, reverse("clinical_note_add", args=[enrollment.code]), lambda p: {"body": p}, stored, show)


def time_entry_note(f):
    client, enrollment = client_for(f("therapist")), f("enrollment")
    url = reverse("time_ledger", args=[enrollment.code])
    base = {"activity": "phone", "minutes": "15", "day": timezone.localdate().isoformat(), "time": "00:01"}
    stored = lambda: _last(TimeEntry.objects.all(), "note")  # noqa: E731
    return Field(client, url, lambda p: {**base, "note": p}, stored, (client, url))


def alert_note(f):
    client, alert = client_for(f("therapist")), risk_alert(f("enrollment"))
    stored = lambda: Alert.objects.get(pk=alert.pk).note  # noqa: E731
    url = reverse("alert_acknowledge", args=[alert.code])
    return Field(client, url, lambda p: {"note": p}, stored, (client, reverse("alert_list")))


def support_description(f):
    f("enrollment")
    stored = lambda: _last(SupportRequest.objects.all(), "description")  # noqa: E731

    def show():
        support = SupportRequest.objects.order_by("-pk").first()
        return reverse("support_detail", args=[support.enrollment.clinic.slug, support.code])

    data = lambda p: {"category": "saving", "description": p}  # noqa: E731
    return Field(
        client_for(f("patient")), reverse("support_report"), data, stored, (client_for(f("clinic_admin")), show)
    )


def support_reply(f):
    support, _ = support_request_create(
        enrollment=f("enrollment"), reporter=f("patient"), category="saving", description="It stays white."
    )
    client = client_for(f("clinic_admin"))
    url = reverse("support_detail", args=[f("clinic").slug, support.code])
    stored = lambda: SupportRequest.objects.get(pk=support.pk).reply  # noqa: E731
    return Field(
        client,
        url,
        lambda p: {"status": "in_progress", "reply": p},
        stored,
        (client_for(f("patient")), reverse("help")),
    )


SETTINGS = {
    "crisis_text": "Call 999 in an emergency.",
    "video_base_url": "https://video.example.org/northside",
    "response_time_promise": "Your therapist will reply within 1 working day.",
    "reminder_hour": "18",
    "escalation_hours": "2",
    "message_minutes": "4",
    "feedback_minutes": "20",
    "checkin_minutes": "45",
    "cost_per_hour": "62.50",
    "currency": "eur",
}


def _settings_field(name, show_as):
    def make(f):
        clinic = f("clinic")
        f("enrollment")
        client = client_for(f("clinic_admin"))
        url = reverse("clinic_settings", args=[clinic.slug])
        stored = lambda: getattr(type(clinic).objects.get(pk=clinic.pk), name)  # noqa: E731
        show = (client_for(f("patient")), reverse("help")) if show_as == "patient" else (client, url)
        return Field(client, url, lambda p: {**SETTINGS, name: p}, stored, show)

    return make


def cohort_name(f):
    clinic, program = f("clinic"), ProgramFactory()
    client = client_for(f("clinic_admin"))
    start = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    base = {"program": program.pk, "start_date": start, "default_contact_mode": "mixed", "language": "en"}
    stored = lambda: _last(Cohort.objects.filter(program=program), "name")  # noqa: E731
    show = (client, reverse("cohort_list", args=[clinic.slug]))
    return Field(client, reverse("cohort_create", args=[clinic.slug]), lambda p: {**base, "name": p}, stored, show)


def staff_invite_name(f):
    clinic = f("clinic")
    client = client_for(f("clinic_admin"))
    stored = lambda: _last(User.objects.filter(email__iexact="jo.bloggs@example.org"), "name")  # noqa: E731
    show = (client, reverse("staff_list", args=[clinic.slug]))
    data = lambda p: {"name": p, "email": "jo.bloggs@example.org", "role": "therapist"}  # noqa: E731
    return Field(client, reverse("staff_invite", args=[clinic.slug]), data, stored, show)


def enrolment_name(f):
    clinic, cohort, therapist = f("clinic"), f("cohort"), f("therapist")
    client = client_for(f("clinic_admin"))
    base = {
        "email": "new.patient@example.org", "therapist": therapist.pk, "contact_mode": "async", "cohort": cohort.pk,
        "start_date": timezone.localdate().isoformat(), "time_zone": "Europe/London",
    }  # fmt: skip
    stored = lambda: _last(User.objects.filter(email__iexact="new.patient@example.org"), "name")  # noqa: E731
    url = reverse("clinic_detail", args=[clinic.slug])
    return Field(client, url, lambda p: {**base, "name": p}, stored, (client, url))


def csv_upload_name(f):
    clinic, cohort, therapist = f("clinic"), f("cohort"), f("therapist")
    client = client_for(f("clinic_admin"))

    def data(payload):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["email", "first name", "last name", "therapist email"])
        writer.writerow(["csv.patient@example.org", payload, "Jones", therapist.email])
        return {"file": SimpleUploadedFile("patients.csv", out.getvalue().encode(), content_type="text/csv")}

    stored = lambda: _last(User.objects.filter(email__iexact="csv.patient@example.org"), "name")  # noqa: E731
    url = reverse("cohort_import", args=[clinic.slug, cohort.pk])
    return Field(client, url, data, stored, (client, reverse("clinic_detail", args=[clinic.slug])))


def _module_with_exercise(enrollment):
    """Module m1 of the patient's programme, open, with a reflection exercise "story" on its first page."""
    program = make_program(weeks=2, pages=2, optional=0, program=enrollment.program)
    add_exercise(program.modules.get(slug="m1"), "story", "Your pain story")
    plans.unlock_item(plans.plan_ensure(enrollment).items.get(module__slug="m1"), now=timezone.now())


def exercise_answer(f):
    enrollment = f("enrollment")
    _module_with_exercise(enrollment)
    client = client_for(f("patient"))
    url = reverse("exercise_submit", args=["m1", "story"])
    data = lambda p: {"story-noticed": p, "story-helped": "Resting", "version": "0"}  # noqa: E731
    stored = lambda: (_last(ExerciseResponse.objects.all(), "data") or {}).get("noticed")  # noqa: E731
    return Field(client, url, data, stored, (client_for(f("therapist")), write_url(enrollment)))


def feedback_body(f):
    enrollment = f("enrollment")
    _module_with_exercise(enrollment)
    submit(enrollment)
    client = client_for(f("therapist"))

    def data(payload):
        basis = client.get(write_url(enrollment)).context["form"].initial["basis"]
        return {"body": payload, "basis": basis}

    stored = lambda: _last(Message.objects.filter(feedback__isnull=False), "body")  # noqa: E731
    show = (client_for(f("patient")), reverse("module_page", args=["m1", 1]))
    return Field(client, write_url(enrollment), data, stored, show)


def availability_note(f):
    therapist = f("therapist")
    client, url = client_for(therapist), reverse("availability")
    day = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    base = {"action": "add_exception", "exception-date": day, "exception-kind": "day_off"}
    data = lambda p: {**base, "exception-note": p}  # noqa: E731
    stored = lambda: _last(AvailabilityException.objects.filter(therapist=therapist), "note")  # noqa: E731
    return Field(client, url, data, stored, (client, url))


def research_project_name(f):
    clinic = f("clinic")
    client = client_for(f("clinic_admin"))
    stored = lambda: _last(ResearchProject.objects.filter(clinic=clinic), "name")  # noqa: E731
    show = (client, reverse("research_export", args=[clinic.slug]))
    url = reverse("research_project_create", args=[clinic.slug])
    return Field(client, url, lambda p: {"project-name": p}, stored, show)


def research_export_reason(f):
    clinic, cohort = f("clinic"), f("cohort")
    f("enrollment")
    project = ResearchProject.objects.create(
        clinic=clinic, name="Sleep study", key="0" * 64, created_by=f("clinic_admin")
    )
    client = client_for(f("clinic_admin"))
    base = {"export-project": project.pk, "export-cohort": cohort.pk, "export-identifiers": "on"}
    stored = lambda: (_last(Export.objects.all(), "params") or {}).get("reason")  # noqa: E731
    url = reverse("research_export_create", args=[clinic.slug])
    return Field(client, url, lambda p: {**base, "export-reason": p}, stored, None)


def _template_field(name):
    def make(f):
        f("clinic")
        client = client_for(f("therapist"))
        base = {"title": "Quick thanks", "module_slug": "", "body": "Thanks {first_name}!"}
        stored = lambda: _last(FeedbackTemplate.objects.all(), name)  # noqa: E731
        url = reverse("feedback_template_new")
        return Field(client, url, lambda p: {**base, name: p}, stored, (client, reverse("feedback_templates")))

    return make


FIELDS = {
    "profile_name": profile_name,
    "diary_note": diary_note,
    "patient_message": patient_message,
    "staff_message": staff_message,
    "clinical_note": clinical_note,
    "time_entry_note": time_entry_note,
    "alert_note": alert_note,
    "support_description": support_description,
    "support_reply": support_reply,
    "settings_crisis_text": _settings_field("crisis_text", "patient"),
    "settings_response_time": _settings_field("response_time_promise", "admin"),
    "cohort_name": cohort_name,
    "staff_invite_name": staff_invite_name,
    "enrolment_name": enrolment_name,
    "csv_upload_name": csv_upload_name,
    "availability_note": availability_note,
    "exercise_answer": exercise_answer,
    "feedback_body": feedback_body,
    "research_project_name": research_project_name,
    "research_export_reason": research_export_reason,
    "feedback_template_title": _template_field("title"),
    "feedback_template_body": _template_field("body"),
}


def _post(request, caplog, field_name, payload):
    field = FIELDS[field_name](request.getfixturevalue)
    before = field.stored()
    caplog.set_level(logging.DEBUG)
    with request.getfixturevalue("django_capture_on_commit_callbacks")(execute=True):  # background jobs run too
        response = field.client.post(field.url, field.data(payload))
    assert response.status_code < 500
    after = field.stored()
    for record in caplog.records:
        message = record.getMessage()
        assert not any(marker in message for marker in hostile.LOG_MARKERS), f"payload logged: {message[:200]!r}"
    return field, response, before, after


def _shown(field) -> str:
    client, url = field.show
    url = url() if callable(url) else url
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("payload", hostile.CORPUS.values(), ids=hostile.CORPUS.keys())
@pytest.mark.parametrize("field_name", FIELDS)
def test_a_hostile_value_is_refused_or_saved_and_shown_escaped(request, caplog, field_name, payload):
    field, response, before, after = _post(request, caplog, field_name, payload)
    if after == before:  # refused: the form is shown again with a message, nothing changed
        assert response.status_code == 200
        assert "nhsuk-error-message" in response.content.decode()
        return
    assert response.status_code == 302
    assert "\x00" not in after, "a raw NUL reached the database (PostgreSQL would refuse it with a 500)"
    if field.show is None:
        return
    page = _shown(field)
    assert not any(raw in page for raw in hostile.RAW_MARKUP)
    if "<script>" in after:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    if "{{ 7*7 }}" in after:
        assert "{{ 7*7 }}" in page


@pytest.mark.parametrize("field_name", FIELDS)
def test_a_one_megabyte_value_is_refused_with_a_message(request, caplog, field_name):
    field, response, before, after = _post(request, caplog, field_name, hostile.HUGE)
    assert after == before
    assert response.status_code == 200
    assert "nhsuk-error-message" in response.content.decode()


@pytest.mark.parametrize("persona", ["patient", "clinic_admin"])
def test_a_path_with_cr_lf_leaves_no_raw_line_break_in_the_logs(request, caplog, persona):
    caplog.set_level(logging.DEBUG)
    response = client_for(request.getfixturevalue(persona)).get("/nowhere%0d%0aSet-Cookie:%20x=1/")
    assert response.status_code == 404
    assert "x" not in response.cookies
    assert caplog.records, "the 404 is logged"
    for record in caplog.records:
        message = record.getMessage()
        assert "\r" not in message and "\nSet-Cookie" not in message, repr(message)
