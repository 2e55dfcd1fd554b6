"""Reflow (WCAG 1.4.10) and target size (WCAG 2.5.8) on every page a person can reach.

For each persona, every GET page of the permission matrix (tests/test_permissions.py MATRIX, with its
``world`` fixture) that answers them 200 with HTML, plus a few forms in their error state, is loaded in
Debian's Chromium and checked three ways:

* 320 x 256 CSS px: nothing needs horizontal scrolling, i.e. ``document.documentElement.scrollWidth``
  is at most ``window.innerWidth`` (no tolerance).
* 200% zoom of a 1280 px wide window. Browser zoom makes a CSS pixel two device pixels, so the page is
  laid out in a 640 CSS px wide layout viewport with ``devicePixelRatio`` 2, and media queries see 640
  px. The browser context is created with ``device_scale_factor=2`` and a 640 x 360 CSS px viewport,
  which is the same layout viewport (a 1280 x 720 window at 200%); the same scrollWidth check applies.
  (CSS ``zoom`` on <html> would not do: it leaves ``innerWidth`` and media queries at 1280.)
* 360 px: axe-core's target-size rule (24 x 24 CSS px, or spaced so a 24 px circle fits) alone.

Boxes that scroll sideways inside the page (wide data tables) are allowed by 1.4.10, but each must be
a focusable, labelled region so a keyboard user can scroll it. One browser; one context per persona,
signed in once through the real sign-in pages. Screenshots at 320 px go to test-artifacts/a11y/.
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from modules import plans
from modules.content import load_program
from modules.models import Exercise
from tests.a11y.support import ARTIFACTS, PAGE_OVERFLOW, SCROLL_REGIONS
from tests.browser import new_axe, sign_in
from tests.factories import PASSWORD, EnrollmentFactory
from tests.test_permissions import MATRIX
from tests.test_permissions import world as matrix_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
world = matrix_world  # the permission matrix's people and objects (a fixture)

NARROW = {"width": 320, "height": 256}
ZOOMED = {"width": 640, "height": 360}  # a 1280 x 720 window at 200% zoom (device_scale_factor 2)
TARGETS = {"width": 360, "height": 800}
TARGET_SIZE_ONLY = {"runOnly": {"type": "rule", "values": ["target-size"]}}


def html_pages(context, persona, objects):
    """(name, url) of every matrix page that answers ``persona`` 200 with HTML (files are not pages)."""
    pages = []
    for name, (kwargs_for, expected) in MATRIX.items():
        if expected[persona] != 200:
            continue
        url = reverse(name, kwargs=kwargs_for(objects))
        response = context.request.get(url, max_redirects=0)
        assert response.status == 200, f"{name} ({url}) answered {persona} {response.status}, the matrix says 200"
        if response.headers.get("content-type", "").startswith("text/html"):
            pages.append((name, url))
    return pages


def resize(page, size):
    """A new window size, and two frames for the page to settle: nhsuk's header moves menu items into
    "More" in its resize handler, which runs in the frame after the resize."""
    page.set_viewport_size(size)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


class Walk:
    """Checks pages one after another and keeps every problem, so one run reports them all."""

    def __init__(self, page, persona):
        self.page = page
        self.persona = persona
        self.axe = new_axe()
        self.problems = []
        self.checked = []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def check(self, name):
        page = self.page
        where = f"{self.persona} {name} ({page.url.removeprefix(self.base)})"
        for label, size in (("320px", NARROW), ("200% zoom", ZOOMED)):
            resize(page, size)
            overflow = page.evaluate(PAGE_OVERFLOW)
            if label == "320px":
                page.screenshot(path=str(ARTIFACTS / f"{self.persona}-{name}-320.png"), full_page=True, scale="css")
            if overflow["scrollWidth"] > overflow["innerWidth"]:
                self.problems.append(
                    f"{where} at {label}: page is {overflow['scrollWidth']}px wide in a "
                    f"{overflow['innerWidth']}px window; sticking out: {'; '.join(overflow['offenders'])}"
                )
            regions = page.evaluate(SCROLL_REGIONS)
            self.problems.extend(f"{where} at {label}: {problem}" for problem in regions["problems"])
        resize(page, TARGETS)
        result = self.axe.run(page, options=TARGET_SIZE_ONLY)
        for violation in result.response["violations"]:
            for node in violation["nodes"]:
                summary = " ".join(node.get("failureSummary", "").split())
                self.problems.append(f"{where} at 360px: target-size {node['target']} {node['html'][:120]} {summary}")
        self.checked.append(name)

    @property
    def base(self):
        return re.match(r"https?://[^/]+", self.page.url).group(0)


def walk_pages(browser, live_server, persona, user, objects, *, totp=False):
    context = browser.new_context(base_url=live_server.url, viewport=ZOOMED, device_scale_factor=2)
    page = context.new_page()
    if user is not None:
        sign_in(page, user.email, totp_for=user if totp else None)
    walk = Walk(page, persona)
    for name, url in html_pages(context, persona, objects):
        page.goto(url)
        walk.check(name)
    return context, walk


def submit_empty(page, url, button):
    """A form sent without what it needs: it comes back with the error summary."""
    page.set_viewport_size(TARGETS)
    page.goto(url)
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator(".nhsuk-error-summary").first).to_be_visible()


def finish(context, walk, minimum_pages):
    context.close()
    assert len(walk.checked) >= minimum_pages, f"only {len(walk.checked)} pages walked: {walk.checked}"
    assert walk.problems == [], f"{len(walk.problems)} problems on {len(walk.checked)} pages:\n" + "\n".join(
        walk.problems
    )


def test_anonymous_pages_reflow_and_have_big_enough_targets(browser, live_server, world):
    context, walk = walk_pages(browser, live_server, "anonymous", None, world)
    page = walk.page
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator(".nhsuk-error-summary, .nhsuk-error-message").first).to_be_visible()
    walk.check("account_login-error")
    finish(context, walk, minimum_pages=8)


def test_patient_pages_reflow_and_have_big_enough_targets(browser, live_server, world):
    patient = world["people"]["patient"]
    context, walk = walk_pages(browser, live_server, "patient", patient, world)
    page = walk.page
    submit_empty(page, reverse("questionnaire_answer", args=[world["assessment"].code]), "Send answers")
    walk.check("questionnaire_answer-error")
    submit_empty(page, reverse("patient_messages"), "Send message")  # an htmx-updated form
    walk.check("patient_messages-error")
    submit_empty(page, reverse("support_report"), "Send report")
    walk.check("support_report-error")
    finish(context, walk, minimum_pages=25)


def test_other_patient_pages_reflow_and_have_big_enough_targets(browser, live_server, world):
    """The matrix's second patient: messages only, nothing to answer, no module open."""
    context, walk = walk_pages(browser, live_server, "other_patient", world["people"]["other_patient"], world)
    finish(context, walk, minimum_pages=20)


def test_therapist_pages_reflow_and_have_big_enough_targets(browser, live_server, world):
    therapist = world["people"]["therapist"]
    context, walk = walk_pages(browser, live_server, "therapist", therapist, world, totp=True)
    page = walk.page
    submit_empty(page, reverse("feedback_template_new"), "Save template")
    walk.check("feedback_template_new-error")
    finish(context, walk, minimum_pages=15)


def test_clinic_admin_pages_reflow_and_have_big_enough_targets(browser, live_server, world):
    admin = world["people"]["clinic_admin"]
    context, walk = walk_pages(browser, live_server, "clinic_admin", admin, world, totp=True)
    page = walk.page
    submit_empty(page, reverse("cohort_create", args=[world["clinic"].slug]), "Create cohort")
    walk.check("cohort_create-error")
    finish(context, walk, minimum_pages=20)


@pytest.fixture
def patient_with_every_module_open(cohort, therapist):
    """A patient on the shipped programme with every module open: the exercise pages have the most
    varied layouts (scales, tables of days, thought records)."""
    enrollment = EnrollmentFactory(cohort=cohort, therapist=therapist, patient__name="Rosa Diaz")
    from pathlib import Path

    enrollment.program = load_program(Path(__file__).resolve().parents[2] / "modules/content/living-well").program
    enrollment.save(update_fields=["program"])
    plan = plans.plan_ensure(enrollment)
    for module in enrollment.program.modules.filter(optional=True):  # as a therapist can add them
        plans.plan_add_module(plan=plan, module=module, by=therapist)
    for item in plan.items.all():
        plans.unlock_item(item, now=timezone.now())
    return enrollment


def test_exercise_pages_of_the_shipped_programme_reflow(browser, live_server, patient_with_every_module_open):
    enrollment = patient_with_every_module_open
    context = browser.new_context(base_url=live_server.url, viewport=ZOOMED, device_scale_factor=2)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(enrollment.patient.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/me/$"))
    walk = Walk(page, "exercises")
    seen = set()
    planned = enrollment.plan.items.values("module")
    for exercise in Exercise.objects.filter(module__in=planned).select_related("module", "page"):
        key = (exercise.module.slug, exercise.page.position)
        if key in seen:
            continue
        seen.add(key)
        page.goto(reverse("module_page", args=key))
        expect(page.locator(f"#exercise-{exercise.slug}")).to_be_visible()
        walk.check(f"{key[0]}-{key[1]}")
    # A thought record sent before it is complete comes back with its errors.
    page.goto(reverse("module_page", args=["thoughts-and-pain", 6]))
    page.locator("#exercise-check-a-thought").get_by_role("button", name="Submit to your therapist").click()
    expect(page.locator(".nhsuk-error-summary").first).to_be_visible()
    walk.check("thoughts-and-pain-6-error")
    finish(context, walk, minimum_pages=20)
