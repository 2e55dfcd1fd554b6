"""Keyboard only (WCAG 2.1.1, 2.4.1, 2.4.3, 2.4.7): a patient signs in, answers the weekly
check (no risk answers) and writes and submits a module exercise with Tab, Shift+Tab, Space, the arrow
keys and Enter. No mouse clicks, and nothing is filled in that the keyboard did not reach: text is typed
into whatever has focus.

At every focus stop the test asks the page what has focus and checks that it is in the viewport and
looks different from how the same element looked unfocused: an outline, box-shadow, border or
background (not zero-width, not transparent) on the element, its label or the label's ::before (where
nhsuk draws the ring of a radio or checkbox). The unfocused look of every focusable element is recorded
before each key press, so the comparison is with the same element on the same page.
"""

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from modules import plans
from modules.content import load_program
from modules.models import ExerciseResponse
from outcomes import schedule
from outcomes.models import Assessment
from tests.a11y.support import ARTIFACTS, FOCUS_STOP, SNAPSHOT_UNFOCUSED
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHIPPED = Path(__file__).resolve().parents[2] / "modules" / "content" / "living-well"


class Keyboard:
    """Presses keys and checks every place focus lands on."""

    def __init__(self, page, name):
        self.page = page
        self.name = name
        self.stops = 0
        self.problems = []

    def press(self, key):
        self.page.evaluate(SNAPSHOT_UNFOCUSED)
        self.page.keyboard.press(key)
        return self.here()

    def here(self):
        info = self.page.evaluate(FOCUS_STOP)
        self.stops += 1
        if info["problems"]:
            self.problems.append(f"{self.page.url} {info['element']}: {'; '.join(info['problems'])}")
            self.page.screenshot(path=str(ARTIFACTS / f"keyboard-{self.name}-problem-{len(self.problems)}.png"))
        return info

    def tab_to(self, wanted, *, key="Tab", limit=60):
        """Tab (or ``key``) until ``wanted(focus)`` is true; fail if it never is."""
        passed = []
        for _ in range(limit):
            info = self.press(key)
            if wanted(info):
                return info
            passed.append(info["element"])
        raise AssertionError(f"{limit} presses of {key} did not get there; focus went to: {passed}")

    def enter_and_load(self, key="Enter"):
        """A key that follows a link or sends a form: wait for the next page."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.page.wait_for_load_state("load")

    def type(self, text):
        self.page.keyboard.type(text)


def text_is(text):
    return lambda info: info["text"] == text


def label_is(text):
    return lambda info: (info["label"] or "").startswith(text)


@pytest.fixture
def patient_with_weekly_check(enrollment):
    """The shipped programme with module 1 open, baseline done and the week-2 check open."""
    enrollment.program = load_program(SHIPPED).program
    enrollment.save(update_fields=["program"])
    plan = plans.plan_ensure(enrollment)
    schedule.schedule_sync(enrollment)
    now = timezone.now()
    Assessment.objects.filter(enrollment=enrollment, occasion="baseline").update(
        status=Assessment.Status.COMPLETED, submitted_at=now
    )
    Assessment.objects.filter(enrollment=enrollment, occasion="week-2").update(
        status=Assessment.Status.OPEN, opens_at=now - timezone.timedelta(hours=1)
    )
    plans.unlock_item(plan.items.order_by("position").first(), now=now)
    return enrollment


@pytest.mark.parametrize("width", [1280, 360])
def test_a_patient_answers_the_weekly_check_and_an_exercise_with_the_keyboard_alone(
    browser, live_server, patient_with_weekly_check, width
):
    enrollment = patient_with_weekly_check
    weekly = list(Assessment.objects.filter(enrollment=enrollment, occasion="week-2").order_by("position"))
    assert len(weekly) >= 2, weekly
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 800})
    page = context.new_page()
    keys = Keyboard(page, str(width))

    # The skip link is the first stop, shows itself, and takes focus past the header into <main>.
    page.goto("/accounts/login/")
    skip = keys.press("Tab")
    assert skip["text"] == "Skip to main content", skip
    keys.page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "maincontent"
    email = keys.press("Tab")
    assert email["inMain"] and email["label"].startswith("Email"), email

    # Sign in: type into the fields focus reaches; Shift+Tab goes back; Enter sends the form.
    keys.type(enrollment.patient.email)
    keys.tab_to(label_is("Password"), limit=3)
    keys.tab_to(label_is("Email"), key="Shift+Tab", limit=3)
    keys.tab_to(label_is("Password"), limit=3)
    keys.type(PASSWORD)
    keys.enter_and_load()
    expect(page).to_have_url(re.compile(r"/me/$"))

    # The weekly check: one stop per question (a radio group); Space or the arrow keys choose.
    keys.tab_to(text_is("Answer the questionnaires"))
    keys.enter_and_load()
    for number, assessment in enumerate(weekly, start=1):
        expect(page.get_by_text(f"Questionnaire {number} of {len(weekly)}")).to_be_visible()
        questions = page.locator("form fieldset").count()
        answered = 0
        while True:
            info = keys.tab_to(lambda info: info["type"] == "radio" or info["text"] == "Send answers")
            if info["type"] != "radio":
                break
            if answered % 2:  # down to the second answer and back up: arrows move and choose
                assert keys.press("ArrowDown")["type"] == "radio"
                assert keys.press("ArrowUp")["value"] == info["value"]
            else:
                page.keyboard.press("Space")
            assert page.evaluate("() => document.activeElement.checked"), info
            answered += 1
        assert answered == questions, f"{answered} radio groups reached by Tab, {questions} on the page"
        keys.enter_and_load()
        assessment.refresh_from_db()
        assert assessment.status == Assessment.Status.COMPLETED, (assessment.instrument_key, assessment.status)
        if number < len(weekly):
            keys.tab_to(lambda info: info["text"].startswith("Next questionnaire"))
            keys.enter_and_load()
    expect(page.get_by_text("116 123")).to_have_count(0)  # no risk answer, so no crisis panel
    phq9 = Assessment.objects.get(enrollment=enrollment, occasion="week-2", instrument_key="phq9")
    assert phq9.status == Assessment.Status.COMPLETED and not phq9.alerts.exists()

    # Module 1's last page: type the pain story, save it, then send it to the therapist.
    page.goto("/me/modules/understanding-pain/6/")
    story = {
        "How does pain affect your day?": "I sleep badly and skip lunch with friends.",
        "What would you most like to get back to doing?": "Walking the dog every morning.",
        "What do you hope to get from this programme?": "To plan my days around the pain.",
    }
    keys.tab_to(label_is("How does pain affect your day?"))
    for number, (label, text) in enumerate(story.items()):
        if number:
            assert keys.press("Tab")["label"].startswith(label)
        keys.type(text)
    keys.tab_to(lambda info: info["text"] == "Save" and info["section"] == "exercise-pain-story")
    keys.enter_and_load()
    expect(page.locator("#exercise-pain-story").get_by_role("status")).to_contain_text("Saved")
    keys.tab_to(
        lambda info: info["text"] == "Submit to your therapist" and info["section"] == "exercise-pain-story",
        limit=80,
    )
    keys.enter_and_load()
    expect(page.get_by_text("Sent to your therapist").first).to_be_visible()

    # The checklist on the same page: Space ticks a box, then Save.
    first_box = keys.tab_to(lambda info: info["type"] == "checkbox", limit=80)
    page.keyboard.press("Space")
    second_box = keys.press("Tab")
    assert second_box["type"] == "checkbox", second_box
    page.keyboard.press("Space")
    keys.tab_to(lambda info: info["text"] == "Save" and info["section"] == "exercise-tried-so-far")
    keys.enter_and_load()
    expect(page.locator("#exercise-tried-so-far").get_by_role("status")).to_contain_text("Saved")
    context.close()

    responses = {r.exercise.slug: r for r in ExerciseResponse.objects.filter(enrollment=enrollment)}
    assert responses["pain-story"].submitted_at is not None
    pain_story = responses["pain-story"]
    labels = {question["key"]: question["label"] for question in pain_story.exercise.config["questions"]}
    # PostgreSQL's jsonb keeps keys in an order of its own: compare each answer by its question.
    assert {labels[key]: text for key, text in pain_story.data.items()} == story
    assert responses["tried-so-far"].data == {"checked": [first_box["value"], second_box["value"]]}
    assert keys.stops > 40
    assert keys.problems == [], "\n".join(keys.problems)
