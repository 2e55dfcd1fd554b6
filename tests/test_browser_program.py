"""In a real browser: a patient reads module 1, types into a thought record, reloads and finds the
text still there (autosave), submits it, and fills in the diary. axe checks each page at 1280 and
360 px; screenshots are kept under test-artifacts/browser/."""

import re
from pathlib import Path

import pytest
from django.utils import timezone

from modules import plans
from modules.content import load_program
from modules.models import ExerciseResponse
from tests.browser import Visit
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHIPPED = Path(__file__).resolve().parents[1] / "modules" / "content" / "living-well"


@pytest.fixture
def patient_in_week_five(enrollment):
    program = load_program(SHIPPED).program
    enrollment.program = program
    enrollment.save(update_fields=["program"])
    plan = plans.plan_ensure(enrollment)
    for item in plan.items.order_by("position")[:5]:
        plans.unlock_item(item, now=timezone.now())
    return enrollment


def test_a_patient_reads_a_module_and_their_typing_survives_a_reload(browser, live_server, patient_in_week_five):
    enrollment = patient_in_week_five
    context = browser.new_context(base_url=live_server.url)
    visit = Visit(context.new_page(), "patient-program")
    page = visit.page
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(enrollment.patient.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/me/$"))
    visit.check("home")

    page.goto("/me/modules/understanding-pain/1/")
    assert page.get_by_text("Page 1 of 6").is_visible()
    visit.check("module-1-page-1")

    page.get_by_role("link", name=re.compile("Next")).click()
    page.wait_for_url(re.compile(r"/understanding-pain/2/$"))

    page.goto("/me/modules/thoughts-and-pain/")
    page.goto("/me/modules/thoughts-and-pain/6/")
    field = page.get_by_label("What happened?")
    field.fill("I bent down to pick up a toy and felt a sharp twinge.")
    status = page.locator("#exercise-check-a-thought [role=status]")
    status.get_by_text(re.compile("Saved at")).wait_for(timeout=10_000)
    visit.check("thought-record-saved")

    page.reload()
    assert page.get_by_label("What happened?").input_value() == "I bent down to pick up a toy and felt a sharp twinge."

    page.get_by_label("What went through your mind?").fill("I will end up in a wheelchair.")
    page.locator("#exercise-check-a-thought").get_by_label("What was the feeling?").first.fill("Scared")
    page.locator("#exercise-check-a-thought").get_by_label(re.compile("How strong was it")).first.fill("80")
    page.get_by_role("button", name="Submit to your therapist").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("There is a problem").is_visible()  # the record is not complete yet
    visit.check("thought-record-incomplete")
    exercise = page.locator("#exercise-check-a-thought")
    exercise.get_by_label("What makes the thought seem true?").fill("The pain was sharp.")
    exercise.get_by_label("What does not fit with the thought?").fill("Twinges have come and gone before.")
    exercise.get_by_label("A more balanced thought").fill("A twinge is my alarm, not damage.")
    page.locator('[name="check-a-thought-rerating_1"]').fill("40")
    page.get_by_role("button", name="Submit to your therapist").click()
    page.wait_for_url(re.compile(r"/thoughts-and-pain/6/(#.*)?$"))
    assert page.get_by_text("Sent to your therapist").first.is_visible()
    visit.check("thought-record-sent")
    response = ExerciseResponse.objects.get(enrollment=enrollment, exercise__slug="check-a-thought")
    assert response.data["situation"].startswith("I bent down")
    assert response.data["rerating"] == [{"name": "Scared", "rating": 40}]
    assert response.submitted_at is not None

    page.goto("/me/diary/")
    visit.check("diary")

    # A small phone: pages load at 320 px wide and nothing scrolls sideways.
    narrow = context.new_page()
    narrow.set_viewport_size({"width": 320, "height": 700})
    for url in ("/me/", "/me/modules/understanding-pain/1/", "/me/modules/thoughts-and-pain/6/", "/me/diary/"):
        narrow.goto(url)
        narrow.wait_for_load_state("networkidle")
        assert narrow.evaluate("document.documentElement.scrollWidth") <= 320, url

    context.close()
    assert visit.violations == {}, visit.violations
    assert visit.console_errors == []
