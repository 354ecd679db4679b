"""Verification findings as Prometheus metrics: a textfile from `audit verify`, and `/metrics` of
a projector that verifies every few seconds."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from tests.integration.raw_events import raw_events_for

from .conftest import Cli
from .metrics_endpoint import samples, scrape, serving_metrics

PROJECTOR_OPTIONS = ("--metrics-port", "0", "--verify-every", "1")
ONE_STEP = {
    "description": "one step",
    "steps": [{"id": "only", "tool": "shell", "parameters": {"command": "true"}}],
}


def tamper(cli: Cli, plan_id: UUID) -> None:
    raw = raw_events_for(cli.store)
    try:
        raw.change_field(plan_id, 4, "worker", "mallory")
    finally:
        raw.close()


def test_audit_verify_writes_its_findings_for_the_textfile_collector(cli: Cli) -> None:
    spec = cli.write_spec(ONE_STEP)
    clean = UUID(cli("run", spec, "--json").json()["id"])
    tampered = UUID(cli("run", spec, "--json").json()["id"])
    before = cli("audit", "verify", "--all", "--metrics-file", "before.prom")
    tamper(cli, tampered)

    after = cli("audit", "verify", "--all", "--metrics-file", "after.prom")

    held = samples((cli.cwd / "before.prom").read_text())
    broken = samples((cli.cwd / "after.prom").read_text())
    assert (before.exit_code, after.exit_code) == (0, 1)
    assert held["planledger_verify_broken_plans", ()] == 0
    assert held["planledger_verify_plans_checked", ()] == 2
    assert broken["planledger_verify_broken_plans", ()] == 1
    assert broken["planledger_verify_findings", (("problem", "changed"),)] == 1
    assert clean != tampered


def test_a_projector_verifying_every_second_shows_the_findings_on_metrics(
    cli: Cli, wait_until: Callable[..., None]
) -> None:
    spec = cli.write_spec(ONE_STEP)
    tamper_me = UUID(cli("run", spec, "--json").json()["id"])
    tamper(cli, tamper_me)
    with serving_metrics(
        cli, "projector", *PROJECTOR_OPTIONS, log_name="projector.err", wait_until=wait_until
    ) as url:
        wait_until(
            lambda: scrape(url).get(("planledger_verify_runs_total", ()), 0) >= 1,
            timeout=20,
            what="a verification",
        )
        metrics = scrape(url)

    assert metrics["planledger_verify_findings", (("problem", "changed"),)] == 1
    assert metrics["planledger_verify_plans_checked", ()] == 1
    assert metrics["planledger_plans", (("status", "completed"),)] == 1
    assert metrics["planledger_projection_lag_events", (("projection", "plan_summary"),)] == 0


def test_verify_every_without_a_metrics_port_is_refused(cli: Cli) -> None:
    refused = cli("projector", "--verify-every", "5")

    assert refused.exit_code == 2
    assert "--metrics-port" in refused.stderr
