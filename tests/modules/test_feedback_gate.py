"""Programmes that wait for feedback: each module opens only after the therapist's feedback on the one before."""

import datetime
import shutil
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from modules import plans
from modules.content import load_program, read_program
from modules.models import PlannedModule
from tests.factories import make_program
from tests.utils import client_for

pytestmark = pytest.mark.django_db

FEEDBACK = PlannedModule.Gate.FEEDBACK
SHIPPED = Path(__file__).resolve().parents[2] / "modules" / "content" / "living-well"


@pytest.fixture
def program(enrollment):
    program = make_program(weeks=4, pages=1, optional=1, program=enrollment.program)
    program.wait_for_feedback = True
    program.save(update_fields=["wait_for_feedback"])
    # Started three weeks ago: modules 1 to 4 are all due by date.
    enrollment.start_date = timezone.localdate() - datetime.timedelta(days=21)
    enrollment.save(update_fields=["start_date"])
    return program


@pytest.fixture
def plan(enrollment, program):
    plan = plans.plan_ensure(enrollment)
    plans.unlock_due()
    return plan


def gates(plan):
    return {i.module.slug: (i.gate, i.state) for i in plan.items.select_related("module").order_by("position")}


def test_only_the_first_module_opens_until_feedback_is_given(plan):
    assert gates(plan) == {
        "m1": ("", "open"), "m2": (FEEDBACK, "locked"), "m3": (FEEDBACK, "locked"), "m4": (FEEDBACK, "locked"),
    }  # fmt: skip


def test_feedback_opens_the_next_module_at_once_when_its_day_has_come(plan, enrollment):
    m1 = plan.items.get(module__slug="m1").module
    assert plans.plan_feedback_given(enrollment=enrollment, module=m1) is True
    assert gates(plan)["m2"] == ("", "open")
    assert gates(plan)["m3"] == (FEEDBACK, "locked")
    first = plan.items.get(module__slug="m1").feedback_at
    assert plans.plan_feedback_given(enrollment=enrollment, module=m1) is False  # recorded once
    assert plan.items.get(module__slug="m1").feedback_at == first


def test_feedback_before_the_day_lifts_the_gate_and_the_date_still_counts(enrollment, program):
    enrollment.start_date = timezone.localdate()
    enrollment.save(update_fields=["start_date"])
    plan = plans.plan_ensure(enrollment)
    plans.plan_feedback_given(enrollment=enrollment, module=plan.items.get(module__slug="m1").module)
    item = plan.items.get(module__slug="m2")
    assert (item.gate, item.state) == ("", "locked")
    assert plans.unlock_due(now=timezone.now() + datetime.timedelta(days=8)) == 1
    assert gates(plan)["m2"] == ("", "open")
    assert gates(plan)["m3"] == (FEEDBACK, "locked")


def test_the_baseline_gate_is_left_alone(enrollment, program):
    plan = plans.plan_ensure(enrollment)
    plan.items.filter(module__slug="m1").update(gate=PlannedModule.Gate.BASELINE)
    plans.reschedule(plan)
    assert gates(plan)["m1"] == (PlannedModule.Gate.BASELINE, "locked")
    assert gates(plan)["m2"] == (FEEDBACK, "locked")


def test_a_skipped_module_is_jumped_over(plan, therapist):
    plans.plan_skip(plan=plan, item=plan.items.get(module__slug="m2"), by=therapist)
    plans.plan_feedback_given(enrollment=plan.enrollment, module=plan.items.get(module__slug="m1").module)
    assert gates(plan)["m3"] == ("", "open")


def test_the_therapist_can_still_open_the_next_module(plan, therapist):
    plans.plan_unlock_next(plan=plan, by=therapist)
    assert gates(plan)["m2"] == ("", "open")


def test_programmes_that_do_not_wait_have_no_feedback_gates(enrollment, program):
    program.wait_for_feedback = False
    program.save(update_fields=["wait_for_feedback"])
    plan = plans.plan_ensure(enrollment)
    plans.unlock_due()
    assert {gate for gate, _state in gates(plan).values()} == {""}


def test_switching_waiting_off_releases_held_modules(plan, program):
    program.wait_for_feedback = False
    program.save(update_fields=["wait_for_feedback"])
    plans.program_regate(program)
    assert gates(plan)["m2"] == ("", "open")


def test_the_admin_change_regates_running_plans(plan, program, operator, django_capture_on_commit_callbacks):
    url = reverse("admin:modules_program_change", args=[program.pk])
    client = client_for(operator)
    data = {
        "slug": program.slug, "version": program.version, "title": program.title, "summary": "", "language": "en",
        "weeks": program.weeks, "modules-TOTAL_FORMS": 0, "modules-INITIAL_FORMS": 0,
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    program.refresh_from_db()
    assert program.wait_for_feedback is False
    assert gates(plan)["m2"] == ("", "open")


def test_the_patient_is_told_why_a_module_waits(plan, patient):
    page = client_for(patient).get(reverse("program_overview")).content.decode()
    assert "This opens after your therapist has replied to your work on “Module 1”." in page
    assert "This opens after your therapist has replied to your work on “Module 2”." in page
    assert page.count("This opens after your therapist") == 3  # m2, m3, m4


def test_the_therapist_sees_waiting_for_feedback_on_the_plan(plan, therapist, enrollment):
    page = client_for(therapist).get(reverse("plan_detail", args=[enrollment.code])).content.decode()
    assert "Waiting for your feedback" in page
    assert reverse("feedback_write", args=[enrollment.code, "m1"]) in page


def test_the_loader_reads_wait_for_feedback(tmp_path):
    assert read_program(SHIPPED).wait_for_feedback is False
    folder = tmp_path / "living-well"
    shutil.copytree(SHIPPED, folder)
    meta = folder / "program.yaml"
    meta.write_text(meta.read_text().replace("wait_for_feedback: false", "wait_for_feedback: true"))
    assert load_program(folder).program.wait_for_feedback is True
    meta.write_text(meta.read_text().replace("wait_for_feedback: true", "wait_for_feedback: maybe"))
    with pytest.raises(Exception, match="must be true or false"):
        read_program(folder)
