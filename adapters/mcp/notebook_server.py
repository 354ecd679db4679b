"""`planledger mcp`: a notebook's tool functions, its hint and its plan over MCP (stdio).

The tools are the notebook's tool functions, with the same JSON Schemas and the same
dispatcher as `agent call`: a refused call is a tool result marked as an error whose text says
what to do instead. Two resources: the hint (what to do next) and the current plan as Markdown.
Calls touch the store, so they run on a worker thread, never on the event loop.
"""

from __future__ import annotations

from typing import Any

import anyio
import mcp_types as types
from mcp.server import Server
from mcp.server.context import ServerRequestContext
from mcp.server.stdio import stdio_server

from core import NotebookTools, tool_definitions

INSTRUCTIONS = (
    "This server is your plan notebook. For a complex task, create a plan of subtasks with "
    "create_plan, then work through them in order: start one with update_subtask_state, "
    "finish it with finish_subtask and its outcome. Read the hint resource before each step: "
    "it says what to do next. Every call is recorded, with you as its actor."
)


def hint_uri(notebook: str) -> str:
    """Where the hint resource of a notebook is."""
    return f"planledger://notebook/{notebook}/hint"


def plan_uri(notebook: str) -> str:
    """Where the current plan's Markdown resource of a notebook is."""
    return f"planledger://notebook/{notebook}/plan.md"


def notebook_server(tools: NotebookTools) -> Server[Any]:
    """An MCP server on one notebook, its calls made as the actor `tools` was built with."""
    definitions = [
        types.Tool(name=d.name, description=d.description, input_schema=d.parameters)
        for d in tool_definitions()
    ]
    resources = [
        types.Resource(
            name="hint",
            uri=hint_uri(tools.notebook),
            description="What to do next, given the current plan.",
            mime_type="text/plain",
        ),
        types.Resource(
            name="plan",
            uri=plan_uri(tools.notebook),
            description="The current plan as Markdown, with each subtask's details.",
            mime_type="text/markdown",
        ),
    ]

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=definitions)

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        answer = await anyio.to_thread.run_sync(tools.call, params.name, params.arguments or {})
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=answer.text)], is_error=not answer.ok
        )

    async def list_resources(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=resources)

    async def read_resource(
        ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        uri = str(params.uri)
        if uri == hint_uri(tools.notebook):
            text, mime = await anyio.to_thread.run_sync(tools.hint), "text/plain"
        elif uri == plan_uri(tools.notebook):
            plan = await anyio.to_thread.run_sync(lambda: tools.markdown(detailed=True))
            text, mime = plan or "There is no current plan.", "text/markdown"
        else:
            raise ValueError(f"no resource {uri!r}")
        contents = [types.TextResourceContents(uri=uri, text=text, mime_type=mime)]
        return types.ReadResourceResult(contents=contents)

    return Server(
        "planledger-notebook",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )


def serve_notebook_over_stdio(tools: NotebookTools) -> None:
    """Serve one notebook on stdin/stdout until the client closes the connection."""
    server = notebook_server(tools)

    async def serve() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(serve)
