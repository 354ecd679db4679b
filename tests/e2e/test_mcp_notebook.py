"""`planledger mcp`: the scripted agent loop through the MCP client, over stdio."""

from __future__ import annotations

from typing import Any

import anyio
import mcp_types as types
from mcp import ClientSession, StdioServerParameters, stdio_client

from .agent_loop import run_agent_loop
from .conftest import PLANLEDGER, Cli, cli_environment

NOTEBOOK = "mcp-session"


def text_of(result: types.CallToolResult) -> str:
    return "".join(block.text for block in result.content if isinstance(block, types.TextContent))


async def drive(cli: Cli) -> dict[str, Any]:
    """Connect as an MCP client, list what the server offers, run the agent loop."""
    server = StdioServerParameters(
        command=str(PLANLEDGER),
        args=["--store", cli.store, "mcp", "--notebook", NOTEBOOK, "--by", "mcp-agent"],
        env=cli_environment(),
        cwd=str(cli.cwd),
    )
    seen: dict[str, Any] = {}
    async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        seen["tools"] = [tool.name for tool in (await session.list_tools()).tools]
        seen["resources"] = [str(r.uri) for r in (await session.list_resources()).resources]
        seen["hint_before"] = await read_text(session, seen["resources"][0])

        def call(tool: str, arguments: dict[str, Any]) -> tuple[bool, str]:
            result = anyio.from_thread.run(session.call_tool, tool, arguments)
            return not result.is_error, text_of(result)

        seen["texts"] = await anyio.to_thread.run_sync(run_agent_loop, call)
        seen["plan"] = await read_text(session, seen["resources"][1])
        seen["hint_after"] = await read_text(session, seen["resources"][0])
    return seen


async def read_text(session: ClientSession, uri: str) -> str:
    result = await session.read_resource(uri)
    [content] = result.contents
    assert isinstance(content, types.TextResourceContents)
    return content.text


def test_an_agent_loop_over_mcp_records_every_call_and_the_chain_verifies(cli: Cli) -> None:
    seen = anyio.run(drive, cli)

    assert seen["tools"][:2] == ["create_plan", "revise_current_plan"]
    assert len(seen["tools"]) == 9
    assert "create_plan" in seen["hint_before"]
    assert "a finished subtask cannot be reopened" in seen["texts"][4]
    assert seen["plan"] == "There is no current plan."
    listed = cli("agent", "plans", "--notebook", NOTEBOOK, "--json").json()
    assert [(p["name"], p["state"]) for p in listed] == [
        ("hotfix", "abandoned"),
        ("release", "done"),
    ]
    trail = cli("audit", listed[0]["notebook_id"], "--json").json()
    assert {row["actor"] for row in trail} == {"mcp-agent"}
    verified = cli("audit", "verify", "--all")
    assert verified.exit_code == 0, verified
