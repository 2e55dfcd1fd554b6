"""The therapist's view of one patient: summary, links, outcomes, timeline, notes, time, audit."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clinics.models import AuditEvent
from guidance.models import CheckIn, ClinicalNote, Feedback, Message, TimeEntry
from guidance.patient_view import TIMELINE_LIMIT
from guidance.services import thread_ensure
from modules import plans
from modules.models import Exercise, ExerciseResponse, PlanChange
from outcomes.models import Alert, Assessment
from tests.factories import make_program
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db


def url(enrollment, **params):
    base = reverse("enrollment_detail", args=[enrollment.code])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def page_of(user, enrollment, **params) -> str:
    response = client_for(user).get(url(enrollment, **params))
    assert response.status_code == 200
    return response.content.decode()


def ago(**kwargs):
    return timezone.now() - datetime.timedelta(**kwargs)


def completed(enrollment, key, total, band, at, occasion):
    return Assessment.objects.create(
        enrollment=enrollment, instrument_key=key, instrument_version="v", occasion=occasion, occasion_kind="weekly",
        opens_at=at, due_at=at, closes_at=at, status=Assessment.Status.COMPLETED, total=total, band=band,
        submitted_at=at, answers={},
    )  # fmt: skip


@pytest.fixture
def program(enrollment):
    return make_program(weeks=3, pages=1, optional=0, program=enrollment.program)


@pytest.fixture
def exercise(program):
    module = program.modules.get(slug="m1")
    return Exercise.objects.create(
        module=module, page=module.pages.first(), slug="e1", kind="reflection", title="My goals"
    )


# --- Summary and links ---------------------------------------------------------------------------


def test_it_works(therapist, enrollment):
    page = page_of(therapist, enrollment)
    for text in (
        "Margaret Hill", enrollment.patient.email, "Living well with chronic pain", enrollment.cohort.name,
        "Sam Okafor", "Messages only", "Europe/London", "Week 1 of 9",
    ):  # fmt: skip
        assert text in page


def test_it_links_to_plan_progress_messages_checkins_and_time(therapist, enrollment):
    page = page_of(therapist, enrollment)
    for name in ("plan_detail", "patient_progress", "staff_messages", "staff_checkins", "time_ledger"):
        assert reverse(name, args=[enrollment.code]) in page


def test_it_links_to_feedback_for_modules_with_submitted_work(therapist, clinic_admin, enrollment, exercise):
    link = reverse("feedback_write", args=[enrollment.code, "m1"])
    assert link not in page_of(therapist, enrollment)
    ExerciseResponse.objects.create(enrollment=enrollment, exercise=exercise, submitted_at=timezone.now())
    assert link in page_of(therapist, enrollment)
    assert link not in page_of(clinic_admin, enrollment)  # admins read; they do not write feedback


def test_a_clinic_admin_sees_the_invitation_state(clinic_admin, therapist, enrollment):
    from clinics.services import invitation_create

    invitation_create(
        user=enrollment.patient, clinic=enrollment.clinic, role="patient", enrollment=enrollment, by=clinic_admin
    )
    page = page_of(clinic_admin, enrollment)
    assert "Invitations" in page and "Waiting to be sent" in page
    assert "Waiting to be sent" not in page_of(therapist, enrollment)


def test_it_hides_other_patients(therapist, other_therapist, other_clinic_admin, enrollment, other_clinic_enrollment):
    for user in (other_therapist, other_clinic_admin):
        assert client_for(user).get(url(enrollment)).status_code == 404
    response = client_for(therapist).get(url(other_clinic_enrollment))
    assert response.status_code == 404
    assert other_clinic_enrollment.patient.name not in response.content.decode()


def test_viewing_is_audited_once(therapist, enrollment):
    client_for(therapist).get(url(enrollment))
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.enrollment, event.clinic, event.actor_role) == (
        "guidance.patient.viewed", therapist, enrollment, enrollment.clinic, "therapist",
    )  # fmt: skip
    assert event.object_id == str(enrollment.code)
    assert event.ip == "127.0.0.1"


def test_it_refuses_post(therapist, enrollment):
    assert client_for(therapist).post(url(enrollment)).status_code == 405


# --- Outcomes -------------------------------------------------------------------------------------


def test_it_shows_latest_scores_and_charts(therapist, enrollment):
    completed(enrollment, "phq9", 16, "moderately severe", ago(days=14), "week-1")
    completed(enrollment, "phq9", 9, "mild", ago(days=1), "week-3")
    page = page_of(therapist, enrollment)
    assert "9 of 27 (mild)" in page
    assert "Since the start:</strong> 16 → 9" in page
    assert '<svg class="steady-chart__svg"' in page


def test_with_no_questionnaires_it_says_so(therapist, enrollment):
    assert "No questionnaires answered yet." in page_of(therapist, enrollment)


# --- Timeline -------------------------------------------------------------------------------------


def test_the_timeline_shows_what_happened_newest_first(therapist, enrollment, exercise):
    plan = plans.plan_ensure(enrollment)
    first = plan.items.get(position=1)
    plans.unlock_item(first, now=ago(days=6))
    plans.module_complete(item=first, now=ago(days=5))
    response = ExerciseResponse.objects.create(
        enrollment=enrollment, exercise=exercise, submitted_at=ago(days=5, hours=1)
    )
    completed(enrollment, "phq9", 12, "moderate", ago(days=4), "week-1")
    thread = thread_ensure(enrollment=enrollment)
    Message.objects.create(thread=thread, author=enrollment.patient, body="A private worry", created_at=ago(days=3))
    reply = Message.objects.create(thread=thread, author=therapist, body="Well done", created_at=ago(days=2, hours=12))
    Feedback.objects.create(
        enrollment=enrollment, module=exercise.module, response=response, message=reply, author=therapist,
        created_at=ago(days=2, hours=12),
    )  # fmt: skip
    starts = ago(days=2)
    CheckIn.objects.create(
        enrollment=enrollment, therapist=therapist, starts_at=starts, ends_at=starts + datetime.timedelta(minutes=30),
        booked_by=enrollment.patient, created_at=ago(days=2, hours=6), status=CheckIn.Status.HELD,
        outcome_at=ago(days=1, hours=23), minutes=25,
    )  # fmt: skip
    Alert.objects.create(
        enrollment=enrollment, kind=Alert.Kind.RISK, tier=Alert.Tier.URGENT, created_at=ago(days=1, hours=12),
        acknowledged_at=ago(days=1), acknowledged_by=therapist,
    )  # fmt: skip
    PlanChange.objects.create(plan=plan, kind=PlanChange.Kind.EXTENDED, weeks=2, by=therapist, at=ago(hours=1))
    page = page_of(therapist, enrollment)
    expected = [
        "Sam Okafor extended the programme by 2 weeks",
        "Alert acknowledged by Sam Okafor: Risk",
        "Alert raised: Risk (urgent)",
        "Check-in held (25 minutes)",
        "Check-in booked (Video call)",
        "Sam Okafor gave feedback on “Module 1”",
        "Margaret Hill sent a message",
        "Answered PHQ-9: score 12 (moderate)",
        "Finished “Module 1”",
        "Sent “My goals” (Module 1)",
        "Opened “Module 1”",
    ]
    positions = [page.index(text) for text in expected]
    assert positions == sorted(positions)
    assert "A private worry" not in page  # messages are listed, their text stays in the thread
    assert page.count("sent a message") == 1  # the feedback's message is shown as feedback only


def test_the_timeline_is_bounded_with_an_older_link(therapist, enrollment):
    thread = thread_ensure(enrollment=enrollment)
    for hours in range(TIMELINE_LIMIT + 5):
        Message.objects.create(thread=thread, author=enrollment.patient, body="x", created_at=ago(hours=hours + 1))
    page = page_of(therapist, enrollment)
    assert page.count("Margaret Hill sent a message") == TIMELINE_LIMIT
    assert ">Older</a>" in page
    oldest_shown = Message.objects.order_by("-created_at")[TIMELINE_LIMIT - 1].created_at
    older = page_of(therapist, enrollment, before=oldest_shown.isoformat().replace("+", "%2B"))
    assert older.count("Margaret Hill sent a message") == 5
    assert ">Older</a>" not in older
    assert "Back to the newest" in older


def test_a_bad_before_value_shows_the_newest(therapist, enrollment):
    thread = thread_ensure(enrollment=enrollment)
    Message.objects.create(thread=thread, author=enrollment.patient, body="x")
    assert "Margaret Hill sent a message" in page_of(therapist, enrollment, before="yesterday")


def test_an_empty_timeline_says_so(therapist, enrollment):
    assert "Nothing has happened yet." in page_of(therapist, enrollment)


# --- Notes and time on the page ----------------------------------------------------------------------


def test_notes_are_listed_newest_first_for_therapist_and_admin(therapist, clinic_admin, enrollment):
    ClinicalNote.objects.create(enrollment=enrollment, author=therapist, body="First note", created_at=ago(days=2))
    ClinicalNote.objects.create(enrollment=enrollment, author=therapist, body="Second note", created_at=ago(days=1))
    for user in (therapist, clinic_admin):
        page = page_of(user, enrollment)
        assert page.index("Second note") < page.index("First note")
    assert "Save note" in page_of(therapist, enrollment)
    assert "Save note" not in page_of(clinic_admin, enrollment)


def test_notes_are_never_shown_to_the_patient(patient, therapist, enrollment):
    ClinicalNote.objects.create(enrollment=enrollment, author=therapist, body="Staff-only observation")
    for path in ("/me/", "/me/messages/", "/me/programme/", "/me/progress/"):
        response = client_for(patient).get(path, follow=True)
        assert "Staff-only observation" not in response.content.decode()


def test_it_shows_time_this_week_and_all_time(therapist, enrollment):
    TimeEntry.objects.create(therapist=therapist, enrollment=enrollment, activity="phone", minutes=20)
    TimeEntry.objects.create(therapist=therapist, enrollment=enrollment, activity="review", minutes=30, at=ago(days=30))
    page = page_of(therapist, enrollment)
    assert "20 minutes" in page and "50 minutes" in page
    assert reverse("time_ledger", args=[enrollment.code]) in page


# --- Query count ------------------------------------------------------------------------------------


def busy_history(enrollment, therapist, exercise, count):
    """``count`` items in each of the timeline's sources."""
    plan = plans.plan_ensure(enrollment)
    thread = thread_ensure(enrollment=enrollment)
    response = ExerciseResponse.objects.create(enrollment=enrollment, exercise=exercise, submitted_at=ago(days=1))
    for n in range(count):
        at = ago(hours=n + 1)
        completed(enrollment, "phq9", n % 27, "", at, f"week-{n}")
        Message.objects.create(thread=thread, author=enrollment.patient, body="x", created_at=at)
        Feedback.objects.create(
            enrollment=enrollment, module=exercise.module, response=response, author=therapist, created_at=at,
            message=Message.objects.create(thread=thread, author=therapist, body="y", created_at=at),
        )  # fmt: skip
        CheckIn.objects.create(
            enrollment=enrollment, therapist=therapist, starts_at=at, ends_at=at + datetime.timedelta(minutes=30),
            booked_by=therapist, status=CheckIn.Status.CANCELLED, cancelled_at=at,
        )  # fmt: skip
        Alert.objects.create(enrollment=enrollment, kind="risk", created_at=at, acknowledged_at=at)
        PlanChange.objects.create(plan=plan, kind=PlanChange.Kind.UNLOCKED, module=exercise.module, by=therapist, at=at)
        ClinicalNote.objects.create(enrollment=enrollment, author=therapist, body="note")
        TimeEntry.objects.create(therapist=therapist, enrollment=enrollment, activity="message", minutes=5, at=at)


# session, user, roles, authenticator, enrolment, audit, plan, plan's modules, completed assessments
# (charts), timeline (10: modules opened and finished, exercises, questionnaires, messages, feedback,
# check-ins, alerts raised and acknowledged, plan changes), notes, time totals, recent time, modules
# with submitted work, the menu's "To review" and "Messages" badges.
PATIENT_VIEW_QUERIES = 25


@pytest.mark.parametrize("count", [1, 40])
def test_the_query_count_does_not_grow_with_history(therapist, enrollment, exercise, count):
    busy_history(enrollment, therapist, exercise, count)
    client = client_for(therapist)
    client.get(url(enrollment))
    with assert_queries(PATIENT_VIEW_QUERIES):
        response = client.get(url(enrollment))
    assert response.status_code == 200
    # 8 events per round (questionnaire, message, feedback, check-in booked and cancelled, alert raised
    # and acknowledged, plan change) and the one exercise; the newest TIMELINE_LIMIT are shown.
    assert response.content.decode().count("<time datetime=") == min(8 * count + 1, TIMELINE_LIMIT)
