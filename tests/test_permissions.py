"""The permission matrix: every named URL x every persona -> the status they must get.

A URL that is added without a row here fails ``test_every_url_is_in_the_matrix``. Out of scope is
404 (never 403, which would reveal that the object exists); anonymous users are sent to sign in.
"""

import datetime

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from modules import plans
from tests.factories import make_program
from tests.utils import client_for

PERSONAS = [
    "anonymous",
    "patient",
    "other_patient",
    "therapist",
    "other_therapist",
    "clinic_admin",
    "other_clinic_admin",
    "operator",
]

LOGIN = 302  # anonymous: redirected to the sign-in page


def row(anonymous, patient, other_patient, therapist, other_therapist, clinic_admin, other_clinic_admin, operator):
    return dict(zip(PERSONAS, [anonymous, patient, other_patient, therapist, other_therapist, clinic_admin,
                               other_clinic_admin, operator], strict=True))  # fmt: skip


# name -> (kwargs builder, expected status per persona). ``o`` holds the objects made by the fixture.
MATRIX = {
    "home": (lambda o: {}, row(LOGIN, 302, 302, 302, 302, 302, 302, 302)),
    "patient_home": (lambda o: {}, row(LOGIN, 200, 200, 404, 404, 404, 404, 404)),
    "caseload": (lambda o: {}, row(LOGIN, 404, 404, 200, 200, 404, 404, 404)),
    "clinic_list": (lambda o: {}, row(LOGIN, 404, 404, 404, 404, 302, 302, 404)),
    "clinic_detail": (lambda o: {"slug": o["clinic"].slug}, row(LOGIN, 404, 404, 404, 404, 200, 404, 404)),
    "enrollment_detail": (
        lambda o: {"code": o["enrollment"].code},
        row(LOGIN, 404, 404, 200, 404, 200, 404, 404),
    ),
    "profile": (lambda o: {}, row(LOGIN, 200, 200, 200, 200, 200, 200, 200)),
    "invitation_open": (lambda o: {"token": "not-a-real-token"}, row(404, 404, 404, 404, 404, 404, 404, 404)),
    "invitation_password": (lambda o: {}, row(404, 404, 404, 404, 404, 404, 404, 404)),
    "invitation_consent": (lambda o: {}, row(404, 404, 404, 404, 404, 404, 404, 404)),
    "legal_terms": (lambda o: {}, row(200, 200, 200, 200, 200, 200, 200, 200)),
    "legal_privacy": (lambda o: {}, row(200, 200, 200, 200, 200, 200, 200, 200)),
    "healthz": (lambda o: {}, row(200, 200, 200, 200, 200, 200, 200, 200)),
    "readyz": (lambda o: {}, row(200, 200, 200, 200, 200, 200, 200, 200)),
    # Programme (modules): the patient's own pages; module m1 is open for "patient" only.
    "program_overview": (lambda o: {}, row(LOGIN, 200, 200, 404, 404, 404, 404, 404)),
    "module_detail": (lambda o: {"module": "m1"}, row(LOGIN, 302, 404, 404, 404, 404, 404, 404)),
    "module_page": (lambda o: {"module": "m1", "number": 1}, row(LOGIN, 200, 404, 404, 404, 404, 404, 404)),
    "module_finish": (lambda o: {"module": "m1"}, row(LOGIN, 405, 405, 405, 405, 405, 405, 405)),
    "exercise_save": (
        lambda o: {"module": "m1", "exercise": "e1"},
        row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ),
    "exercise_submit": (
        lambda o: {"module": "m1", "exercise": "e1"},
        row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ),
    "diary": (lambda o: {}, row(LOGIN, 200, 200, 404, 404, 404, 404, 404)),
    "diary_entry": (lambda o: {"day": o["today"]}, row(LOGIN, 200, 200, 404, 404, 404, 404, 404)),
    "plan_detail": (lambda o: {"code": o["enrollment"].code}, row(LOGIN, 404, 404, 200, 404, 200, 404, 404)),
    "plan_change": (lambda o: {"code": o["enrollment"].code}, row(LOGIN, 405, 405, 405, 405, 405, 405, 405)),
    # allauth: sign-in pages are open; account pages need a signed-in user; sign-up is closed.
    "account_login": (lambda o: {}, row(200, 302, 302, 302, 302, 302, 302, 302)),
    "account_signup": (lambda o: {}, row(200, 302, 302, 302, 302, 302, 302, 302)),
    "account_request_login_code": (lambda o: {}, row(200, 302, 302, 302, 302, 302, 302, 302)),
    "account_reset_password": (lambda o: {}, row(200, 200, 200, 200, 200, 200, 200, 200)),
    "account_change_password": (lambda o: {}, row(LOGIN, 200, 200, 200, 200, 200, 200, 200)),
    "mfa_index": (lambda o: {}, row(LOGIN, 200, 200, 200, 200, 200, 200, 200)),
    "account_email": (lambda o: {}, row(LOGIN, 200, 200, 200, 200, 200, 200, 200)),
    # Questionnaires (outcomes): the patient's own; "patient" has one open PHQ-9.
    "questionnaire_next": (lambda o: {}, row(LOGIN, 302, 200, 404, 404, 404, 404, 404)),
    "questionnaire_answer": (
        lambda o: {"code": o["assessment"].code},
        row(LOGIN, 200, 404, 404, 404, 404, 404, 404),
    ),
    "alert_list": (lambda o: {}, row(LOGIN, 404, 404, 200, 200, 200, 200, 404)),
    "alert_acknowledge": (lambda o: {"code": o["assessment"].code}, row(LOGIN, 405, 405, 405, 405, 405, 405, 405)),
    # Progress (outcomes): the patient's own page and PDF exports; exports are the owner's only.
    "my_progress": (lambda o: {}, row(LOGIN, 200, 200, 404, 404, 404, 404, 404)),
    "progress_report_create": (lambda o: {}, row(LOGIN, 405, 405, 405, 405, 405, 405, 405)),
    "export_status": (lambda o: {"code": o["export"].code}, row(LOGIN, 200, 404, 404, 404, 404, 404, 404)),
    "export_download": (lambda o: {"code": o["done_export"].code}, row(LOGIN, 200, 404, 404, 404, 404, 404, 404)),
    "patient_progress": (lambda o: {"code": o["enrollment"].code}, row(LOGIN, 404, 404, 200, 404, 200, 404, 404)),
    # Messages (guidance): the patient's own thread; staff see it through the enrolment (admin read-only).
    "patient_messages": (lambda o: {}, row(LOGIN, 200, 200, 404, 404, 404, 404, 404)),
    "patient_messages_new": (lambda o: {}, row(LOGIN, 200, 200, 404, 404, 404, 404, 404)),
    "message_inbox": (lambda o: {}, row(LOGIN, 404, 404, 200, 200, 404, 404, 404)),
    "staff_messages": (lambda o: {"code": o["enrollment"].code}, row(LOGIN, 404, 404, 200, 404, 200, 404, 404)),
    "staff_messages_new": (lambda o: {"code": o["enrollment"].code}, row(LOGIN, 404, 404, 200, 404, 200, 404, 404)),
    # The therapist's view of one patient (guidance): notes, contact mode and time entries.
    "clinical_note_add": (lambda o: {"code": o["enrollment"].code}, row(LOGIN, 405, 405, 405, 405, 405, 405, 405)),
    "contact_mode_change": (lambda o: {"code": o["enrollment"].code}, row(LOGIN, 405, 405, 405, 405, 405, 405, 405)),
    "time_ledger": (lambda o: {"code": o["enrollment"].code}, row(LOGIN, 404, 404, 200, 404, 200, 404, 404)),
    "time_entry_edit": (
        lambda o: {"code": o["enrollment"].code, "entry": o["time_entry"].code},
        row(LOGIN, 404, 404, 200, 404, 404, 404, 404),
    ),
    "my_time": (lambda o: {}, row(LOGIN, 404, 404, 200, 200, 404, 404, 404)),
    # Weekly feedback: therapists write it; clinic admins manage clinic-wide templates.
    "review_queue": (lambda o: {}, row(LOGIN, 404, 404, 200, 200, 404, 404, 404)),
    "feedback_write": (
        lambda o: {"code": o["enrollment"].code, "module": "m1"},
        row(LOGIN, 404, 404, 200, 404, 404, 404, 404),
    ),
    "feedback_guide": (lambda o: {}, row(LOGIN, 404, 404, 200, 200, 200, 200, 404)),
    "feedback_templates": (lambda o: {}, row(LOGIN, 404, 404, 200, 200, 200, 200, 404)),
    "feedback_template_new": (lambda o: {}, row(LOGIN, 404, 404, 200, 200, 200, 200, 404)),
    "feedback_template_edit": (
        lambda o: {"code": o["template"].code},  # the therapist's personal template
        row(LOGIN, 404, 404, 200, 404, 404, 404, 404),
    ),
    "feedback_template_delete": (lambda o: {"code": o["template"].code}, row(LOGIN, 405, 405, 405, 405, 405, 405, 405)),
    # Check-ins: "patient" (mixed contact) has one booked; "other_patient" is messages-only.
    "patient_checkins": (lambda o: {}, row(LOGIN, 200, 200, 404, 404, 404, 404, 404)),
    "checkin_book": (lambda o: {}, row(LOGIN, 200, 200, 404, 404, 404, 404, 404)),
    "patient_checkin": (lambda o: {"code": o["checkin"].code}, row(LOGIN, 200, 404, 404, 404, 404, 404, 404)),
    "patient_checkin_reschedule": (
        lambda o: {"code": o["checkin"].code},
        row(LOGIN, 200, 404, 404, 404, 404, 404, 404),
    ),
    "patient_checkin_cancel": (lambda o: {"code": o["checkin"].code}, row(LOGIN, 200, 404, 404, 404, 404, 404, 404)),
    "patient_checkin_ics": (lambda o: {"code": o["checkin"].code}, row(LOGIN, 200, 404, 404, 404, 404, 404, 404)),
    "availability": (lambda o: {}, row(LOGIN, 404, 404, 200, 200, 404, 404, 404)),
    "staff_checkins": (lambda o: {"code": o["enrollment"].code}, row(LOGIN, 404, 404, 200, 404, 200, 404, 404)),
    "staff_checkin": (
        lambda o: {"code": o["enrollment"].code, "checkin": o["checkin"].code},
        row(LOGIN, 404, 404, 200, 404, 200, 404, 404),
    ),
    "staff_checkin_ics": (
        lambda o: {"code": o["enrollment"].code, "checkin": o["checkin"].code},
        row(LOGIN, 404, 404, 200, 404, 200, 404, 404),
    ),
    # --- issue 6: cohorts and CSV enrolment ---
    "cohort_list": (lambda o: {"slug": o["clinic"].slug}, row(LOGIN, 404, 404, 404, 404, 200, 404, 404)),
    "cohort_create": (lambda o: {"slug": o["clinic"].slug}, row(LOGIN, 404, 404, 404, 404, 200, 404, 404)),
    "cohort_detail": (
        lambda o: {"slug": o["clinic"].slug, "pk": o["cohort"].pk},
        row(LOGIN, 404, 404, 404, 404, 200, 404, 404),
    ),
    "cohort_close": (
        lambda o: {"slug": o["clinic"].slug, "pk": o["cohort"].pk},
        row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ),
    "cohort_import": (
        lambda o: {"slug": o["clinic"].slug, "pk": o["cohort"].pk},
        row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ),
    "enrolment_import_status": (
        lambda o: {"slug": o["clinic"].slug, "code": o["enrolment_import"].code},
        row(LOGIN, 404, 404, 404, 404, 200, 404, 404),
    ),
    # --- issue 6: staff and caseloads ---
    "staff_list": (lambda o: {"slug": o["clinic"].slug}, row(LOGIN, 404, 404, 404, 404, 200, 404, 404)),
    "staff_invite": (lambda o: {"slug": o["clinic"].slug}, row(LOGIN, 405, 405, 405, 405, 405, 405, 405)),
    "staff_deactivate": (
        lambda o: {"slug": o["clinic"].slug, "membership_id": o["therapist_membership"].pk},
        row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ),
    "staff_reactivate": (
        lambda o: {"slug": o["clinic"].slug, "membership_id": o["therapist_membership"].pk},
        row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ),
    "caseloads": (lambda o: {"slug": o["clinic"].slug}, row(LOGIN, 404, 404, 404, 404, 200, 404, 404)),
    "caseload_reassign": (lambda o: {"slug": o["clinic"].slug}, row(LOGIN, 405, 405, 405, 405, 405, 405, 405)),
    # --- issue 6: clinic settings and technical support ---
    "clinic_settings": (lambda o: {"slug": o["clinic"].slug}, row(LOGIN, 404, 404, 404, 404, 200, 404, 404)),
    "licence_confirm": (
        lambda o: {"slug": o["clinic"].slug, "key": "pseq"},
        row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ),
    "licence_withdraw": (
        lambda o: {"slug": o["clinic"].slug, "key": "pseq"},
        row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ),
    "help": (lambda o: {}, row(200, 200, 200, 200, 200, 200, 200, 200)),  # also for people who cannot sign in
    "support_report": (lambda o: {}, row(LOGIN, 200, 200, 404, 404, 404, 404, 404)),
    "support_list": (lambda o: {"slug": o["clinic"].slug}, row(LOGIN, 404, 404, 404, 404, 200, 404, 404)),
    "support_detail": (
        lambda o: {"slug": o["clinic"].slug, "code": o["support_request"].code},
        row(LOGIN, 404, 404, 404, 404, 200, 404, 404),
    ),
    # --- issue 6: reports ---
    "clinic_report": (lambda o: {"slug": o["clinic"].slug}, row(LOGIN, 404, 404, 404, 404, 200, 404, 404)),
    "report_csv": (lambda o: {"slug": o["clinic"].slug}, row(LOGIN, 404, 404, 404, 404, 200, 404, 404)),
    "report_pdf": (lambda o: {"slug": o["clinic"].slug}, row(LOGIN, 405, 405, 405, 405, 405, 405, 405)),
    # --- issue 6: research export ---
    "research_export": (lambda o: {"slug": o["clinic"].slug}, row(LOGIN, 404, 404, 404, 404, 200, 404, 404)),
    "research_project_create": (
        lambda o: {"slug": o["clinic"].slug},
        row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ),
    "research_export_create": (
        lambda o: {"slug": o["clinic"].slug},
        row(LOGIN, 405, 405, 405, 405, 405, 405, 405),
    ),
    # --- issue 6: patients' data rights, background files ---
    "report_export_status": (
        lambda o: {"code": o["report_export"].code},
        row(LOGIN, 404, 404, 404, 404, 200, 404, 404),
    ),
    "report_export_download": (
        lambda o: {"code": o["done_report_export"].code},
        row(LOGIN, 404, 404, 404, 404, 200, 404, 404),
    ),
    "my_data": (lambda o: {}, row(LOGIN, 200, 200, 404, 404, 404, 404, 404)),
    "my_data_request": (lambda o: {}, row(LOGIN, 405, 405, 405, 405, 405, 405, 405)),
    # Withdraw and erase: the clinic's admins only; the patient's own therapist is in scope but not
    # allowed the action (403); everyone else is out of scope (404).
    "patient_withdraw": (lambda o: {"code": o["enrollment"].code}, row(LOGIN, 404, 404, 403, 404, 200, 404, 404)),
    "patient_erase": (lambda o: {"code": o["enrollment"].code}, row(LOGIN, 404, 404, 403, 404, 200, 404, 404)),
    "usersessions_list": (lambda o: {}, row(LOGIN, 200, 200, 200, 200, 200, 200, 200)),
    # --- issue 7: audit ---
    "audit_list": (lambda o: {"slug": o["clinic"].slug}, row(LOGIN, 404, 404, 404, 404, 200, 404, 404)),
    "audit_csv": (lambda o: {"slug": o["clinic"].slug}, row(LOGIN, 404, 404, 404, 404, 200, 404, 404)),
    "admin:index": (lambda o: {}, row(LOGIN, 302, 302, 302, 302, 302, 302, 200)),
    "admin:clinics_enrollment_changelist": (lambda o: {}, row(LOGIN, 302, 302, 302, 302, 302, 302, 200)),
}

# Routes whose access rules belong to allauth or Django admin. Each is reached only through its own
# flow (a key in an e-mail, a login in progress, a POST); the reason says what guards it.
THIRD_PARTY = {
    "account_confirm_email": "allauth: needs a signed key from an e-mail",
    "account_confirm_login_code": "allauth: needs a login-by-code in progress",
    "account_email_verification_sent": "allauth: informational page after sign-up (closed)",
    "account_inactive": "allauth: informational page for deactivated accounts",
    "account_logout": "allauth: POST only; signs the current user out",
    "account_reauthenticate": "allauth: asks the signed-in user for their password again",
    "account_reset_password_done": "allauth: informational page",
    "account_reset_password_from_key": "allauth: needs a signed reset key from an e-mail",
    "account_reset_password_from_key_done": "allauth: informational page",
    "account_set_password": "allauth: only for accounts without a password (none: invitations set one)",
    "mfa_activate_totp": "allauth.mfa: the signed-in user's own authenticator (tests/clinics/test_mfa.py)",
    "mfa_authenticate": "allauth.mfa: needs a login in progress (tests/clinics/test_mfa.py)",
    "mfa_deactivate_totp": "allauth.mfa: the signed-in user's own authenticator",
    "mfa_download_recovery_codes": "allauth.mfa: the signed-in user's own recovery codes",
    "mfa_generate_recovery_codes": "allauth.mfa: the signed-in user's own recovery codes",
    "mfa_reauthenticate": "allauth.mfa: the signed-in user's own authenticator",
    "mfa_view_recovery_codes": "allauth.mfa: the signed-in user's own recovery codes",
}
ADMIN_PREFIX = "admin:"  # Django admin: operator only, checked by its own is_staff gate (rows above)


def url_names():
    def walk(resolver, namespace=None):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern, inner)
            elif pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return sorted(set(walk(get_resolver())))


def test_every_url_is_in_the_matrix():
    missing = [
        name
        for name in url_names()
        if name not in MATRIX and name not in THIRD_PARTY and not name.startswith(ADMIN_PREFIX)
    ]
    assert missing == [], f"Add these URLs to the permission matrix: {missing}"


@pytest.fixture
def world(
    enrollment,
    same_clinic_enrollment,
    other_clinic_enrollment,
    therapist,
    other_therapist,
    clinic_admin,
    other_clinic_admin,
    operator,
    clinic,
):
    people = {
        "patient": enrollment.patient,
        "other_patient": same_clinic_enrollment.patient,
        "therapist": therapist,
        "other_therapist": other_therapist,
        "clinic_admin": clinic_admin,
        "other_clinic_admin": other_clinic_admin,
        "operator": operator,
    }
    make_program(weeks=2, pages=2, optional=0, program=enrollment.program)
    plan = plans.plan_ensure(enrollment)
    plans.plan_ensure(same_clinic_enrollment)
    plans.unlock_item(plan.items.get(module__slug="m1"), now=timezone.now())
    from outcomes.models import Assessment  # the patient's one open questionnaire

    now = timezone.now()
    assessment = Assessment.objects.create(
        enrollment=enrollment, instrument_key="phq9", instrument_version="phq9-en-pfizer-1", occasion="week-2",
        occasion_kind="weekly", opens_at=now, due_at=now, closes_at=now, status=Assessment.Status.OPEN,
    )  # fmt: skip
    from outcomes.models import Export  # the patient's own exports: one being made, one ready

    export = Export.objects.create(owner=enrollment.patient, enrollment=enrollment, kind=Export.Kind.PROGRESS_PDF)
    done_export = Export.objects.create(
        owner=enrollment.patient, enrollment=enrollment, kind=Export.Kind.PROGRESS_PDF, status=Export.Status.DONE,
        content=b"%PDF-1.7", filename="steady-progress-2026-01-01.pdf",
    )  # fmt: skip
    from guidance.models import CheckIn, FeedbackTemplate, TimeEntry  # guidance: one of each

    enrollment.contact_mode = enrollment.ContactMode.MIXED
    enrollment.save(update_fields=["contact_mode"])
    starts = now + datetime.timedelta(days=3)
    checkin = CheckIn.objects.create(
        enrollment=enrollment, therapist=therapist, starts_at=starts, ends_at=starts + datetime.timedelta(minutes=30),
        booked_by=enrollment.patient, room="permission-matrix-room",
    )  # fmt: skip
    template = FeedbackTemplate.objects.create(clinic=clinic, owner=therapist, title="Mine", body="Well done!")
    time_entry = TimeEntry.objects.create(therapist=therapist, enrollment=enrollment, activity="phone", minutes=10)
    from clinics.models import EnrolmentImport, Membership, SupportRequest  # issue 6: clinic administration
    from reports.models import Export as ReportExport
    from reports.models import ResearchProject

    enrolment_import = EnrolmentImport.objects.create(
        clinic=clinic, cohort=enrollment.cohort, uploaded_by=clinic_admin, file_hash="0" * 64, total_rows=1,
    )  # fmt: skip
    support_request = SupportRequest.objects.create(
        clinic=clinic, enrollment=enrollment, reporter=enrollment.patient, category="page", description="It is slow.",
    )  # fmt: skip
    research_project = ResearchProject.objects.create(clinic=clinic, name="Matrix study", created_by=clinic_admin)
    report_export = ReportExport.objects.create(owner=clinic_admin, clinic=clinic, kind=ReportExport.Kind.REPORT_PDF)
    done_report_export = ReportExport.objects.create(
        owner=clinic_admin, clinic=clinic, kind=ReportExport.Kind.REPORT_PDF, status=ReportExport.Status.DONE,
        content=b"%PDF-1.7", filename="steady-report.pdf", content_type="application/pdf",
    )  # fmt: skip
    my_data_export = ReportExport.objects.create(
        owner=enrollment.patient, clinic=clinic, enrollment=enrollment, kind=ReportExport.Kind.MY_DATA_JSON,
        status=ReportExport.Status.DONE, content=b"{}", filename="steady-my-data.json",
        content_type="application/json",
    )  # fmt: skip
    therapist_membership = Membership.objects.get(user=therapist, clinic=clinic, role=Membership.Role.THERAPIST)
    return {
        "people": people, "enrollment": enrollment, "clinic": clinic, "today": timezone.localdate(),
        "assessment": assessment, "export": export, "done_export": done_export,
        "checkin": checkin, "template": template, "time_entry": time_entry,
        "cohort": enrollment.cohort, "enrolment_import": enrolment_import, "support_request": support_request,
        "research_project": research_project, "report_export": report_export,
        "done_report_export": done_report_export, "my_data_export": my_data_export,
        "therapist_membership": therapist_membership,
    }  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_matrix(world, name, htmx):
    kwargs_for, expected = MATRIX[name]
    url = reverse(name, kwargs=kwargs_for(world))
    headers = {"HX-Request": "true"} if htmx else {}
    mismatches = []
    for persona in PERSONAS:
        client = Client() if persona == "anonymous" else client_for(world["people"][persona])
        response = client.get(url, headers=headers)
        if response.status_code != expected[persona]:
            mismatches.append(f"{persona}: expected {expected[persona]}, got {response.status_code}")
        if persona == "anonymous" and expected[persona] == LOGIN:
            assert response["Location"].startswith((reverse("account_login"), reverse("admin:login")))
    assert mismatches == [], f"{name} ({url}): " + "; ".join(mismatches)


@pytest.mark.django_db
def test_other_clinic_codes_never_show_foreign_data(world, other_clinic_enrollment, therapist, clinic_admin):
    for user in (therapist, clinic_admin, world["people"]["patient"]):
        response = client_for(user).get(reverse("enrollment_detail", args=[other_clinic_enrollment.code]))
        assert response.status_code == 404
        assert other_clinic_enrollment.patient.name not in response.content.decode()
