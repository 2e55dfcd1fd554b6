"""Browser-test support: Debian's Chromium driven by Playwright, axe on every page, screenshots.

Playwright never downloads a browser here; it starts /usr/bin/chromium. The ``browser`` fixture is
in tests/conftest.py.
"""

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "browser"
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

    def __init__(self, page, name_prefix: str):
        self.page = page
        self.prefix = name_prefix
        self.axe = Axe()
        self.violations = {}
        self.console_errors = []
        page.on(
            "console",
            lambda msg: (
                msg.type == "error" and self.console_errors.append(f"{msg.text} at {msg.location} on {page.url}")
            ),
        )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def check(self, step: str):
        self.page.wait_for_load_state("networkidle")
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.screenshot(path=str(ARTIFACTS / f"{self.prefix}-{step}-{width}.png"), full_page=True)
            result = self.axe.run(self.page)
            if result.violations_count:
                self.violations[f"{step}@{width}"] = result.generate_snapshot()
        self.page.set_viewport_size({"width": 1280, "height": 900})


def sign_in(page, email: str, *, totp_for=None) -> None:
    """Sign in through the real pages; staff (``totp_for`` = the user) also enter their current code."""
    import re

    from tests.accounts.test_login import totp_code
    from tests.factories import PASSWORD

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if totp_for is not None:
        page.get_by_label(re.compile("code", re.I)).fill(totp_code(totp_for))
        page.get_by_role("button", name=re.compile("Sign in|Continue|Verify", re.I)).click()
        # Signed in only once the code is accepted: wait for the page after it, not just the click.
        page.wait_for_url(lambda url: "/accounts/2fa/" not in url)
