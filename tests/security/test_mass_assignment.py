"""Mass assignment: extra POST fields change nothing, and another clinic's ids in a form create nothing."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from clinics.models import Clinic, Cohort, Enrollment, Membership, SupportRequest
from guidance import checkins
from guidance.models import (
    AvailabilityRule,
    BookingSettings,
    CheckIn,
    ClinicalNote,
    FeedbackTemplate,
    Message,
    TimeEntry,
)
from modules import plans
from modules.models import DiaryEntry, PlannedModule
from reports.models import Export, ResearchProject
from tests.factories import ProgramFactory, make_program
from tests.security.test_hostile_inputs import SETTINGS
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def extras(f) -> dict:
    """Fields no form asks for, pointing at another clinic's rows or granting powers."""
    foreign = f("other_clinic_enrollment")
    return {
        "clinic": foreign.clinic_id, "clinic_id": foreign.clinic_id,
        "therapist": foreign.therapist_id, "therapist_id": foreign.therapist_id,
        "status": "withdrawn", "is_staff": "True", "is_superuser": "True", "is_active": "False",
        "patient": foreign.patient_id, "patient_id": foreign.patient_id,
        "enrollment": foreign.pk, "enrollment_id": foreign.pk, "owner": foreign.therapist_id,
        "author": foreign.therapist_id, "created_by": foreign.therapist_id, "reporter": foreign.patient_id,
    }  # fmt: skip


def _profile(f):
    patient = f("patient")
    data = {"name": "Sam Patient", "language": "en", "time_zone": "Europe/London", "reminder_hour": "18"}

    def check():
        user = User.objects.get(pk=patient.pk)
        assert user.name == "Sam Patient" and user.is_active
        enrollment = Enrollment.objects.get(pk=f("enrollment").pk)
        assert (enrollment.status, enrollment.therapist, enrollment.clinic) == (
            f("enrollment").status, f("therapist"), f("clinic"),
        )  # fmt: skip

    return patient, reverse("profile"), data, check


def _diary(f):
    day = timezone.localdate(timezone=zoneinfo.ZoneInfo("Europe/London"))

    def check():
        (entry,) = DiaryEntry.objects.all()
        assert entry.enrollment == f("enrollment")

    return f("patient"), reverse("diary_entry", args=[day]), {"pain": "4", "note": "Walked"}, check


def _patient_message(f):
    def check():
        (message,) = Message.objects.all()
        assert (message.thread.enrollment, message.author) == (f("enrollment"), f("patient"))

    return f("patient"), reverse("patient_messages"), {"body": "Hello"}, check


def _staff_message(f):
    def check():
        (message,) = Message.objects.all()
        assert (message.thread.enrollment, message.author) == (f("enrollment"), f("therapist"))

    return f("therapist"), reverse("staff_messages", args=[f("enrollment").code]), {"body": "Hello"}, check


def _clinical_note(f):
    def check():
        (note,) = ClinicalNote.objects.all()
        assert (note.enrollment, note.author) == (f("enrollment"), f("therapist"))

    return f("therapist"), reverse("clinical_note_add", args=[f("enrollment").code]), {"body": "Call"}, check


def _time_entry(f):
    data = {"activity": "phone", "minutes": "15", "day": timezone.localdate().isoformat(), "time": "00:01"}

    def check():
        (entry,) = TimeEntry.objects.all()
        assert (entry.enrollment, entry.therapist) == (f("enrollment"), f("therapist"))

    return f("therapist"), reverse("time_ledger", args=[f("enrollment").code]), data, check


def _support_report(f):
    def check():
        (support,) = SupportRequest.objects.all()
        assert (support.enrollment, support.reporter) == (f("enrollment"), f("patient"))
        assert support.status == SupportRequest.Status.OPEN

    return f("patient"), reverse("support_report"), {"category": "saving", "description": "White page"}, check


def _feedback_template(f):
    f("other_clinic_therapist")

    def check():
        (template,) = FeedbackTemplate.objects.all()
        assert (template.clinic, template.owner) == (f("clinic"), f("therapist"))

    data = {"title": "Thanks", "module_slug": "", "body": "Thanks {first_name}!"}
    return f("therapist"), reverse("feedback_template_new"), data, check


def _settings(f):
    other = f("other_clinic")
    before = Clinic.objects.get(pk=other.pk).crisis_text

    def check():
        assert Clinic.objects.get(pk=f("clinic").pk).response_time_promise == SETTINGS["response_time_promise"]
        assert Clinic.objects.get(pk=other.pk).crisis_text == before

    return f("clinic_admin"), reverse("clinic_settings", args=[f("clinic").slug]), SETTINGS, check


def _cohort(f):
    program = ProgramFactory()
    start = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    data = {
        "name": "Spring",
        "program": program.pk,
        "start_date": start,
        "default_contact_mode": "mixed",
        "language": "en",
    }

    def check():
        cohort = Cohort.objects.get(name="Spring")
        assert (cohort.clinic, cohort.created_by, cohort.is_open) == (f("clinic"), f("clinic_admin"), True)

    return f("clinic_admin"), reverse("cohort_create", args=[f("clinic").slug]), data, check


def _staff_invite(f):
    data = {"name": "Jo Bloggs", "email": "jo.bloggs@example.org", "role": "therapist"}

    def check():
        user = User.objects.get(email__iexact="jo.bloggs@example.org")
        (membership,) = Membership.objects.filter(user=user)
        assert (membership.clinic, membership.role) == (f("clinic"), Membership.Role.THERAPIST)

    return f("clinic_admin"), reverse("staff_invite", args=[f("clinic").slug]), data, check


def _enrolment(f):
    data = {
        "name": "New Patient", "email": "new.patient@example.org", "therapist": f("therapist").pk,
        "contact_mode": "async", "cohort": f("cohort").pk, "start_date": timezone.localdate().isoformat(),
        "time_zone": "Europe/London",
    }  # fmt: skip

    def check():
        enrollment = Enrollment.objects.get(patient__email__iexact="new.patient@example.org")
        assert (enrollment.clinic, enrollment.therapist, enrollment.cohort) == (
            f("clinic"),
            f("therapist"),
            f("cohort"),
        )
        assert enrollment.status == Enrollment.Status.INVITED

    return f("clinic_admin"), reverse("clinic_detail", args=[f("clinic").slug]), data, check


def _research_project(f):
    def check():
        (project,) = ResearchProject.objects.all()
        assert (project.clinic, project.created_by) == (f("clinic"), f("clinic_admin"))

    return f("clinic_admin"), reverse("research_project_create", args=[f("clinic").slug]), {"project-name": "S"}, check


def _research_export(f):
    clinic, admin = f("clinic"), f("clinic_admin")
    f("enrollment")
    project = ResearchProject.objects.create(clinic=clinic, name="Sleep", key="0" * 64, created_by=admin)
    data = {"export-project": project.pk, "export-cohort": f("cohort").pk, "export-reason": "Consented (REC 1)."}

    def check():
        (export,) = Export.objects.all()
        assert (export.clinic, export.owner, export.enrollment, export.status) == (clinic, admin, None, "pending")

    return admin, reverse("research_export_create", args=[clinic.slug]), data, check


def _checkin_book(f):
    enrollment, therapist = f("enrollment"), f("therapist")
    enrollment.contact_mode = enrollment.ContactMode.SYNC
    enrollment.save(update_fields=["contact_mode"])
    BookingSettings.objects.create(therapist=therapist, slot_minutes=30, buffer_minutes=10, notice_hours=24)
    for weekday in range(7):
        AvailabilityRule.objects.create(
            therapist=therapist, weekday=weekday, start_time=datetime.time(9), end_time=datetime.time(17)
        )
    slot = checkins.therapist_free_slots(therapist)[0]

    def check():
        (checkin,) = CheckIn.objects.all()
        assert (checkin.enrollment, checkin.therapist, checkin.starts_at) == (enrollment, therapist, slot.starts_at)

    return f("patient"), reverse("checkin_book"), {"slot": slot.key, "mode": "phone"}, check


VIEWS = {
    "checkin_book": _checkin_book,
    "profile": _profile,
    "diary": _diary,
    "patient_message": _patient_message,
    "staff_message": _staff_message,
    "clinical_note": _clinical_note,
    "time_entry": _time_entry,
    "support_report": _support_report,
    "feedback_template": _feedback_template,
    "clinic_settings": _settings,
    "cohort_create": _cohort,
    "staff_invite": _staff_invite,
    "enrolment": _enrolment,
    "research_project": _research_project,
    "research_export": _research_export,
}


@pytest.mark.parametrize("view", VIEWS)
def test_extra_post_fields_change_nothing(request, view):
    f = request.getfixturevalue
    user, url, data, check = VIEWS[view](f)
    foreign = f("other_clinic_enrollment")
    response = client_for(user).post(url, {**extras(f), **data})  # a real form field keeps its valid value
    assert response.status_code == 302, response.content.decode()[:2000]
    check()
    assert not User.objects.filter(is_staff=True).exists()
    assert not User.objects.filter(is_superuser=True).exists()
    assert User.objects.get(pk=user.pk).is_active
    foreign.refresh_from_db()
    assert foreign.status != Enrollment.Status.WITHDRAWN
    assert not foreign.clinical_notes.exists() and not foreign.time_entries.exists()
    assert not DiaryEntry.objects.filter(enrollment=foreign).exists()
    assert not Message.objects.filter(thread__enrollment=foreign).exists()


# --- Another clinic's ids in choice and hidden fields ----------------------------------------------------------


def _foreign_cohort_therapist(f):
    program = ProgramFactory()
    start = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    data = {
        "name": "Spring", "program": program.pk, "start_date": start, "default_contact_mode": "mixed",
        "language": "en", "default_therapist": f("other_clinic_therapist").pk,
    }  # fmt: skip
    return reverse("cohort_create", args=[f("clinic").slug]), data, Cohort


def _enrol(f, **foreign):
    data = {
        "name": "New Patient", "email": "new.patient@example.org", "therapist": f("therapist").pk,
        "contact_mode": "async", "cohort": f("cohort").pk, "start_date": timezone.localdate().isoformat(),
        "time_zone": "Europe/London", **foreign,
    }  # fmt: skip
    return reverse("clinic_detail", args=[f("clinic").slug]), data, Enrollment


def _foreign_enrol_cohort(f):
    return _enrol(f, cohort=f("other_cohort").pk)


def _foreign_enrol_therapist(f):
    return _enrol(f, therapist=f("other_clinic_therapist").pk)


def _research(f, **foreign):
    clinic, admin = f("clinic"), f("clinic_admin")
    f("enrollment")
    mine = ResearchProject.objects.create(clinic=clinic, name="Mine", key="0" * 64, created_by=admin)
    data = {
        "export-project": mine.pk,
        "export-cohort": f("cohort").pk,
        "export-reason": "Consented (REC 1).",
        **foreign,
    }
    return reverse("research_export_create", args=[clinic.slug]), data, Export


def _foreign_research_project(f):
    other, admin = f("other_clinic"), f("other_clinic_admin")
    theirs = ResearchProject.objects.create(clinic=other, name="Theirs", key="1" * 64, created_by=admin)
    return _research(f, **{"export-project": theirs.pk})


def _foreign_research_cohort(f):
    f("other_clinic_enrollment")
    return _research(f, **{"export-cohort": f("other_cohort").pk})


FOREIGN = {
    "cohort_default_therapist": ("clinic_admin", _foreign_cohort_therapist),
    "enrolment_cohort": ("clinic_admin", _foreign_enrol_cohort),
    "enrolment_therapist": ("clinic_admin", _foreign_enrol_therapist),
    "research_export_project": ("clinic_admin", _foreign_research_project),
    "research_export_cohort": ("clinic_admin", _foreign_research_cohort),
}


@pytest.mark.parametrize("case", FOREIGN)
def test_another_clinics_id_is_refused_and_creates_nothing(request, case):
    f = request.getfixturevalue
    persona, build = FOREIGN[case]
    user = f(persona)
    url, data, model = build(f)
    count = model.objects.count()
    response = client_for(user).post(url, data)
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert "nhsuk-error-message" in response.content.decode()
    assert model.objects.count() == count


def test_a_caseload_move_of_another_clinics_patient_moves_nobody(
    clinic, clinic_admin, other_therapist, enrollment, other_clinic_enrollment
):
    target = Membership.objects.get(user=other_therapist, clinic=clinic, role=Membership.Role.THERAPIST)
    data = {"enrollments": [str(other_clinic_enrollment.code), str(enrollment.code)], "to_therapist": target.pk}
    response = client_for(clinic_admin).post(reverse("caseload_reassign", args=[clinic.slug]), data)
    assert response.status_code == 200
    assert "nhsuk-error-message" in response.content.decode()
    other_clinic_enrollment.refresh_from_db()
    enrollment.refresh_from_db()
    assert other_clinic_enrollment.therapist != other_therapist
    assert enrollment.therapist != other_therapist


def test_a_caseload_move_to_another_clinics_therapist_moves_nobody(
    clinic, clinic_admin, enrollment, therapist, other_clinic_therapist, other_clinic
):
    target = Membership.objects.get(user=other_clinic_therapist, clinic=other_clinic)
    data = {"enrollments": [str(enrollment.code)], "to_therapist": target.pk}
    response = client_for(clinic_admin).post(reverse("caseload_reassign", args=[clinic.slug]), data)
    assert response.status_code == 200
    assert "nhsuk-error-message" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.therapist == therapist


def test_a_template_scoped_to_another_clinic_lands_in_the_therapists_own(therapist, clinic, other_clinic):
    data = {"title": "Shared", "module_slug": "", "body": "x", "scope": f"clinic:{other_clinic.pk}"}
    client_for(therapist).post(reverse("feedback_template_new"), data)
    assert not FeedbackTemplate.objects.filter(clinic=other_clinic).exists()
    assert list(FeedbackTemplate.objects.values_list("clinic", "owner")) == [(clinic.pk, therapist.pk)]


def test_removing_another_therapists_weekly_hours_removes_nothing(therapist, other_clinic_therapist):
    theirs = AvailabilityRule.objects.create(
        therapist=other_clinic_therapist, weekday=0, start_time=datetime.time(9), end_time=datetime.time(17)
    )
    response = client_for(therapist).post(reverse("availability"), {"action": "remove_rule", "rule": theirs.pk})
    assert response.status_code == 302
    assert AvailabilityRule.objects.filter(pk=theirs.pk).exists()


def test_a_plan_change_naming_another_patients_item_or_programme_changes_nothing(
    therapist, enrollment, other_clinic_enrollment
):
    make_program(weeks=2, pages=1, optional=1, program=enrollment.program)
    if other_clinic_enrollment.program_id != enrollment.program_id:
        make_program(weeks=2, pages=1, optional=1, program=other_clinic_enrollment.program)
    foreign_program = make_program(weeks=2, pages=1, optional=1, program=ProgramFactory(slug="other-programme"))
    theirs = plans.plan_ensure(other_clinic_enrollment).items.first()
    plans.plan_ensure(enrollment)
    count = PlannedModule.objects.count()
    url = reverse("plan_change", args=[enrollment.code])
    client = client_for(therapist)
    assert client.post(url, {"action": "skip", "item": theirs.pk}).status_code == 404
    foreign_module = foreign_program.modules.first()
    assert client.post(url, {"action": "add", "module": foreign_module.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.skipped_at is None
    assert PlannedModule.objects.count() == count
