"""Bad input of every kind: exit code 2, a clear error naming the problem, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Cli

NIL_ID = "00000000-0000-0000-0000-000000000000"


def echo_step(step_id: str, **fields: object) -> str:
    extra = "".join(f", {name}: {value}" for name, value in fields.items())
    return f"  - {{id: {step_id}, tool: echo, parameters: {{value: 1}}{extra}}}\n"


SPEC_CASES = [
    pytest.param(
        "description: broken indentation\nsteps:\n  - id: a\n    tool: echo\n"
        "   parameters: {value: 1}\n",
        ["plan.yaml:5:", "malformed YAML"],
        "run",
        id="malformed-yaml-names-file-and-line",
    ),
    pytest.param(
        "description: wrong type\nsteps:\n" + echo_step("a", max_retries='"x"'),
        ["steps[a].max_retries", "valid integer"],
        "create",
        id="wrong-type",
    ),
    pytest.param(
        "description: a cycle\nsteps:\n"
        + echo_step("a", depends_on="[b]")
        + echo_step("b", depends_on="[a]"),
        ["steps[a].depends_on", "dependency cycle: a -> b -> a"],
        "run",
        id="cycle",
    ),
    pytest.param(
        "description: unknown tool\nsteps:\n  - {id: beam, tool: teleport}\n",
        ["steps[beam].tool", "unknown tool 'teleport'"],
        "create",
        id="unknown-tool",
    ),
    pytest.param(
        "description: unknown dependency\nsteps:\n" + echo_step("a", depends_on="[ghost]"),
        ["steps[a].depends_on", "unknown dependency 'ghost'"],
        "run",
        id="unknown-dependency",
    ),
    pytest.param(
        "description: bad parameters\nsteps:\n  - {id: nap, tool: sleep, parameters: {ms: -5}}\n",
        ["steps[nap].parameters.ms", "tool 'sleep'"],
        "create",
        id="parameters-fail-the-tool-schema",
    ),
]


@pytest.mark.parametrize(("text", "expected", "command"), SPEC_CASES)
def test_an_invalid_spec_is_refused_with_exit_2_naming_the_problem_and_nothing_is_written(
    cli: Cli, text: str, expected: list[str], command: str
) -> None:
    spec = cli.write_spec(text)

    result = cli(command, spec)

    assert result.exit_code == 2, result
    assert result.stdout == ""
    assert result.stderr.startswith("error: invalid plan spec (1 problem):")
    for fragment in expected:
        assert fragment in result.stderr
    assert cli.stored_event_count() == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["create", "absent.yaml"], "absent.yaml: file not found", id="missing-file"),
        pytest.param(["status", NIL_ID], f"plan not found: {NIL_ID}", id="unknown-plan-id"),
        pytest.param(["status", "not-a-uuid"], "plan not found: not-a-uuid", id="not-a-uuid"),
        pytest.param(["history", NIL_ID, "--json"], f"plan not found: {NIL_ID}", id="history"),
    ],
)
def test_a_missing_file_or_an_unknown_plan_is_refused_with_exit_2_and_nothing_is_written(
    cli: Cli, args: list[str], expected: str
) -> None:
    result = cli(*args)

    assert result.exit_code == 2, result
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert expected in result.stderr
    assert cli.stored_event_count() == 0


@pytest.mark.parametrize(
    ("store", "expected"),
    [
        pytest.param("foo://x", "invalid store URL 'foo://x'", id="unknown-scheme"),
        pytest.param("sqlite://host/x.db", "a sqlite URL has no host", id="sqlite-with-a-host"),
        pytest.param(
            "sqlite:///no/such/dir/x.db", "directory 'no/such/dir' does not exist", id="no-dir"
        ),
    ],
)
def test_a_bad_store_url_is_refused_with_exit_2_before_anything_is_created(
    cli: Cli, tmp_path: Path, store: str, expected: str
) -> None:
    spec = cli.spec("release_needs_approval.yaml")

    result = cli("create", spec, store=store)

    assert result.exit_code == 2, result
    assert result.stdout == ""
    [message] = result.stderr.splitlines()
    assert message.startswith("error: ")
    assert expected in message
    assert sorted(path.name for path in tmp_path.iterdir()) == [spec]


def test_validate_prints_every_problem_of_a_spec_on_its_own_line_and_exits_2(cli: Cli) -> None:
    spec = cli.spec("four_problems.yaml")

    result = cli("validate", spec)

    assert result.exit_code == 2, result
    header, *problems = result.stderr.strip().splitlines()
    assert header == "error: invalid plan spec (4 problems):"
    assert sorted(problem.split(": ", 1)[0].strip() for problem in problems) == [
        "steps[build].depends_on",
        "steps[build].parameters.colour",
        "steps[fetch].tool",
        "steps[test].max_retries",
    ]
    assert "unknown dependency 'configure'" in result.stderr
    assert "unknown tool 'teleport'" in result.stderr
    assert "unknown parameter (tool 'shell')" in result.stderr
    assert not (cli.cwd / "x.db").exists()
