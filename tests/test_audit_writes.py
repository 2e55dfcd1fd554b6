"""Every write of patient data, by staff or by the patient, leaves exactly one audit row per thing
written: who (and in which role), whose record, what, which request, from where, and the outcome.

The write views come from the mass-assignment walk (tests/security/test_mass_assignment.py), so a
new write view added there is audited here too; the patient's own answering, exercises, modules and
check-ins are added below. Nothing typed (answers, messages) reaches the audit row.
"""

import pytest
from django.urls import reverse

from clinics.models import AuditEvent
from guidance import checkins
from guidance.models import CheckIn
from modules.plans import plan_ensure
from tests.factories import make_program
from tests.modules.test_exercises import ExerciseFactory
from tests.outcomes.test_answering import make_assessment, phq9
from tests.security.test_mass_assignment import VIEWS, _checkin_book
from tests.utils import client_for

pytestmark = pytest.mark.django_db

# The audit rows each write view leaves (one per object it writes). None: no patient's record.
EXPECTED = {
    "checkin_book": ["guidance.checkin.booked"],
    "profile": ["accounts.profile.changed"],
    "diary": ["modules.diary.saved"],
    "patient_message": ["guidance.message.sent"],
    "staff_message": ["guidance.message.sent"],
    "clinical_note": ["guidance.note.added"],
    "time_entry": ["guidance.time.added"],
    "support_report": ["clinics.support_request.created"],
    "feedback_template": ["guidance.feedback_template.created"],
    "clinic_settings": ["clinics.clinic.settings_changed"],
    "cohort_create": ["clinics.cohort.created"],
    "staff_invite": ["clinics.staff.invited", "clinics.invitation.created"],
    "enrolment": ["clinics.enrollment.created", "clinics.invitation.created"],
    "research_project": ["reports.research_project.created"],
    "research_export": ["reports.research_export.requested"],
}
ABOUT_A_PATIENT = {"checkin_book", "profile", "diary", "patient_message", "staff_message", "clinical_note",
                   "time_entry", "support_report", "enrolment"}  # fmt: skip


def new_rows(before: set) -> list[AuditEvent]:
    return list(AuditEvent.objects.exclude(pk__in=before).select_related("actor").order_by("pk"))


def assert_one_row_each(rows, actions, user, *, enrollment=None, secret=""):
    assert sorted(row.action for row in rows) == sorted(actions)
    for row in rows:
        assert row.actor == user and row.actor_role, row.action
        assert row.outcome == AuditEvent.Outcome.OK
        assert len(row.request_id) >= 16 and row.ip == "127.0.0.1", row.action
        assert row.object_type and row.object_id, row.action
        if enrollment is not None:
            assert row.enrollment_id == enrollment.pk and row.clinic_id == enrollment.clinic_id, row.action
        if secret:
            assert secret not in f"{row.object_type} {row.object_id} {row.action}"


def test_every_write_view_is_listed_here():
    assert set(EXPECTED) == set(VIEWS)


@pytest.mark.parametrize("view", VIEWS)
def test_each_write_leaves_exactly_one_row_per_thing_written(request, view):
    f = request.getfixturevalue
    user, url, data, check = VIEWS[view](f)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    response = client_for(user).post(url, data, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 302, response.content.decode()[:1000]
    check()
    rows = new_rows(before)
    enrollment = f("enrollment") if view in ABOUT_A_PATIENT and view != "enrolment" else None
    assert_one_row_each(rows, EXPECTED[view], user, enrollment=enrollment)
    if view in ABOUT_A_PATIENT:
        assert all(row.enrollment_id for row in rows)


def test_a_refused_write_leaves_no_write_row(patient, enrollment):
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    response = client_for(patient).post(reverse("patient_messages"), {"body": "   "})
    assert response.status_code == 200
    assert new_rows(before) == []


# --- The patient's own work ---------------------------------------------------------------------------


@pytest.fixture
def open_module(enrollment):
    program = make_program(weeks=1, pages=2, program=enrollment.program)
    module = program.modules.order_by("position").first()
    plan_ensure(enrollment).items.filter(module=module).update(unlocked_at="2026-01-01T00:00Z")
    return module


def test_an_autosave_a_submit_and_finishing_a_module_are_one_row_each(patient, enrollment, open_module):
    exercise = ExerciseFactory(page=open_module.pages.order_by("position").last(), kind="reflection", slug="think")
    client = client_for(patient)
    typed = "My walk went better than I feared"
    first = {"think-noticed": typed, "version": "0"}
    whole = {"think-noticed": typed, "think-helped": "Resting first", "version": "1"}
    steps = [
        (reverse("exercise_save", args=[open_module.slug, exercise.slug]), first, "modules.exercise.saved"),
        (reverse("exercise_save", args=[open_module.slug, exercise.slug]), whole, "modules.exercise.saved"),
        (reverse("exercise_submit", args=[open_module.slug, exercise.slug]), {**whole, "version": "2"},
         "modules.exercise.submitted"),
        (reverse("module_finish", args=[open_module.slug]), {}, "modules.module.completed"),
    ]  # fmt: skip
    for url, data, action in steps:
        before = set(AuditEvent.objects.values_list("pk", flat=True))
        response = client.post(url, data, REMOTE_ADDR="127.0.0.1")
        assert response.status_code == 302, (action, response.content.decode()[:500])
        assert_one_row_each(new_rows(before), [action], patient, enrollment=enrollment, secret=typed)
    # Finishing again writes nothing, so it leaves no row.
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    client.post(reverse("module_finish", args=[open_module.slug]))
    assert new_rows(before) == []


def test_saving_and_sending_a_questionnaire_are_one_row_each_and_a_second_send_none(patient, enrollment):
    assessment = make_assessment(enrollment, "phq9")
    url = reverse("questionnaire_answer", args=[assessment.code])
    client = client_for(patient)
    for data, action in [({**phq9(), "save": "1"}, "outcomes.assessment.saved"),
                         ({**phq9(), "send": "1"}, "outcomes.assessment.submitted")]:  # fmt: skip
        before = set(AuditEvent.objects.values_list("pk", flat=True))
        assert client.post(url, data, REMOTE_ADDR="127.0.0.1").status_code == 302
        assert_one_row_each(new_rows(before), [action], patient, enrollment=enrollment)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    client.post(url, {**phq9(), "send": "1"})  # double click: nothing stored, nothing audited
    assert new_rows(before) == []


def test_a_patient_moving_and_cancelling_a_check_in_is_one_row_each(request, patient, enrollment):
    _, book_url, data, _ = _checkin_book(request.getfixturevalue)
    client = client_for(patient)
    client.post(book_url, data)
    checkin = CheckIn.objects.get()
    later = [s for s in checkins.therapist_free_slots(enrollment.therapist) if s.starts_at != checkin.starts_at][0]
    steps = [
        (reverse("patient_checkin_reschedule", args=[checkin.code]), {"slot": later.key, "mode": "phone"},
         "guidance.checkin.rescheduled"),
        (reverse("patient_checkin_cancel", args=[checkin.code]), {}, "guidance.checkin.cancelled"),
    ]  # fmt: skip
    for url, post, action in steps:
        before = set(AuditEvent.objects.values_list("pk", flat=True))
        response = client.post(url, post, REMOTE_ADDR="127.0.0.1")
        assert response.status_code == 302, (action, response.content.decode()[:500])
        assert_one_row_each(new_rows(before), [action], patient, enrollment=enrollment)
