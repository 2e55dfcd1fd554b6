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
