"""What the five journeys share: one screenshot folder per journey with numbered steps, and axe's
verdict on every step of every person in it, reported together with the nodes at fault.

Each person in a journey (patient, therapist, clinic admin) has their own browser context; steps
are numbered across all of them in the order they happen, so test-artifacts/journeys/<journey>/
reads as the story: ``NN-<who>-<step>-<width>.png`` at 1280 and 360 px wide.
"""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import AXE_OPTIONS, WIDTHS, Visit, sign_in
from tests.factories import PASSWORD

JOURNEYS = Path(settings.BASE_DIR) / "test-artifacts" / "journeys"


class Person(Visit):
    """One person's browser in a journey; ``check`` also keeps axe's findings in full (rule, impact,
    the failing elements), so a failure says what to fix without re-running."""

    def __init__(self, journey: "Journey", who: str, page):
        super().__init__(page, "", directory=journey.directory)
        self.journey = journey
        self.who = who

    def check(self, step: str):
        name = self.journey.next_step(f"{self.who}-{step}")
        self.page.wait_for_load_state("networkidle")
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.screenshot(path=str(self.directory / f"{name}-{width}.png"), full_page=True)
            result = self.axe.run(self.page, options=AXE_OPTIONS)
            for violation in result.response["violations"]:
                targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:5])
                self.journey.violations.append(
                    f"{name} @ {width}px {self.page.url}\n    {violation['id']} ({violation['impact']}): "
                    f"{violation['help']}\n    at {targets}"
                )
        self.page.set_viewport_size({"width": 1280, "height": 900})


class Journey:
    def __init__(self, browser, live_server, name: str):
        self.browser = browser
        self.base_url = live_server.url
        self.directory = JOURNEYS / name
        shutil.rmtree(self.directory, ignore_errors=True)  # only this run's steps in the folder
        self.steps = 0
        self.violations: list[str] = []
        self.people: list[Person] = []
        self.contexts = []

    def next_step(self, label: str) -> str:
        self.steps += 1
        return f"{self.steps:02d}-{label}"

    def person(self, who: str) -> Person:
        context = self.browser.new_context(base_url=self.base_url)
        self.contexts.append(context)
        person = Person(self, who, context.new_page())
        self.people.append(person)
        return person

    def sign_in(self, who: str, user, *, staff: bool) -> Person:
        person = self.person(who)
        if staff:
            sign_in(person.page, user.email, totp_for=user)
        else:
            page = person.page
            page.goto("/accounts/login/")
            page.get_by_label("Email").fill(user.email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in", exact=True).click()
            page.wait_for_url(re.compile(r"/me/$"))
        return person

    def assert_accessible(self):
        """No axe violation on any step, and no script error in any console."""
        errors = [error for person in self.people for error in person.console_errors]
        for context in self.contexts:
            context.close()
        assert not self.violations, f"axe found {len(self.violations)} violation(s):\n" + "\n".join(self.violations)
        assert not errors, "console errors:\n" + "\n".join(errors)
        pngs = sorted(self.directory.glob("*.png"))
        assert len(pngs) == 2 * self.steps, "a screenshot per step and width"


@pytest.fixture
def journey(request, browser, live_server):
    """``journey(name)``: a new story whose screenshots go to test-artifacts/journeys/<name>/."""
    made = []

    def start(name: str) -> Journey:
        made.append(Journey(browser, live_server, name))
        return made[0]

    yield start
    for story in made:
        for context in story.contexts:
            try:
                context.close()
            except Exception:  # noqa: BLE001, S110 - already closed by assert_accessible
                pass
