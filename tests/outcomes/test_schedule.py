"""The questionnaire schedule: occasions from the enrolment, in the patient's time zone, reminders
once at their hour, expiry, and module 1 waiting for the baseline."""

import datetime
import zoneinfo
from collections import Counter

import pytest
from django.core import mail

from modules import plans
from modules.models import PlannedModule
from notifications.models import Notification
from notifications.services import dispatch_due
from outcomes import schedule
from outcomes.models import Assessment
from tests.factories import EnrollmentFactory, make_program

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def enrol():
    program = make_program(weeks=9, pages=1, optional=0)

    def make(start="2026-01-05", zone="Europe/London", hour=9):
        enrollment = EnrollmentFactory(
            program=program, cohort__program=program, start_date=datetime.date.fromisoformat(start),
            patient__time_zone=zone, patient__reminder_hour=hour,
        )  # fmt: skip
        schedule.schedule_sync(enrollment)
        return enrollment

    return make


def occasions_of(enrollment) -> Counter:
    return Counter(Assessment.objects.filter(enrollment=enrollment).values_list("occasion", flat=True))


def test_the_default_plan_schedules_every_occasion(enrol):
    enrollment = enrol()
    counts = occasions_of(enrollment)
    assert counts["baseline"] == 6  # phq9 gad7 peg3 nrs_fatigue k10 who5; pseq is not licensed here
    assert [f"week-{w}" in counts for w in (2, 3, 4, 5, 7, 8, 9)] == [True] * 7
    assert "week-6" not in counts and counts["midpoint"] == 4  # week 6 is the mid-point
    assert counts["post"] == 9
    assert counts["followup-3m"] == counts["followup-6m"] == counts["followup-12m"] == 7
    assert not Assessment.objects.filter(enrollment=enrollment, occasion="baseline", instrument_key="pgic").exists()


def test_syncing_again_makes_nothing_new(enrol):
    enrollment = enrol()
    before = Assessment.objects.count()
    assert schedule.schedule_sync(enrollment) == 0
    assert Assessment.objects.count() == before


def test_pseq_is_not_asked_without_its_licensed_text_even_when_the_clinic_enables_it(enrol):
    enrollment = enrol()
    enrollment.clinic.enabled_instruments = ["pseq"]
    enrollment.clinic.save(update_fields=["enabled_instruments"])
    schedule.schedule_sync(enrollment)
    # Without the licence holder's text installed it is still not asked.
    assert not Assessment.objects.filter(enrollment=enrollment, instrument_key="pseq").exists()


def test_weekly_checks_open_at_local_midnight_are_due_3_days_later_and_close_after_7(enrol):
    enrollment = enrol(start="2026-10-12", zone="Europe/Stockholm")
    week3 = Assessment.objects.filter(enrollment=enrollment, occasion="week-3").first()  # Mon 26 Oct, after DST
    zone = zoneinfo.ZoneInfo("Europe/Stockholm")
    assert week3.opens_at == datetime.datetime(2026, 10, 26, tzinfo=zone)
    assert week3.opens_at.astimezone(UTC) == at("2026-10-25T23:00:00")
    week2 = Assessment.objects.filter(enrollment=enrollment, occasion="week-2").first()  # Mon 19 Oct, summer time
    assert week2.opens_at.astimezone(UTC) == at("2026-10-18T22:00:00")
    assert week2.due_at == datetime.datetime(2026, 10, 22, tzinfo=zone)
    assert week2.closes_at == datetime.datetime(2026, 10, 26, tzinfo=zone)


def test_follow_ups_are_months_after_the_end(enrol):
    enrollment = enrol()
    post = Assessment.objects.filter(enrollment=enrollment, occasion="post").first()
    follow = Assessment.objects.filter(enrollment=enrollment, occasion="followup-3m").first()
    assert post.opens_at.date() == datetime.date(2026, 3, 9)
    assert follow.opens_at.astimezone(zoneinfo.ZoneInfo("Europe/London")).date() == datetime.date(2026, 6, 9)


def test_extending_moves_what_is_to_come_and_never_what_was_answered(enrol, therapist):
    enrollment = enrol()
    Assessment.objects.filter(enrollment=enrollment, occasion="week-2").update(
        status=Assessment.Status.COMPLETED, answers={"done": True}
    )
    answered = list(Assessment.objects.filter(enrollment=enrollment, occasion="week-2").values("pk", "opens_at"))
    plans.plan_extend(plan=enrollment.plan, weeks=2, by=therapist)
    made = schedule.schedule_sync(enrollment)
    assert made == 4  # two more weekly checks
    post = Assessment.objects.filter(enrollment=enrollment, occasion="post").first()
    assert post.opens_at.date() == datetime.date(2026, 3, 23)
    assert (
        list(Assessment.objects.filter(enrollment=enrollment, occasion="week-2").values("pk", "opens_at")) == answered
    )


def test_module_one_waits_for_the_baseline(enrol):
    enrollment = enrol()
    first = enrollment.plan.items.order_by("position").first()
    assert first.gate == PlannedModule.Gate.BASELINE
    assert plans.unlock_due(now=at("2026-01-06T09:00:00")) == 0
    Assessment.objects.filter(enrollment=enrollment, occasion="baseline").update(status=Assessment.Status.COMPLETED)
    schedule.schedule_sync(enrollment)
    first.refresh_from_db()
    assert first.gate == ""
    assert first.unlocked_at is not None  # its day has long come: it opens as soon as the gate lifts


def test_opening_queues_one_reminder_per_occasion_at_the_patients_hour(
    enrol, django_capture_on_commit_callbacks, monkeypatch
):
    enrollment = enrol(hour=18)
    monkeypatch.setattr("django.utils.timezone.now", lambda: at("2026-01-05T00:30:00"))
    with django_capture_on_commit_callbacks(execute=True):
        assert schedule.open_due(now=at("2026-01-05T00:30:00")) == 6
        assert schedule.open_due(now=at("2026-01-05T00:35:00")) == 0
    reminders = Notification.objects.filter(user=enrollment.patient, kind=schedule.OPEN_REMINDER_KIND)
    assert reminders.count() == 1
    assert reminders.get().due_at == at("2026-01-05T18:00:00")
    assert mail.outbox == []  # not before the patient's hour


def test_a_reminder_for_questions_already_answered_is_cancelled_not_sent(enrol, monkeypatch):
    enrollment = enrol()
    schedule.open_due(now=at("2026-01-05T00:30:00"))
    Assessment.objects.filter(enrollment=enrollment, occasion="baseline").update(status=Assessment.Status.COMPLETED)
    monkeypatch.setattr("django.utils.timezone.now", lambda: at("2026-01-05T09:01:00"))
    dispatch_due()
    reminder = Notification.objects.get(user=enrollment.patient, kind=schedule.OPEN_REMINDER_KIND)
    assert reminder.status == Notification.Status.CANCELLED
    assert mail.outbox == []


def test_a_reminder_still_needed_is_sent_once_without_health_data(enrol, monkeypatch):
    enrollment = enrol()
    schedule.open_due(now=at("2026-01-05T00:30:00"))
    monkeypatch.setattr("django.utils.timezone.now", lambda: at("2026-01-05T09:01:00"))
    dispatch_due()
    dispatch_due()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [enrollment.patient.email]
    body = mail.outbox[0].body.lower()
    assert "short questions" in body
    for word in ("phq", "depress", "anxiety", "pain", "mood"):
        assert word not in body


def test_the_due_day_reminder_comes_once_if_not_done(enrol):
    enrollment = enrol()
    schedule.open_due(now=at("2026-01-05T00:30:00"))
    assert schedule.remind_due(now=at("2026-01-08T08:59:00")) == 0
    assert schedule.remind_due(now=at("2026-01-08T09:00:00")) == 1
    schedule.remind_due(now=at("2026-01-08T10:00:00"))
    assert Notification.objects.filter(user=enrollment.patient, kind=schedule.DUE_REMINDER_KIND).count() == 1


def test_unanswered_questionnaires_expire_after_seven_days(enrol):
    enrollment = enrol()
    schedule.open_due(now=at("2026-01-05T00:30:00"))
    assert schedule.expire_due(now=at("2026-01-11T23:59:00")) == 0
    assert schedule.expire_due(now=at("2026-01-12T00:00:00")) == 6
    assert not Assessment.objects.filter(enrollment=enrollment, status=Assessment.Status.OPEN).exists()


def test_nothing_opens_for_a_paused_patient(enrol, therapist):
    enrollment = enrol()
    plans.plan_pause(plan=enrollment.plan, by=therapist)
    assert schedule.open_due(now=at("2026-01-05T09:00:00")) == 0


def test_operators_edit_the_measurement_plan_with_known_instruments_only(operator, enrol):
    from django.urls import reverse

    from outcomes.models import MeasurementPlanEntry
    from tests.utils import client_for

    enrollment = enrol()
    entry = MeasurementPlanEntry.objects.get(program=enrollment.program, occasion="weekly")
    client = client_for(operator)
    url = reverse("admin:outcomes_measurementplanentry_change", args=[entry.pk])
    data = {"program": entry.program_id, "occasion": "weekly", "instruments": '["peg3", "nope"]'}
    response = client.post(url, data)
    assert "Unknown instrument(s): nope" in response.content.decode()
    data["instruments"] = '["peg3", "phq9", "gad7"]'
    assert client.post(url, data).status_code == 302
    entry.refresh_from_db()
    assert entry.instruments == ["peg3", "phq9", "gad7"]
