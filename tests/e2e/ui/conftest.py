"""UI fixtures: one Chromium per session, a `planledger serve` per test with a token per role."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from ..api_server import ApiServer, serve
from ..conftest import Cli
from .browser import ARTIFACTS, CHROMIUM, chromium_available, launch, open_page

ROLES = ("viewer", "submitter", "approver", "operator", "auditor")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not chromium_available():
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@dataclass
class UiServer:
    """A started server, a token for each role (`tokens[role]`), and the pages a test opened."""

    server: ApiServer
    browser: Browser
    tokens: dict[str, str] = field(default_factory=dict)
    pages: list[Page] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def page(self, role: str, *, dark: bool = False) -> Page:
        """A browser tab signed in as the token of `role`."""
        opened = open_page(self.browser, self.url, self.tokens[role], dark=dark)
        self.pages.append(opened)
        return opened

    def api(self, role: str) -> httpx.Client:
        return self.server.client(self.tokens[role])


@pytest.fixture
def ui(cli: Cli, tmp_path: Path, chromium: Browser) -> Iterator[UiServer]:
    for server in serve(cli, tmp_path):
        tokens = {"admin": server.token("admin", "admin")}
        server.start()
        with server.client(tokens["admin"]) as client:
            for role in ROLES:
                created = client.post("/tokens", json={"name": role, "roles": [role]})
                tokens[role] = created.json()["token"]
        started = UiServer(server, chromium, tokens)
        yield started
        for page in started.pages:
            page.context.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if ARTIFACTS.is_dir() and any(ARTIFACTS.glob("*.png")):
        terminalreporter.write_line(f"UI screenshots: {ARTIFACTS}")
