"""Verification findings as Prometheus metrics: a textfile from `audit verify`, and `/metrics` of
a projector that verifies every few seconds."""

from __future__ import annotations

import re
import subprocess
import urllib.request
from collections.abc import Callable
from uuid import UUID

from prometheus_client.parser import text_string_to_metric_families

from tests.integration.raw_events import raw_events_for

from .conftest import PLANLEDGER, Cli, cli_environment

PROJECTOR_OPTIONS = ("--metrics-port", "0", "--verify-every", "1")
ONE_STEP = {
    "description": "one step",
    "steps": [{"id": "only", "tool": "shell", "parameters": {"command": "true"}}],
}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
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
    stderr = cli.cwd / "projector.err"
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            [str(PLANLEDGER), "--store", cli.store, "projector", *PROJECTOR_OPTIONS],
            cwd=cli.cwd,
            env=cli_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        wait_until(lambda: "metrics at" in stderr.read_text(), timeout=20, what="the metrics URL")
        found = re.search(r"metrics at (\S+)", stderr.read_text())
        assert found is not None

        def scrape() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
            with urllib.request.urlopen(found.group(1), timeout=10) as response:
                return samples(response.read().decode())

        wait_until(
            lambda: scrape().get(("planledger_verify_runs_total", ()), 0) >= 1,
            timeout=20,
            what="a verification",
        )
        metrics = scrape()
    finally:
        process.terminate()
        process.wait(timeout=30)

    assert metrics["planledger_verify_findings", (("problem", "changed"),)] == 1
    assert metrics["planledger_verify_plans_checked", ()] == 1
    assert metrics["planledger_plans", (("status", "completed"),)] == 1
    assert metrics["planledger_projection_lag_events", (("projection", "plan_summary"),)] == 0


def test_verify_every_without_a_metrics_port_is_refused(cli: Cli) -> None:
    refused = cli("projector", "--verify-every", "5")

    assert refused.exit_code == 2
    assert "--metrics-port" in refused.stderr
