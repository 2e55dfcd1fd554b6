"""The unlock schedule: weekly from the start date, at the start of the patient's day, across DST."""

import datetime
import zoneinfo

import pytest
from django.core import mail

from clinics.models import Enrollment
from modules import plans
from modules.models import PlanChange, PlannedModule
from notifications.models import Notification
from tests.factories import EnrollmentFactory, make_program

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def program():
    return make_program(weeks=9, pages=2, optional=2)


def enrol(program, start: str, zone: str = "Europe/London", **extra):
    enrollment = EnrollmentFactory(
        program=program, cohort__program=program, start_date=datetime.date.fromisoformat(start),
        patient__time_zone=zone, **extra,
    )  # fmt: skip
    return enrollment, plans.plan_ensure(enrollment)


def opened(plan) -> list[str]:
    return list(
        plan.items.filter(unlocked_at__isnull=False).order_by("position").values_list("module__slug", flat=True)
    )


def test_a_plan_has_the_core_modules_a_week_apart(program):
    _, plan = enrol(program, "2026-01-05")
    items = list(plan.items.order_by("position"))
    assert [i.module.slug for i in items] == [f"m{n}" for n in range(1, 10)]
    assert [i.unlock_on for i in items][:3] == [datetime.date(2026, 1, 5), datetime.date(2026, 1, 12),
                                               datetime.date(2026, 1, 19)]  # fmt: skip


def test_plan_ensure_is_idempotent(program):
    enrollment, plan = enrol(program, "2026-01-05")
    enrollment.refresh_from_db()
    assert plans.plan_ensure(enrollment).pk == plan.pk
    assert PlannedModule.objects.count() == 9


def test_module_one_opens_at_the_start_of_the_day_in_the_patients_zone(program):
    _, plan = enrol(program, "2026-01-05", "Europe/Stockholm")  # UTC+1 in winter
    assert plans.unlock_due(now=at("2026-01-04T22:59:00")) == 0
    assert plans.unlock_due(now=at("2026-01-04T23:00:00")) == 1
    assert opened(plan) == ["m1"]


@pytest.mark.parametrize(
    ("zone", "start", "day", "first_utc"),
    [
        # London springs forward on Sun 29 March 2026: midnight on Mon 30 March is 23:00 UTC the day before.
        ("Europe/London", "2026-03-23", "2026-03-30", "2026-03-29T23:00:00"),
        # Stockholm falls back on Sun 25 October 2026: midnight on Mon 26 October is 23:00 UTC (CET).
        ("Europe/Stockholm", "2026-10-19", "2026-10-26", "2026-10-25T23:00:00"),
        # ... and the week before, still on summer time, it was 22:00 UTC.
        ("Europe/Stockholm", "2026-10-12", "2026-10-19", "2026-10-18T22:00:00"),
    ],
)
def test_week_two_opens_at_local_midnight_across_dst(program, zone, start, day, first_utc):
    _, plan = enrol(program, start, zone)
    plans.unlock_due(now=at(start + "T12:00:00"))
    assert opened(plan) == ["m1"]
    first = at(first_utc)
    assert plans.unlock_due(now=first - datetime.timedelta(seconds=1)) == 0
    assert plans.unlock_due(now=first) == 1
    item = plan.items.get(module__slug="m2")
    assert item.unlock_on.isoformat() == day
    assert item.unlocked_at.astimezone(zoneinfo.ZoneInfo(zone)).time() == datetime.time(0, 0)


def test_two_zones_open_the_same_day_at_different_instants(program):
    _, auckland = enrol(program, "2026-06-01", "Pacific/Auckland")  # UTC+12
    _, los_angeles = enrol(program, "2026-06-01", "America/Los_Angeles")  # UTC-7
    plans.unlock_due(now=at("2026-05-31T12:00:00"))
    assert opened(auckland) == ["m1"] and opened(los_angeles) == []
    plans.unlock_due(now=at("2026-06-01T07:00:00"))
    assert opened(los_angeles) == ["m1"]


def test_each_opening_notifies_the_patient_once_even_when_sweeps_overlap(program, django_capture_on_commit_callbacks):
    enrollment, plan = enrol(program, "2026-01-05")
    with django_capture_on_commit_callbacks(execute=True):
        plans.unlock_due(now=at("2026-01-05T09:00:00"))
        plans.unlock_due(now=at("2026-01-05T09:05:00"))
    assert Notification.objects.filter(user=enrollment.patient, kind=plans.MODULE_READY_KIND).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Your next module is ready"
    assert "Module 1" not in mail.outbox[0].body  # no programme content in e-mails


def test_catching_up_opens_every_module_that_is_due(program):
    _, plan = enrol(program, "2026-01-05")
    plans.unlock_due(now=at("2026-01-20T09:00:00"))
    assert opened(plan) == ["m1", "m2", "m3"]


def test_nothing_opens_for_a_paused_or_withdrawn_enrolment(program, therapist):
    enrollment, plan = enrol(program, "2026-01-05")
    plans.plan_pause(plan=plan, by=therapist)
    assert plans.unlock_due(now=at("2026-01-20T09:00:00")) == 0
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.PAUSED
    other, other_plan = enrol(program, "2026-01-05", status=Enrollment.Status.WITHDRAWN)
    assert plans.unlock_due(now=at("2026-01-20T09:00:00")) == 0


def test_resuming_moves_later_modules_by_the_days_paused(program, therapist, monkeypatch):
    enrollment, plan = enrol(program, "2026-01-05")
    plans.unlock_due(now=at("2026-01-05T09:00:00"))
    monkeypatch.setattr("django.utils.timezone.now", lambda: at("2026-01-07T10:00:00"))
    plans.plan_pause(plan=plan, by=therapist)
    monkeypatch.setattr("django.utils.timezone.now", lambda: at("2026-01-17T10:00:00"))
    plans.plan_resume(plan=plan, by=therapist)
    plan.refresh_from_db()
    assert plan.pause_days == 10
    assert plan.items.get(module__slug="m2").unlock_on == datetime.date(2026, 1, 22)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE


def test_skipping_a_module_brings_the_next_ones_forward(program, therapist):
    _, plan = enrol(program, "2026-01-05")
    m2 = plan.items.get(module__slug="m2")
    plans.plan_skip(plan=plan, item=m2, by=therapist)
    assert plan.items.get(module__slug="m3").unlock_on == datetime.date(2026, 1, 12)
    assert PlanChange.objects.get(plan=plan).kind == "skipped"


def test_adding_an_optional_module_puts_it_at_the_end(program, therapist):
    _, plan = enrol(program, "2026-01-05")
    optional = program.modules.get(slug="m10")
    item = plans.plan_add_module(plan=plan, module=optional, by=therapist)
    assert item.position == 10
    assert item.unlock_on == datetime.date(2026, 3, 9)
    with pytest.raises(plans.PlanError, match="already in the plan"):
        plans.plan_add_module(plan=plan, module=optional, by=therapist)


def test_moving_swaps_two_upcoming_modules_and_their_dates(program, therapist):
    _, plan = enrol(program, "2026-01-05")
    m3 = plan.items.get(module__slug="m3")
    plans.plan_move(plan=plan, item=m3, direction=-1, by=therapist)
    order = list(plan.items.order_by("position").values_list("module__slug", "unlock_on"))
    assert order[1] == ("m3", datetime.date(2026, 1, 12))
    assert order[2] == ("m2", datetime.date(2026, 1, 19))


def test_an_open_module_cannot_be_moved_or_skipped(program, therapist):
    _, plan = enrol(program, "2026-01-05")
    plans.unlock_due(now=at("2026-01-05T09:00:00"))
    m1 = plan.items.get(module__slug="m1")
    with pytest.raises(plans.PlanError):
        plans.plan_skip(plan=plan, item=m1, by=therapist)
    with pytest.raises(plans.PlanError):
        plans.plan_move(plan=plan, item=m1, direction=1, by=therapist)


def test_opening_the_next_module_early(program, therapist):
    _, plan = enrol(program, "2026-01-05")
    plans.unlock_due(now=at("2026-01-05T09:00:00"))
    item = plans.plan_unlock_next(plan=plan, by=therapist)
    assert item.module.slug == "m2"
    assert opened(plan) == ["m1", "m2"]
    # Week 3 still opens on its own day.
    assert plan.items.get(module__slug="m3").unlock_on == datetime.date(2026, 1, 19)


def test_extending_moves_the_end_date(program, therapist):
    _, plan = enrol(program, "2026-01-05")
    assert plans.plan_end_date(plan) == datetime.date(2026, 3, 9)
    plans.plan_extend(plan=plan, weeks=2, by=therapist)
    plan.refresh_from_db()
    assert plans.plan_end_date(plan) == datetime.date(2026, 3, 23)
    with pytest.raises(plans.PlanError):
        plans.plan_extend(plan=plan, weeks=0, by=therapist)


def test_a_gated_module_waits_for_its_gate(program):
    enrollment, plan = enrol(program, "2026-01-05")
    plan.items.filter(module__slug="m1").update(gate=PlannedModule.Gate.BASELINE)
    assert plans.unlock_due(now=at("2026-01-05T09:00:00")) == 0
    plans.plan_release_gate(enrollment=enrollment, gate=PlannedModule.Gate.BASELINE)
    assert "m1" in opened(plan)


def test_reconcile_makes_missing_plans(program):
    enrollment = EnrollmentFactory(program=program, cohort__program=program)
    assert plans.plan_reconcile() == 1
    assert plans.plan_reconcile() == 0
    assert enrollment.__class__.objects.get(pk=enrollment.pk).plan.items.count() == 9
