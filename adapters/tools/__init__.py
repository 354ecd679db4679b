"""The built-in tools (`shell`, `python`, `sleep`, `echo`) and the registry that enables them."""

from __future__ import annotations

from collections.abc import Callable, Collection

from adapters.tools import echo_tool, python_tool, shell_tool, sleep_tool
from core import ToolRegistry

__all__ = ["BUILTIN_TOOL_NAMES", "builtin_registry"]

_REGISTRARS: dict[str, Callable[[ToolRegistry], None]] = {
    shell_tool.TOOL_NAME: shell_tool.register,
    python_tool.TOOL_NAME: python_tool.register,
    sleep_tool.TOOL_NAME: sleep_tool.register,
    echo_tool.TOOL_NAME: echo_tool.register,
}

BUILTIN_TOOL_NAMES: tuple[str, ...] = tuple(_REGISTRARS)
"""The names of every built-in tool."""


def builtin_registry(
    enabled: Collection[str] | None = None, python_modules: tuple[str, ...] = ()
) -> ToolRegistry:
    """A registry of the built-in tools: all of them, or only those named in `enabled`.

    `python_modules` limits what the `python` tool may call (empty: any module).

    Raises:
        ValueError: `enabled` names a tool that is not built in.
    """
    if isinstance(enabled, str):
        raise TypeError("enabled must be a collection of tool names, not one string")
    wanted = set(BUILTIN_TOOL_NAMES if enabled is None else enabled)
    unknown = sorted(wanted - set(BUILTIN_TOOL_NAMES))
    if unknown:
        raise ValueError(
            f"unknown built-in tool(s): {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(BUILTIN_TOOL_NAMES)}"
        )
    registry = ToolRegistry()
    for name in BUILTIN_TOOL_NAMES:
        if name == python_tool.TOOL_NAME and name in wanted:
            python_tool.register(registry, python_modules)
        elif name in wanted:
            _REGISTRARS[name](registry)
    return registry
