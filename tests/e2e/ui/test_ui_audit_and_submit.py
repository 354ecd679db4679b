"""Audit and spec submission in Chromium: a tampered event row turns the verify banner red; a bad
spec's problems appear on their lines; the main pages pass axe with no serious violation."""

from __future__ import annotations

from uuid import UUID

import pytest
from playwright.sync_api import Page, expect

from tests.integration.raw_events import raw_events_for

from .browser import screenshot, serious_violations
from .conftest import UiServer
from .test_ui_plans import approve, create_cicd, open_plan

pytestmark = pytest.mark.slow

BAD_SPEC = """name: broken
description: two problems
steps:
  - id: fetch
    tool: echo
    parameters: {value: 1}
  - id: report
    tool: nope
    depends_on: [fetch, ghost]
"""


def test_a_tampered_event_row_shows_the_broken_chain_banner(ui: UiServer) -> None:
    plan_id = create_cicd(ui)
    approve(ui, plan_id)
    page = ui.page("auditor")
    page.goto(f"{ui.url}/ui/audit")
    expect(page.locator(".banner[data-verified=true]")).to_contain_text("every hash chain holds")
    screenshot(page, "audit-verified")

    tamperer = raw_events_for(ui.server.cli.store)
    try:
        tamperer.change_field(UUID(plan_id), 3, "comment", "approved by the CEO")
    finally:
        tamperer.close()
    page.get_by_role("button", name="Verify again").click()

    banner = page.get_by_role("alert").filter(has_text="The chain is broken")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(plan_id)
    expect(banner).to_contain_text("at version 3")
    screenshot(page, "audit-broken")


def test_a_plans_audit_trail_names_who_when_why_and_the_event_hash(ui: UiServer) -> None:
    plan_id = create_cicd(ui)
    approve(ui, plan_id)

    page = ui.page("auditor")
    page.goto(f"{ui.url}/ui/audit?plan={plan_id}")

    rows = page.locator("table.trail tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("approved")
    expect(rows.nth(1)).to_contain_text("token:approver")
    expect(rows.nth(1)).to_contain_text("ship it")
    expect(rows.nth(1)).to_contain_text("sha256:")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    exported = download.value.path().read_text()
    assert "token:approver" in exported
    assert plan_id in exported


def test_a_bad_spec_shows_each_problem_on_its_line_then_submits_once_fixed(ui: UiServer) -> None:
    page = ui.page("submitter")
    page.get_by_role("link", name="Submit a spec").click()
    editor = page.get_by_label("Spec (YAML or JSON)")
    editor.fill(BAD_SPEC)

    page.get_by_role("button", name="Check").click()

    expect(page.locator("li[data-line='8'] .problem")).to_contain_text("unknown tool 'nope'")
    expect(page.locator("li[data-line='9'] .problem")).to_contain_text("unknown dependency")
    expect(page.locator("li[data-line='1'] .problem")).to_have_count(0)
    screenshot(page, "submit-problems")
    fixed = BAD_SPEC.replace("tool: nope", "tool: echo\n    parameters: {value: 2}")
    editor.fill(fixed.replace(", ghost", ""))
    page.get_by_role("button", name="Submit", exact=True).click()

    expect(page.locator("#plan-title")).to_have_text("broken")
    expect(page.locator(".node")).to_have_count(2)


def check_page(page: Page, name: str) -> None:
    violations = serious_violations(page)
    assert violations == [], f"{name}: {violations}"


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_main_pages_have_no_serious_accessibility_violation(ui: UiServer, dark: bool) -> None:
    plan_id = create_cicd(ui)
    page = open_plan(ui, "operator", plan_id)
    page.emulate_media(color_scheme="dark" if dark else "light")
    page.locator(".node[data-step=build]").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".step-panel")).to_contain_text("Compile the app")
    check_page(page, "plan")

    page.goto(f"{ui.url}/ui/")
    page.locator("table.plans").wait_for()
    check_page(page, "plans")
    admin = ui.page("admin", dark=dark)
    admin.goto(f"{ui.url}/ui/audit?plan={plan_id}")
    admin.locator(".banner").wait_for()
    check_page(admin, "audit")
    admin.goto(f"{ui.url}/ui/submit")
    check_page(admin, "submit")
    admin.get_by_role("button", name="Sign out").click()
    admin.get_by_label("API token").wait_for()
    check_page(admin, "sign-in")
    if dark:
        screenshot(page, "plans-list-dark")
