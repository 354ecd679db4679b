"""What an LLM agent talks to: the notebook's tool functions in each provider's format."""

from __future__ import annotations

from adapters.agent.tool_formats import TOOL_FORMATS, ToolFormat, tools_in_format

__all__ = ["TOOL_FORMATS", "ToolFormat", "tools_in_format"]
