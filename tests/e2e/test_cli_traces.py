"""Traces: a plan is one trace of spans derived from its events, whoever records them.

The span tree of a plan with a retry, a timeout, a map and a sub-plan is the same run straight
through (spans from the SDK's in-memory exporter) and killed with SIGKILL mid-plan then resumed
by a second process (the first one's spans over real OTLP/HTTP to a receiver in this test, the
second one's in memory). Tools see their attempt's trace context.
"""

from __future__ import annotations

import json
import signal
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from adapters.bootstrap import planledger
from adapters.settings import Settings
from adapters.store import open_event_store, parse_store_url
from adapters.telemetry import Telemetry
from adapters.telemetry.trace_exporter import OtelSpanExport
from core import PlanService, StepFailed, plan_trace

from .conftest import PLANLEDGER, Cli, cli_environment
from .traces import OtlpReceiver, Span, from_sdk, span_tree

CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
RETRY_DELAY_MS = 1500


def four_kinds_of_step(mark: Path) -> dict[str, Any]:
    """A retry (fails once, then passes), a timeout, a map of three, and a sub-plan."""
    return {
        "name": "traced",
        "description": "a retry, a timeout, a map and a sub-plan",
        "options": {"continue_on_error": True},
        "steps": [
            {
                "id": "flaky",
                "tool": "shell",
                "max_retries": 1,
                "retry_delay_ms": RETRY_DELAY_MS,
                "parameters": {
                    "command": f"test -e {mark} || {{ touch {mark}; exit 3; }}",
                    "shell": True,
                },
            },
            {
                "id": "slow",
                "tool": "sleep",
                "timeout_ms": 200,
                "depends_on": ["flaky"],
                "parameters": {"ms": 10000},
            },
            {
                "id": "fan",
                "tool": "echo",
                "for_each": "{{ [1, 2, 3] }}",
                "trigger": "all_done",
                "depends_on": ["slow"],
                "parameters": {"value": "{{ item }}"},
            },
            {
                "id": "nested",
                "depends_on": ["fan"],
                "plan": {
                    "description": "child",
                    "steps": [{"id": "inner", "tool": "echo", "parameters": {"value": 1}}],
                },
            },
        ],
    }


@contextmanager
def traced(store_url: str) -> Iterator[tuple[PlanService, InMemorySpanExporter]]:
    """A service whose spans go to an in-memory exporter."""
    exporter = InMemorySpanExporter()
    telemetry = Telemetry(OtelSpanExport(SimpleSpanProcessor(exporter)))
    try:
        with planledger(Settings(store_url=store_url), telemetry=telemetry) as service:
            yield service, exporter
    finally:
        telemetry.close()


def step_failed_with_retry(store_url: str, plan_id: UUID) -> bool:
    store = open_event_store(parse_store_url(store_url))
    try:
        return any(
            isinstance(event, StepFailed) and event.will_retry for event in store.load(plan_id)
        )
    finally:
        store.close()


def test_a_plan_killed_and_resumed_by_a_second_process_is_the_same_trace_as_one_run_straight(
    cli: Cli, tmp_path: Path, wait_until: Callable[..., None]
) -> None:
    straight_url = f"sqlite:///{tmp_path / 'straight.db'}"
    with traced(straight_url) as (service, exporter):
        plan = service.run(four_kinds_of_step(tmp_path / "straight.mark"), by="test")
    straight = from_sdk(exporter.get_finished_spans())
    cli.write_spec(four_kinds_of_step(tmp_path / "killed.mark"))

    with OtlpReceiver().running() as receiver:
        env = {
            **cli_environment(),
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "20",
        }
        output = tmp_path / "run.out"
        with output.open("wb") as stdout:
            process = subprocess.Popen(
                [str(PLANLEDGER), "--store", cli.store, "run", "plan.yaml"],
                cwd=tmp_path,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=subprocess.DEVNULL,
            )
        try:
            wait_until(
                lambda: output.read_text().startswith("plan "), timeout=20, what="the plan id"
            )
            plan_id = UUID(output.read_text().split()[1])
            wait_until(
                lambda: step_failed_with_retry(cli.store, plan_id), timeout=20, what="a retry"
            )
            wait_until(lambda: receiver.received(), timeout=10, what="the first process's spans")
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        first = receiver.received()
    with traced(cli.store) as (service, exporter):
        resumed = service.resume(plan_id, by="second-process")
    second = from_sdk(exporter.get_finished_spans())

    assert plan.status.value == resumed.status.value == "partial"
    assert [span.name for span in first] == ["step flaky"]
    assert {span.trace_id for span in straight} == {plan.plan_id.hex}
    assert {span.trace_id for span in first + second} == {plan_id.hex}
    assert len({span.span_id for span in first + second}) == len(first + second)
    assert span_tree(first + second) == span_tree(straight)
    assert_the_tree_shows_each_kind_of_step(straight)


def assert_the_tree_shows_each_kind_of_step(spans: list[Span]) -> None:
    """The shape compared above is the one wanted, not merely equal."""
    (root,) = span_tree(spans)
    name, _, error, children = root
    assert (name, error) == ("plan traced", True)
    steps = {(child[0], dict(child[1])["planledger.step.attempt"]): child for child in children}
    assert dict(steps["step flaky", 1][1])["error.type"] == "exit_code"
    assert dict(steps["step flaky", 2][1])["planledger.outcome"] == "completed"
    assert dict(steps["step slow", 1][1])["error.type"] == "timeout"
    fan = steps["map fan", None]
    assert [item[0] for item in fan[3]] == ["step fan[0]", "step fan[1]", "step fan[2]"]
    (child_plan,) = steps["step nested", 1][3]
    assert child_plan[0] == "plan child"
    assert [span[0] for span in child_plan[3]] == ["step inner"]


def test_spans_go_over_otlp_http_into_the_callers_trace_and_log_lines_name_them(cli: Cli) -> None:
    cli.write_spec(
        {
            "description": "one step",
            "steps": [{"id": "only", "tool": "echo", "parameters": {"value": 1}}],
        }
    )

    with OtlpReceiver().running() as receiver:
        env = {
            **cli_environment(),
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint.removesuffix("/v1/traces"),
            "OTEL_SERVICE_NAME": "deployer",
        }
        completed = subprocess.run(
            [
                str(PLANLEDGER),
                "--store",
                cli.store,
                "--log-json",
                "run",
                "plan.yaml",
                "--traceparent",
                CALLER,
            ],
            cwd=cli.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        spans = receiver.received()

    assert completed.returncode == 0, completed.stderr
    caller = CALLER.split("-")
    assert {span.trace_id for span in spans} == {caller[1]}
    (root,) = [span for span in spans if span.name.startswith("plan ")]
    assert root.parent_span_id == caller[2]
    assert root.events == ("submitted", "execution started")
    (step,) = [span for span in spans if span.name == "step only"]
    assert step.parent_span_id == root.span_id
    assert step.resource["service.name"] == "deployer"
    logged = [json.loads(line) for line in completed.stderr.splitlines() if line.startswith("{")]
    started = [line for line in logged if line["event"] == "StepStarted"]
    assert [(line["trace_id"], line["span_id"]) for line in started] == [(caller[1], step.span_id)]


def test_a_shell_tool_sees_the_traceparent_of_its_attempts_span(tmp_path: Path) -> None:
    spec = {
        "description": "print the trace context",
        "steps": [
            {
                "id": "env",
                "tool": "shell",
                "parameters": {"command": 'printf %s "$TRACEPARENT"', "shell": True},
            }
        ],
    }

    with traced(f"sqlite:///{tmp_path / 'x.db'}") as (service, exporter):
        plan = service.run(spec, by="test", traceparent=CALLER)
    (span,) = [span for span in from_sdk(exporter.get_finished_spans()) if span.name == "step env"]

    assert plan.steps["env"].result["stdout"] == f"00-{CALLER.split('-')[1]}-{span.span_id}-01"  # type: ignore[index,call-overload]


def test_a_python_tool_runs_inside_its_attempts_span(tmp_path: Path) -> None:
    spec = {
        "description": "report the current span",
        "steps": [
            {
                "id": "py",
                "tool": "python",
                "parameters": {"function": "tests.e2e.traced_function:current_span_context"},
            }
        ],
    }

    with traced(f"sqlite:///{tmp_path / 'x.db'}") as (service, exporter):
        plan = service.run(spec, by="test")
    (span,) = [span for span in from_sdk(exporter.get_finished_spans()) if span.name == "step py"]

    assert plan.steps["py"].result == {"trace_id": plan.plan_id.hex, "span_id": span.span_id}
    assert span.trace_id == plan_trace(plan.plan_id, None).trace_id


def test_a_malformed_traceparent_is_refused_and_nothing_is_written(cli: Cli) -> None:
    spec = cli.write_spec(
        {
            "description": "one step",
            "steps": [{"id": "a", "tool": "echo", "parameters": {"value": 1}}],
        }
    )

    created = cli(
        "create", spec, "--traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"
    )
    ran = cli(
        "run", spec, "--traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"
    )

    assert created.exit_code == ran.exit_code == 2
    assert "traceparent" in created.stderr
    assert "the trace id is all zeros" in ran.stderr
    assert cli.stored_event_count() == 0


def test_without_otel_variables_nothing_imports_opentelemetry(tmp_path: Path) -> None:
    spec = {
        "description": "a shell and a python step",
        "steps": [
            {"id": "a", "tool": "shell", "parameters": {"command": "true"}},
            {
                "id": "b",
                "tool": "python",
                "parameters": {"function": "json:dumps", "kwargs": {"obj": 1}},
            },
        ],
    }
    program = textwrap.dedent(
        f"""
        import sys
        from adapters.bootstrap import planledger
        from adapters.settings import Settings
        settings = Settings.from_env({{}}).with_overrides(store_url="sqlite:///{tmp_path}/x.db")
        with planledger(settings) as service:
            plan = service.run({spec!r}, by="test")
        print(plan.status.value, sorted(m for m in sys.modules if m.startswith("opentelemetry")))
        """
    )

    completed = subprocess.run(
        [str(PLANLEDGER.parent / "python"), "-c", program],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=Path(__file__).parents[2],
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "completed []"
