"""An MCP server that makes a plan notebook any MCP-capable agent's planning tool."""

from __future__ import annotations

from adapters.mcp.notebook_server import notebook_server, serve_notebook_over_stdio

__all__ = ["notebook_server", "serve_notebook_over_stdio"]
