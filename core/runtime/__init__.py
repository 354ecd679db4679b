"""The application runtime: the service, the engine and its threads, call slots, sub-plans.

It drives plans with the domain's pure functions: load, decide, append, call a tool between two
appends. It reaches the outside world only through the ports (`core.domain.ports`) and reads
time only through the clock, so a test can drive it. Other layers import it through `core`.
"""

from __future__ import annotations

from core.runtime.call_slots import (
    CallSlots,
)
from core.runtime.callbacks import (
    Callbacks,
)
from core.runtime.change_hooks import (
    ChangeHook,
    ChangeHooks,
)
from core.runtime.large_results import (
    DEFAULT_INLINE_BYTES,
    DEFAULT_MAX_BYTES,
    LargeResults,
)
from core.runtime.notebook_service import (
    NotebookService,
)
from core.runtime.notebook_tools import (
    NotebookTools,
    ToolAnswer,
    ToolDefinition,
    tool_definitions,
)
from core.runtime.plan_generation import (
    GeneratedPlan,
    PlanGenerator,
)
from core.runtime.runtime_clock import (
    RuntimeClock,
)
from core.runtime.service import (
    PlanService,
)
from core.runtime.tools import (
    Tool,
    ToolContext,
    ToolRegistry,
)

__all__ = [
    "DEFAULT_INLINE_BYTES",
    "DEFAULT_MAX_BYTES",
    "CallSlots",
    "Callbacks",
    "ChangeHook",
    "ChangeHooks",
    "GeneratedPlan",
    "LargeResults",
    "NotebookService",
    "NotebookTools",
    "PlanGenerator",
    "PlanService",
    "RuntimeClock",
    "Tool",
    "ToolAnswer",
    "ToolContext",
    "ToolDefinition",
    "ToolRegistry",
    "tool_definitions",
]
