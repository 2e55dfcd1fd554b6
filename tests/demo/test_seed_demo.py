import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from clinics.models import Clinic, Enrollment, Membership
from tests.accounts.test_login import totp_code

pytestmark = pytest.mark.django_db


def seed_json(capsys, monkeypatch, password="demo-password-for-tests"):
    monkeypatch.setenv("DEMO_PASSWORD", password)
    call_command("seed_demo", "--json")
    return json.loads(capsys.readouterr().out)


def test_it_makes_two_clinics_with_admins_therapists_and_patients(capsys, monkeypatch):
    data = seed_json(capsys, monkeypatch)
    assert data["password"] == "demo-password-for-tests"
    for clinic in Clinic.objects.all():
        roles = [a["role"] for a in data["accounts"] if a["clinic"] == clinic.slug]
        assert roles.count("admin") == 1
        assert roles.count("therapist") == 2
        assert roles.count("patient") >= 4
        modes = set(Enrollment.objects.filter(clinic=clinic).values_list("contact_mode", flat=True))
        assert modes == {"async", "sync", "mixed"}
    assert Clinic.objects.count() == 2
    for account in data["accounts"]:
        assert set(account) >= {"email", "role", "clinic", "totp_secret"}
        assert (account["totp_secret"] is None) == (account["role"] == "patient")


def test_it_is_idempotent(capsys, monkeypatch):
    first = seed_json(capsys, monkeypatch)
    counts = (User.objects.count(), Enrollment.objects.count(), Membership.objects.count())
    second = seed_json(capsys, monkeypatch)
    assert (User.objects.count(), Enrollment.objects.count(), Membership.objects.count()) == counts
    assert first["accounts"] == second["accounts"]


def test_demo_staff_sign_in_with_the_password_and_their_totp_secret(capsys, monkeypatch):
    data = seed_json(capsys, monkeypatch)
    therapist = next(a for a in data["accounts"] if a["role"] == "therapist")
    client = Client()
    client.post(reverse("account_login"), {"login": therapist["email"], "password": data["password"]})
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(User.objects.get(email=therapist["email"]))})
    assert response.status_code == 302
    page = client.get(reverse("caseload"))
    assert page.status_code == 200
    assert "Your caseload" in page.content.decode()


def test_demo_patients_sign_in_with_the_password(capsys, monkeypatch):
    data = seed_json(capsys, monkeypatch)
    patient = next(a for a in data["accounts"] if a["role"] == "patient")
    client = Client()
    client.post(reverse("account_login"), {"login": patient["email"], "password": data["password"]})
    assert "Living well with chronic pain" in client.get(reverse("patient_home")).content.decode()


def test_demo_totp_prints_the_current_code(capsys, monkeypatch):
    data = seed_json(capsys, monkeypatch)
    admin = next(a for a in data["accounts"] if a["role"] == "admin")
    call_command("demo_totp", admin["email"])
    assert capsys.readouterr().out.strip() == totp_code(User.objects.get(email=admin["email"]))


def test_demo_patients_are_at_different_weeks_with_true_history(capsys, monkeypatch):
    from modules.models import DiaryEntry, ExerciseResponse, PlannedModule

    seed_json(capsys, monkeypatch)
    janet = Enrollment.objects.get(patient__email="janet.brown@example.com")
    peter = Enrollment.objects.get(patient__email="peter.walsh@example.com")
    assert PlannedModule.objects.filter(plan__enrollment=janet, completed_at__isnull=False).count() == 6
    assert PlannedModule.objects.filter(plan__enrollment=janet, unlocked_at__isnull=False).count() == 7
    assert PlannedModule.objects.filter(plan__enrollment=peter, unlocked_at__isnull=False).count() == 1
    assert ExerciseResponse.objects.filter(enrollment=janet, submitted_at__isnull=False).count() >= 10
    assert not ExerciseResponse.objects.filter(enrollment=peter).exists()
    assert DiaryEntry.objects.filter(enrollment=janet).count() >= 15
    client = Client()
    client.post(reverse("account_login"), {"login": janet.patient.email, "password": "demo-password-for-tests"})
    page = client.get(reverse("patient_home")).content.decode()
    assert "This week" in page
    assert client.get(reverse("diary")).status_code == 200


def test_demo_questionnaires_show_improvement_deterioration_and_an_open_risk_alert(capsys, monkeypatch):
    from outcomes.models import Alert, Assessment

    seed_json(capsys, monkeypatch)
    janet = Enrollment.objects.get(patient__email="janet.brown@example.com")
    phq9 = list(
        Assessment.objects.filter(enrollment=janet, instrument_key="phq9", status="completed")
        .order_by("opens_at")
        .values_list("total", flat=True)
    )
    assert len(phq9) >= 4 and phq9[-1] < phq9[0]
    david = Enrollment.objects.get(patient__email="david.evans@example.com")
    assert Alert.objects.filter(enrollment=david, kind="deterioration").exists()
    susan = Enrollment.objects.get(patient__email="susan.clarke@example.com")
    risk = Alert.objects.get(enrollment=susan, kind="risk")
    assert risk.acknowledged_at is None
    margaret = Enrollment.objects.get(patient__email="margaret.hill@example.com")
    assert Assessment.objects.filter(enrollment=margaret, status="open").exists()


def test_it_gives_therapists_real_guidance_work_to_look_at(capsys, monkeypatch):
    from guidance.models import AvailabilityRule, CheckIn, Feedback, FeedbackTemplate, Message, TimeEntry
    from guidance.selectors import UNREAD_FOR_THERAPIST, awaiting_feedback

    seed_json(capsys, monkeypatch)
    assert Message.objects.filter(UNREAD_FOR_THERAPIST).exists()  # someone is waiting for a reply
    assert Feedback.objects.exists() and awaiting_feedback().exists()  # some answered, some to review
    assert (
        FeedbackTemplate.objects.filter(owner=None).exists() and FeedbackTemplate.objects.exclude(owner=None).exists()
    )
    assert AvailabilityRule.objects.exists()
    statuses = set(CheckIn.objects.values_list("status", flat=True))
    assert {"booked", "held"} <= statuses
    activities = set(TimeEntry.objects.values_list("activity", flat=True))
    assert {"message", "feedback", "checkin", "phone", "review"} <= activities
    counts = (Message.objects.count(), Feedback.objects.count(), CheckIn.objects.count(), TimeEntry.objects.count())
    seed_json(capsys, monkeypatch)
    assert (Message.objects.count(), Feedback.objects.count(), CheckIn.objects.count(), TimeEntry.objects.count()) == (
        counts
    )


def test_the_admin_sees_a_report_with_numbers_support_and_can_enrol_the_sample_csv(
    capsys, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from pathlib import Path

    from clinics.models import Cohort, SupportRequest
    from reports.models import ResearchProject

    seed_json(capsys, monkeypatch)
    northside = Clinic.objects.get(slug="northside")
    spring = Cohort.objects.get(clinic=northside, name="Spring group")
    assert Enrollment.objects.filter(cohort=spring, status="completed").count() >= 15
    admin = User.objects.get(email="admin@northside.example")
    client = Client()
    client.post(reverse("account_login"), {"login": admin.email, "password": "demo-password-for-tests"})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(admin)})

    report = client.get(reverse("clinic_report", args=["northside"]), {"cohort": spring.pk}).content.decode()
    assert "Hedges" in report and "PHQ-9" in report
    assert SupportRequest.objects.filter(clinic=northside).count() == 1
    assert ResearchProject.objects.filter(clinic=northside).exists()

    autumn = Cohort.objects.get(clinic=northside, name="Autumn group")
    sample = Path(settings.BASE_DIR, "demo", "sample-enrolment.csv").read_bytes()
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):  # the enrolling job runs (eagerly) after commit
        response = client.post(
            reverse("cohort_import", args=["northside", autumn.pk]),
            {"file": SimpleUploadedFile("sample-enrolment.csv", sample, content_type="text/csv")},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    new = Enrollment.objects.filter(cohort=autumn, patient__email__in=["rose.taylor@example.com",
                                   "william.grant@example.com", "nora.patel@example.com"])  # fmt: skip
    assert new.count() == 3
    assert new.get(patient__email="nora.patel@example.com").therapist_id == autumn.default_therapist_id
