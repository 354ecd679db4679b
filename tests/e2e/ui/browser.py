"""A real headless Chromium (Debian's `chromium`, driven by Playwright through `executable_path`).

Playwright never downloads a browser here: it launches /usr/bin/chromium with a fresh profile
and no background networking (this machine has no network). Pages are screenshotted into the
artifacts folder (`PLANLEDGER_UI_ARTIFACTS`, default `tmp/artifacts/ui` in the repository), and
axe-core (vendored beside this file) checks them for accessibility.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = Path(os.environ.get("PLANLEDGER_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ROOT = Path(__file__).parents[3]
ARTIFACTS = Path(os.environ.get("PLANLEDGER_UI_ARTIFACTS", ROOT / "tmp" / "artifacts" / "ui"))
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SERIOUS = {"serious", "critical"}
TIMEOUT_MS = 20_000


def chromium_available() -> bool:
    return CHROMIUM.is_file() and shutil.which(str(CHROMIUM)) is not None


def launch(playwright: Playwright) -> Browser:
    """Chromium with a fresh temporary profile (Playwright makes one per launch)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)


def open_page(browser: Browser, url: str, token: str, *, dark: bool = False) -> Page:
    """A new browser context (its own sessionStorage), signed in with `token` at `url`."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 900},
        color_scheme="dark" if dark else "light",
        bypass_csp=True,  # only so the axe script can be injected; the page itself never needs it
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{url}/ui/")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Sign out").wait_for()
    return page


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as `NAME.png` in the artifacts folder."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text())
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"][:5]],
        }
        for violation in result["violations"]
        if violation["impact"] in SERIOUS
    ]
