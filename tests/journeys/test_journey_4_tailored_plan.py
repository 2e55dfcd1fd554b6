"""Journey 4: a therapist tailors a patient's plan: adds the optional module "Fatigue and energy"
and, after forgetting to say how long, extends the programme by two weeks. The patient sees both
changes on her home page and in her programme overview, with the new end date.

Setup only: the patient is in week 2 of the shipped programme (module 1 opened, as the sweep
would have done a week ago)."""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from modules import plans
from modules.content import load_program
from modules.models import PlanChange

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHIPPED = Path(__file__).resolve().parents[2] / "modules" / "content" / "living-well"


@pytest.fixture
def in_week_two(enrollment):
    enrollment.program = load_program(SHIPPED).program
    enrollment.start_date = timezone.localdate() - datetime.timedelta(days=8)
    enrollment.save(update_fields=["program", "start_date"])
    plan = plans.plan_ensure(enrollment)
    for item in plan.items.order_by("position")[:2]:
        plans.unlock_item(item, now=timezone.now())
    return enrollment


def long_date(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def test_journey_4_the_therapist_adds_a_module_and_two_weeks_and_the_patient_sees_it(journey, in_week_two, therapist):
    enrollment = in_week_two
    plan = enrollment.plan
    end_before = plans.plan_end_date(plan)
    story = journey("4-tailored-plan")

    patient = story.sign_in("patient", enrollment.patient, staff=False)
    page = patient.page
    patient.check("home-before")
    page.get_by_role("link", name="Programme", exact=True).first.click()
    expect(page.get_by_text("Fatigue and energy")).to_have_count(0)
    patient.check("programme-before")

    staff = story.sign_in("therapist", therapist, staff=True)
    page = staff.page
    page.wait_for_url(re.compile(r"/caseload/$"))
    page.get_by_role("link", name=enrollment.patient.name).first.click()
    staff.check("patient")
    page.get_by_role("link", name="Programme plan").click()
    expect(page.get_by_role("heading", name="Programme plan")).to_be_visible()
    expect(page.get_by_text(long_date(end_before))).to_be_visible()
    staff.check("plan")

    page.get_by_label("Add a module").select_option(label="Fatigue and energy (optional)")
    page.get_by_role("button", name="Add module").click()
    expect(page.get_by_text("“Fatigue and energy” is added to the end of the plan.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Fatigue and energy"))).to_be_visible()
    staff.check("module-added")

    page.get_by_role("button", name="Extend the programme").click()  # how many weeks? not said
    expect(page.get_by_text("Choose how many weeks to add, from 1 to 12.")).to_be_visible()
    staff.check("extend-without-weeks")
    page.get_by_label("Give more time (weeks)").fill("2")
    page.get_by_role("button", name="Extend the programme").click()
    expect(page.get_by_text("The programme is 2 weeks longer.")).to_be_visible()
    expect(page.get_by_text("Extended by 2 weeks.")).to_be_visible()
    staff.check("extended")

    plan.refresh_from_db()
    end_after = plans.plan_end_date(plan)
    # One module more (a week) and two weeks more: the end moves three weeks.
    assert end_after - end_before == datetime.timedelta(weeks=3), (end_before, end_after)
    assert plan.extra_weeks == 2
    assert list(PlanChange.objects.filter(plan=plan).order_by("pk").values_list("kind", flat=True)) == [
        "added",
        "extended",
    ]
    expect(page.get_by_text(long_date(end_after)).first).to_be_visible()

    # --- The patient sees both changes. -------------------------------------------------------------
    page = patient.page
    page.goto("/me/")
    expect(page.get_by_text("Your therapist added “Fatigue and energy” to your programme.")).to_be_visible()
    expect(page.get_by_text("Your therapist gave you 2 more weeks.")).to_be_visible()
    patient.check("home-after")
    page.get_by_role("link", name="Programme", exact=True).first.click()
    expect(page.get_by_text("Fatigue and energy").first).to_be_visible()
    expect(page.get_by_text(long_date(end_after)).first).to_be_visible()
    patient.check("programme-after")

    story.assert_accessible()
