"""`planledger generate "GOAL"`: a model drafts the plan, the validator checks it, every problem
goes back for repair; the valid plan is created waiting for a person's approval."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from adapters.bootstrap import plan_generator
from adapters.cli.command_context import (
    ByOpt,
    JsonOpt,
    current_settings,
    handles_errors,
    print_json,
)
from adapters.cli.local_only import refuse_through_server
from core import InvalidPlanSpecError, JsonObject, PlanNotGeneratedError, SpecProblem


@handles_errors
def generate_command(
    goal: Annotated[str, typer.Argument(help="What the plan must achieve.", show_default=False)],
    context: Annotated[
        Path | None,
        typer.Option("--context", help="A file whose text the model is given as context."),
    ] = None,
    constraints: Annotated[
        list[str] | None,
        typer.Option("--constraint", help="A rule the plan must follow (repeatable)."),
    ] = None,
    max_repairs: Annotated[
        int, typer.Option("--max-repairs", min=0, help="Rounds of repair after the first draft.")
    ] = 2,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Have a model draft a plan; create it, waiting for approval, once it validates (exit 2
    naming every remaining problem if it never does)."""
    refuse_through_server("generate")
    settings = current_settings()
    context_text = _read_context(context)
    with plan_generator(settings) as generator:
        try:
            made = generator.generate(
                goal,
                by=by or settings.actor,
                context=context_text,
                constraints=constraints or (),
                max_repairs=max_repairs,
            )
        except PlanNotGeneratedError as failed:
            if as_json:
                print_json({"plan_id": None, "rounds": failed.rounds, "problems": failed.problems})
            raise
    rounds: list[JsonObject] = [
        {"round": r.number, "prompt_digest": r.prompt_digest, "problems": list(r.problems)}
        for r in made.rounds
    ]
    if as_json:
        print_json({"plan_id": str(made.plan_id), "status": "pending_approval", "rounds": rounds})
        return
    console = Console()
    for r in made.rounds:
        said = "; ".join(r.problems) or "valid"
        console.print(f"round {r.number}: {escape(said)}", highlight=False, soft_wrap=True)
    console.print(
        f"plan {made.plan_id} created, waiting for approval: "
        f"planledger approve {made.plan_id} --by NAME",
        highlight=False,
    )


def _read_context(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problem = SpecProblem("--context", f"cannot read {path}: {error}")
        raise InvalidPlanSpecError([problem]) from None
