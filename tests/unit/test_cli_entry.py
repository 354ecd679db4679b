"""The lean entry point's copies of what other modules own can never drift from their owners."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import typer.main

from adapters.cli import command_table, lean_status, status_call
from adapters.cli.app import app
from adapters.cli.exit_codes import PLAN_STATUS_CODES
from adapters.read_models.layout import LAYOUT_VERSION
from adapters.read_models.schema import VERSION_TABLE
from adapters.read_models.tables import TABLE_NAMES, TRACKING_TABLE
from adapters.settings import DEFAULT_STORE
from adapters.store import parse_store_url
from adapters.store.event_store import POSTGRES_EVENTS_TABLE
from adapters.store.postgres_url import PostgresAddress
from adapters.store.sqlite_file import EVENTS_TABLE
from core import PlanStatus
from projections import PlanSummaryProjection
from projections.plan_revisions import FORKED_FROM, REMOVED
from projections.rows import PlanDataRow, PlanStepRow, PlanSummaryRow

PLAN_ID = "3f2b8f9e-4c1d-4a57-9d1e-0b6f5e2a7c11"


def short_help(command: Any) -> str:
    """The one line typer's help shows for a command: its first paragraph, on one line."""
    text = inspect.cleandoc(command.short_help or command.help or "")
    return " ".join(text.split("\n\n")[0].split())


def test_the_static_command_table_is_what_the_typer_app_registers() -> None:
    group = typer.main.get_command(app)
    commands: dict[str, Any] = getattr(group, "commands")  # noqa: B009 (typer's own Group)

    registered = [(name, short_help(command)) for name, command in commands.items()]

    assert list(command_table.COMMANDS) == registered
    assert " ".join((group.help or "").split()) == command_table.APP_HELP


def test_the_static_global_options_are_the_root_callbacks() -> None:
    group = typer.main.get_command(app)
    options = [param for param in group.params if param.param_type_name == "option"]

    described = [
        (option.opts[0], " ".join(option.opts[1:] + option.secondary_opts), option.help or "")
        for option in options
    ]

    static = [(name, short, help_) for name, short, _, help_ in command_table.GLOBAL_OPTIONS]
    assert static == [*described, ("--help", "", "Show this message and exit.")]


def test_help_text_lists_every_command_and_option_within_the_width() -> None:
    text = command_table.help_text(width=72)

    assert all(len(line) <= 72 for line in text.splitlines())
    for name, *_ in command_table.GLOBAL_OPTIONS:
        assert f"│ {name} " in text
    for name, _ in command_table.COMMANDS:
        assert f"│ {name} " in text


def test_the_lean_status_names_what_the_read_models_and_the_store_name() -> None:
    assert lean_status.EVENTS_TABLE == EVENTS_TABLE
    assert lean_status.TRACKING_TABLE == TRACKING_TABLE
    assert lean_status.VERSION_TABLE == VERSION_TABLE
    assert lean_status.LAYOUT_VERSION == LAYOUT_VERSION
    assert PlanSummaryProjection().name == lean_status.PROJECTION
    assert set(PlanSummaryProjection().row_types) == {PlanSummaryRow, PlanStepRow, PlanDataRow}
    assert [TABLE_NAMES[row] for row in (PlanSummaryRow, PlanStepRow, PlanDataRow)] == [
        "plan_summary",
        "plan_steps",
        "plan_data",
    ]
    assert (lean_status.REMOVED, lean_status.FORKED_FROM) == (REMOVED, FORKED_FROM)
    assert lean_status.POSTGRES_EVENTS_TABLE == POSTGRES_EVENTS_TABLE
    assert status_call.DEFAULT_STORE == DEFAULT_STORE


def test_the_lean_columns_are_columns_of_their_rows() -> None:
    def names(columns: str) -> set[str]:
        return {name.strip() for name in columns.split(",")}

    assert names(lean_status._SUMMARY_COLUMNS) <= {
        f.name for f in dataclasses.fields(PlanSummaryRow)
    }
    assert names(lean_status._STEP_COLUMNS) <= {f.name for f in dataclasses.fields(PlanStepRow)}


def test_the_lean_exit_codes_are_the_tables_less_the_approval_wait() -> None:
    expected = {
        status.value: code
        for status, code in PLAN_STATUS_CODES.items()
        if status is not PlanStatus.PENDING_APPROVAL
    }

    assert expected == lean_status.PLAN_STATUS_CODES


@pytest.mark.parametrize(
    ("arguments", "as_json"),
    [
        (["status", PLAN_ID], False),
        (["--store", "sqlite:///x.db", "status", PLAN_ID, "--json"], True),
        (["--store=sqlite:///x.db", "status", "--json", PLAN_ID], True),
    ],
)
def test_a_plain_local_status_call_may_go_the_lean_way(
    arguments: list[str], as_json: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.db").touch()
    environ = {"PLANLEDGER_STORE": "sqlite:///x.db", "PLANLEDGER_ACTOR": "ann", "HOME": "/"}

    call = status_call.status_call(arguments, environ)

    assert call is not None
    assert (call.plan_id, call.as_json) == (UUID(PLAN_ID), as_json)
    assert call.store == str(tmp_path / "x.db")


def test_a_status_call_on_postgresql_may_go_the_lean_way_with_the_stores_address() -> None:
    url = "postgresql://ann:pw@db.example:5433/prod?schema=plans"

    call = status_call.status_call(["--store", url, "status", PLAN_ID], {})

    assert call is not None
    assert isinstance(call.store, PostgresAddress)
    assert call.store.conninfo == parse_store_url(url).conninfo
    assert call.store.schema == "plans"


@pytest.mark.parametrize(
    ("arguments", "environ"),
    [
        (["--server", "http://x", "status", PLAN_ID], {}),
        (["status", PLAN_ID], {"PLANLEDGER_SERVER": "http://x"}),
        (["status", PLAN_ID], {"PLANLEDGER_TRUSTED_KEYS": "keys"}),
        (["status", PLAN_ID], {"OTEL_TRACES_EXPORTER": "console"}),
        (["-v", "status", PLAN_ID], {}),
        (["--store", "postgresql://postgres@127.0.0.1/test?sslmode=off", "status", PLAN_ID], {}),
        (["--store", "postgresql://postgres@127.0.0.1/", "status", PLAN_ID], {}),
        (["--store", "postgresql://postgres@127.0.0.1/test?schema=a-b", "status", PLAN_ID], {}),
        (["--store", "sqlite:///missing.db", "status", PLAN_ID], {}),
        (["--store", "sqlite:///x.db?mode=ro", "status", PLAN_ID], {}),
        (["--store", "sqlite:///:memory:", "status", PLAN_ID], {}),
        (["status", PLAN_ID, "--help"], {}),
        (["status", PLAN_ID, PLAN_ID], {}),
        (["status", "not-a-uuid"], {}),
        (["history", PLAN_ID], {}),
    ],
)
def test_anything_else_goes_to_the_full_app(
    arguments: list[str],
    environ: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.db").touch()

    assert (
        status_call.status_call(arguments, {"PLANLEDGER_STORE": "sqlite:///x.db", **environ})
        is None
    )
