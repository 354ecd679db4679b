"""The ports: what the application service needs from the outside world (pure protocols)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from core.domain.errors import SpecProblem
from core.domain.events import PlanEvent
from core.domain.json_value import JsonObject, JsonValue


class EventStore(Protocol):
    """An append-only store of plan events with optimistic concurrency."""

    def load(self, plan_id: UUID, after_version: int = 0) -> list[PlanEvent]:
        """The plan's events with a version above `after_version`, oldest first."""
        ...

    def append(self, events: Sequence[PlanEvent]) -> None:
        """Append all events in one transaction, or none of them.

        Raises `ConcurrencyError` if any version is already taken.
        """
        ...


class Clock(Protocol):
    """Where time comes from; core never reads the clock itself."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdFactory(Protocol):
    """Where new ids come from; core never makes random numbers itself."""

    def new_id(self) -> UUID:
        """A fresh, unique id."""
        ...


class Expressions(Protocol):
    """The sandboxed expression language of templates and conditions.

    Every method is a pure function of its arguments (same source and scope, same answer), so
    decisions taken with it are deterministic; its results are recorded in events, and the fold
    never evaluates anything. Problems raise `ExpressionError`.
    """

    def step_references(
        self, source: str, *, condition: bool, per_item: bool = False
    ) -> frozenset[str]:
        """The step ids a template (or, with `condition`, a bare expression) reads.

        Raises `ExpressionError` for bad syntax, a forbidden construct, or a name other than
        `steps.ID...` and `plan.inputs...` (and `item` and `index` when `per_item`: the
        parameters of a `for_each` step).
        """
        ...

    def input_references(
        self, source: str, *, condition: bool, per_item: bool = False
    ) -> frozenset[str]:
        """The input names it reads as `plan.inputs.NAME` (raises as `step_references`)."""
        ...

    def render(self, source: str, scope: JsonObject) -> JsonValue:
        """A template's value: a lone `{{ expr }}` keeps its JSON type; anything else is text.

        A scope that holds `item` lets the template read `item` and `index`.
        """
        ...

    def test(self, source: str, scope: JsonObject) -> bool:
        """The truth of a condition."""
        ...


class JsonSchemas(Protocol):
    """JSON Schema checks for plan inputs."""

    def schema_problems(self, schema: JsonObject) -> list[str]:
        """What is wrong with `schema` itself (empty when it is a valid JSON Schema)."""
        ...

    def instance_problems(self, instance: JsonValue, schema: JsonObject) -> list[SpecProblem]:
        """Where and how `instance` fails `schema` (locations start at `inputs`)."""
        ...
