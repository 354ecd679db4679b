"""Request bodies of the HTTP API. None of them names an actor: that is the principal."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Text = Field(default="", max_length=10_000)


class CreatePlan(BaseModel):
    """A plan spec (as YAML/JSON would give it, `plan: path` already inlined) and its inputs;
    `approve`: the caller approves it too, with `comment`, if it waits for approval (checked
    before anything is written, so a refusal leaves no plan behind)."""

    spec: dict[str, Any]
    inputs: dict[str, Any] | None = None
    approve: bool = False
    comment: str = Text


class SpecBody(BaseModel):
    """A spec to validate."""

    spec: dict[str, Any]


class Comment(BaseModel):
    """Why, optionally."""

    comment: str = Text


class Reason(BaseModel):
    """Why (required)."""

    reason: str = Field(min_length=1, max_length=10_000)


class OptionalReason(BaseModel):
    """Why, optionally."""

    reason: str = Text


class AddStep(BaseModel):
    """A new step and why."""

    step: dict[str, Any]
    reason: str = Field(min_length=1, max_length=10_000)


class ReviseStep(BaseModel):
    """Changed fields of a step that has not started, and why."""

    changes: dict[str, Any] = Field(min_length=1)
    reason: str = Field(min_length=1, max_length=10_000)


class CompleteStep(BaseModel):
    """An external step's result (any JSON value), and optionally the attempt reported on."""

    result: Any = None
    attempt: int | None = Field(default=None, ge=1)


class FailStep(BaseModel):
    """Why an external step could not be carried out, and optionally the attempt reported on."""

    error: str = Field(min_length=1, max_length=10_000)
    attempt: int | None = Field(default=None, ge=1)


class Fork(BaseModel):
    """Where the fork starts again, and optionally another spec."""

    from_step: str = Field(min_length=1, max_length=200)
    spec: dict[str, Any] | None = None


class Verify(BaseModel):
    """Plans to verify; none: every plan."""

    plan_ids: list[str] | None = Field(default=None, max_length=1000)


class Subscribe(BaseModel):
    """A webhook subscription: where to, which event types (none: all), optionally one plan."""

    url: str = Field(min_length=8, max_length=2000, pattern=r"^https?://")
    event_types: list[str] = Field(default_factory=list, max_length=100)
    plan_id: str | None = None
    from_position: int | None = Field(default=None, ge=0)


class CreateToken(BaseModel):
    """A new API token's name, roles and lifetime (`30d`, `12h`)."""

    name: str = Field(min_length=1, max_length=64)
    roles: list[str] = Field(min_length=1, max_length=6)
    expires: str | None = Field(default=None, max_length=10)


ExportFormat = Literal["jsonl", "csv"]
