"""The revision commands: `revise add|change|remove` a step of a live plan, and `fork`.

Like every command, each one only parses, calls one service method, and renders; the rules
(what may change, full validation, refusal without writing) live in `core.domain.revisions` and
`core.domain.forks`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from adapters.bootstrap import ledger
from adapters.cli.command_context import (
    ByOpt,
    IdArg,
    JsonOpt,
    actor,
    answer,
    current_settings,
    handles_errors,
    parse_id,
)
from adapters.cli.render import render_status
from adapters.cli.spec_file import read_plan_spec_file, read_step_file
from core import InvalidPlanSpecError, JsonObject, SpecProblem

revise_app = typer.Typer(
    name="revise",
    help="Add, change or remove a step of a plan that has not ended (even while it runs).",
    no_args_is_help=True,
)

StepArg = Annotated[str, typer.Argument(help="Step id.", show_default=False)]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (recorded in the audit log).")]


@revise_app.command("add")
@handles_errors
def add_command(
    plan_id: IdArg,
    reason: ReasonOpt,
    step_file: Annotated[
        Path | None, typer.Option("--step", help="The new step, a YAML/JSON file.")
    ] = None,
    step_json: Annotated[
        str | None, typer.Option("--step-json", help="The new step as inline JSON/YAML.")
    ] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a step; it may depend on steps that already ended."""
    if (step_file is None) == (step_json is None):
        raise InvalidPlanSpecError(
            [SpecProblem("--step", "give exactly one of --step FILE or --step-json TEXT")]
        )
    step = read_step_file(step_file) if step_file is not None else _parsed("--step-json", step_json)
    with ledger(current_settings()) as plans:
        view = plans.add_step(parse_id(plan_id), step, by=actor(by), reason=reason)
    _report(view, "added", _step_id(step), as_json)


@revise_app.command("change")
@handles_errors
def change_command(
    plan_id: IdArg,
    step_id: StepArg,
    reason: ReasonOpt,
    parameters_json: Annotated[
        str | None, typer.Option("--parameters-json", help="New parameters (a JSON object).")
    ] = None,
    depends_on: Annotated[
        str | None, typer.Option("--depends-on", help="New dependencies, comma-separated.")
    ] = None,
    retries: Annotated[int | None, typer.Option("--retries", help="New max_retries.")] = None,
    when: Annotated[str | None, typer.Option("--when", help="New condition.")] = None,
    settings: Annotated[
        list[str] | None,
        typer.Option("--set", help="FIELD=VALUE (YAML) for any other step field; repeatable."),
    ] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change fields of a step that has not started; the revised plan is validated in full."""
    changes = _set_fields(settings or [])
    if parameters_json is not None:
        changes["parameters"] = _parsed("--parameters-json", parameters_json)
    if depends_on is not None:
        changes["depends_on"] = [name.strip() for name in depends_on.split(",") if name.strip()]
    if retries is not None:
        changes["max_retries"] = retries
    if when is not None:
        changes["when"] = when
    if not changes:
        raise InvalidPlanSpecError([SpecProblem(f"steps[{step_id}]", "no change given")])
    with ledger(current_settings()) as plans:
        view = plans.revise_step(parse_id(plan_id), step_id, changes, by=actor(by), reason=reason)
    _report(view, "revised", step_id, as_json)


@revise_app.command("remove")
@handles_errors
def remove_command(
    plan_id: IdArg, step_id: StepArg, reason: ReasonOpt, by: ByOpt = None, as_json: JsonOpt = False
) -> None:
    """Remove a step that has not started and that no other step depends on."""
    with ledger(current_settings()) as plans:
        view = plans.remove_step(parse_id(plan_id), step_id, by=actor(by), reason=reason)
    _report(view, "removed", step_id, as_json)


@handles_errors
def fork_command(
    plan_id: IdArg,
    from_step: Annotated[
        str, typer.Option("--from", help="Re-run this step and its dependants; reuse the rest.")
    ],
    by: ByOpt = None,
    with_spec: Annotated[
        Path | None, typer.Option("--with-spec", help="Run the fork with this spec instead.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a new plan from an ended one, re-running a step and what depends on it.

    Prints the new plan's id; run it with `planledger execute ID` (after approval, if its spec
    requires one).
    """
    spec = read_plan_spec_file(with_spec) if with_spec is not None else None
    with ledger(current_settings()) as plans:
        view = plans.fork(parse_id(plan_id), from_step=from_step, by=actor(by), spec=spec)
    if as_json:
        answer(view, True, render_status)
    else:
        typer.echo(str(view["id"]))


def _set_fields(pairs: list[str]) -> dict[str, Any]:
    """`--set FIELD=VALUE` pairs as step fields, each value read as YAML/JSON."""
    changes: dict[str, Any] = {}
    for pair in pairs:
        name, equals, text = pair.partition("=")
        if not equals or not name:
            raise InvalidPlanSpecError([SpecProblem(f"--set {pair}", "expected FIELD=VALUE")])
        changes[name] = _parsed(f"--set {name}", text)
    return changes


def _parsed(option: str, text: str | None) -> Any:
    try:
        return yaml.safe_load(text or "")
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InvalidPlanSpecError(
            [SpecProblem(option, f"malformed YAML/JSON: {problem}")]
        ) from None


def _step_id(step: object) -> str:
    return str(step.get("id")) if isinstance(step, dict) else "?"


def _report(view: JsonObject, action: str, step_id: str, as_json: bool) -> None:
    if as_json:
        answer(view, True, render_status)
    else:
        typer.echo(f"{view['id']} step {step_id} {action} (version {view['version']})")


def register_revision_commands(app: typer.Typer) -> None:
    """Add `revise` and `fork` to the root app."""
    app.add_typer(revise_app, name="revise")
    app.command("fork")(fork_command)
