"""The plans list and a plan's page in Chromium: the CI/CD example watched live to completion,
approval by role, and the version slider showing the plan as it was before approval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Page, expect

from .browser import screenshot
from .conftest import UiServer

EXAMPLE = Path(__file__).parents[3] / "examples" / "cicd.yaml"
CICD_STEPS = ["checkout", "install", "build", "lint", "test", "deploy"]

pytestmark = pytest.mark.slow


def cicd_spec() -> dict[str, Any]:
    spec = yaml.safe_load(EXAMPLE.read_text())
    spec["options"] = {**spec["options"], "approvers": ["role:approver"]}
    return spec


def create_cicd(ui: UiServer) -> str:
    with ui.api("submitter") as client:
        created = client.post("/plans", json={"spec": cicd_spec()})
    assert created.status_code == 201, created.text
    plan_id: str = created.json()["id"]
    return plan_id


def approve(ui: UiServer, plan_id: str) -> None:
    with ui.api("approver") as client:
        approved = client.post(f"/plans/{plan_id}/approve", json={"comment": "ship it"})
    assert approved.status_code == 200, approved.text


def open_plan(ui: UiServer, role: str, plan_id: str) -> Page:
    page = ui.page(role)
    page.goto(f"{ui.url}/ui/plans/{plan_id}")
    expect(page.locator(".node")).to_have_count(len(CICD_STEPS))
    return page


def test_the_cicd_example_is_watched_live_to_completion(ui: UiServer) -> None:
    plan_id = create_cicd(ui)
    approve(ui, plan_id)
    page = open_plan(ui, "operator", plan_id)
    page.evaluate("() => { window.stillTheSamePage = true; }")

    page.get_by_role("button", name="Run", exact=True).click()
    running = page.locator(".node[data-status=running]").first
    running.wait_for()
    screenshot(page, "plan-running")
    article = page.locator("article.plan")
    expect(article).to_have_attribute("data-status", "completed", timeout=60_000)

    for step in CICD_STEPS:
        expect(page.locator(f".node[data-step={step}]")).to_have_attribute(
            "data-status", "completed"
        )
    expect(page.locator(".gantt .bar")).to_have_count(len(CICD_STEPS))
    expect(page.locator(".history tbody tr").last).to_contain_text("PlanCompleted")
    assert page.evaluate("() => window.stillTheSamePage === true"), "the page was reloaded"
    page.locator(".node[data-step=test]").click()
    expect(page.locator(".step-panel")).to_contain_text("128 passed")
    screenshot(page, "plan-completed")
    page.goto(f"{ui.url}/ui/")
    expect(page.locator(f"tr[data-plan-id='{plan_id}']")).to_contain_text("completed")
    screenshot(page, "plans-list")


def test_an_approver_approves_from_the_ui_with_a_comment(ui: UiServer) -> None:
    plan_id = create_cicd(ui)
    page = open_plan(ui, "approver", plan_id)

    page.get_by_role("button", name="Approve", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Comment (optional)").fill("release 1.4 looks good")
    screenshot(page, "approve-dialog")
    dialog.get_by_role("button", name="Approve").click()

    expect(page.locator("article.plan")).to_have_attribute("data-status", "approved")
    expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    with ui.api("viewer") as client:
        history = client.get(f"/plans/{plan_id}/history").json()
    approval = next(record for record in history if record["type"] == "PlanApproved")
    assert approval["actor"] == "token:approver"
    assert approval["comment"] == "release 1.4 looks good"


def test_the_approve_button_is_absent_for_a_viewer(ui: UiServer) -> None:
    plan_id = create_cicd(ui)

    page = open_plan(ui, "viewer", plan_id)

    expect(page.locator("article.plan")).to_have_attribute("data-status", "pending_approval")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.get_by_role("button", name="Reject")).to_have_count(0)
    expect(page.locator(".actions")).to_have_count(0)
    expect(page.get_by_role("link", name="Submit a spec")).to_have_count(0)
    expect(page.get_by_role("link", name="Audit", exact=True)).to_have_count(0)
    approver_page = open_plan(ui, "approver", plan_id)
    expect(approver_page.get_by_role("button", name="Approve", exact=True)).to_have_count(1)


def test_the_version_slider_shows_the_plan_before_approval(ui: UiServer) -> None:
    plan_id = create_cicd(ui)
    approve(ui, plan_id)
    page = open_plan(ui, "approver", plan_id)
    expect(page.locator("article.plan")).to_have_attribute("data-status", "approved")

    slider = page.get_by_label("Show at version")
    slider.focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")

    expect(page.locator("article.plan")).to_have_attribute("data-status", "pending_approval")
    expect(page.get_by_role("status").filter(has_text="as it was at version 2")).to_be_visible()
    expect(page.locator("output[for=version]")).to_contain_text("version 2 of 3")
    expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    screenshot(page, "plan-before-approval")
    page.get_by_role("button", name="Back to now").click()
    expect(page.locator("article.plan")).to_have_attribute("data-status", "approved")
