"""Browser-test support: Debian's Chromium driven by Playwright, axe on every page, screenshots.

Playwright never downloads a browser here; it starts /usr/bin/chromium. The ``browser`` fixture is
in tests/conftest.py. axe-core comes from npm (package.json pins the newest release; ``make test``
runs ``npm ci``), not the older copy bundled with axe-playwright-python, and WCAG 2.2's target-size
rule (24 px) is switched on.
"""

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "browser"
AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# Everything axe runs by default plus WCAG 2.2's minimum target size, which it leaves off by default.
AXE_OPTIONS = {"rules": {"target-size": {"enabled": True}}}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WIDTHS = (1280, 360)


class Visit:
    """Records what a person saw: a screenshot per width and axe's verdict for each page."""

    def __init__(self, page, name_prefix: str, *, directory: Path | None = None):
        self.page = page
        self.prefix = name_prefix
        self.directory = directory or ARTIFACTS  # the journeys keep one folder each
        self.axe = new_axe()
        self.violations = {}
        self.console_errors = []
        page.on(
            "console",
            lambda msg: (
                msg.type == "error" and self.console_errors.append(f"{msg.text} at {msg.location} on {page.url}")
            ),
        )
        self.directory.mkdir(parents=True, exist_ok=True)

    def check(self, step: str):
        self.page.wait_for_load_state("networkidle")
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            name = f"{self.prefix}-{step}-{width}.png" if self.prefix else f"{step}-{width}.png"
            self.page.screenshot(path=str(self.directory / name), full_page=True)
            result = self.axe.run(self.page, options=AXE_OPTIONS)
            if result.violations_count:
                self.violations[f"{step}@{width}"] = result.generate_snapshot()
        self.page.set_viewport_size({"width": 1280, "height": 900})


def new_axe() -> Axe:
    """axe-core from node_modules; a missing copy fails the run rather than testing with an old one."""
    if not AXE_SCRIPT.exists():
        raise RuntimeError(f"{AXE_SCRIPT} is missing: run `npm ci` (make test does).")
    return Axe(axe_script=AXE_SCRIPT.read_text(encoding="utf-8"))


TOTP_PERIOD = 30  # seconds (allauth's default MFA_TOTP_PERIOD)
# Codes must still be valid when the server checks them, on a loaded CI machine too: a code typed in
# the last seconds of its period is refused once the period turns (allauth allows no drift).
TOTP_MARGIN = 8.0
_last_totp_period: dict[int, int] = {}


def fresh_totp_code(user) -> str:
    """The user's current authenticator code, from a period with enough seconds left for the browser
    to send it, and never the same period twice for one user (allauth refuses a replayed code)."""
    import time

    from tests.accounts.test_login import totp_code

    now = time.time()
    period, left = int(now // TOTP_PERIOD), TOTP_PERIOD - now % TOTP_PERIOD
    if left < TOTP_MARGIN or _last_totp_period.get(user.pk) == period:
        time.sleep(left + 0.2)
        period += 1
    _last_totp_period[user.pk] = period
    return totp_code(user)


def sign_in(page, email: str, *, totp_for=None) -> None:
    """Sign in through the real pages; staff (``totp_for`` = the user) also enter their current code."""
    import re

    from tests.factories import PASSWORD

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if totp_for is not None:
        page.get_by_label(re.compile("code", re.I)).fill(fresh_totp_code(totp_for))
        page.get_by_role("button", name=re.compile("Sign in|Continue|Verify", re.I)).click()
        # Signed in only once the code is accepted: wait for the page after it, not just the click.
        page.wait_for_url(lambda url: "/accounts/2fa/" not in url)
