"""Plan generation by a model: the prompt, reading a draft from its answer, and the events of a
generated plan (pure).

The model is asked for a plan spec given the goal, the enabled tools' parameter schemas and the
spec's JSON Schema. Its answer is read as JSON (the whole message, a fenced `json` block, or a
tool call's arguments) and validated by the real validator; every problem goes back to it for
repair. Nothing is dropped or patched silently: a draft is accepted as it is or not at all, but
for one rule — a generated plan always requires a person's approval.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol
from uuid import UUID

from core.domain.decisions import submit
from core.domain.event_stamper import EventStamper
from core.domain.events import PlanCreated, PlanDrafted, PlanEvent
from core.domain.json_value import JsonObject, JsonValue
from core.domain.spec import PlanSpec

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    """One message of the conversation with the model."""

    role: Role
    content: str


@dataclass(frozen=True)
class DraftReply:
    """What the model answered: its text, and the arguments of a tool call if it made one."""

    text: str = ""
    tool_arguments: JsonValue = None


class PlanDrafter(Protocol):
    """The port to a model provider (an OpenAI-compatible endpoint, Anthropic's API, ...)."""

    provider: str
    model: str

    def draft(self, messages: Sequence[ChatMessage]) -> DraftReply:
        """Send the conversation; return the model's answer. Raises on a transport failure."""
        ...


@dataclass(frozen=True)
class Round:
    """One round: the digest of what was sent, the draft read back, and its problems."""

    number: int
    prompt_digest: str
    draft: JsonValue
    problems: tuple[str, ...] = field(default=())


SYSTEM_PROMPT = """You write plan specs for planledger, an engine that runs plans of steps.
A plan is a JSON object that must satisfy the JSON Schema below. Each step calls one tool with
parameters that must satisfy that tool's parameter schema, or is `tool: external` (carried out
by a person) with `instructions`. Use only the tools listed. Steps run when the steps in their
`depends_on` have completed; dependencies must not form a cycle. Answer with the plan as one
JSON object (a ```json fenced block is fine) and nothing else.

Plan spec JSON Schema:
{spec_schema}

Tools and their parameter schemas:
{tool_schemas}"""


def generation_prompt(
    goal: str,
    *,
    context: str,
    constraints: Sequence[str],
    tool_schemas: JsonObject,
    spec_schema: JsonObject,
) -> list[ChatMessage]:
    """The first messages: what a plan is and may use, then the goal, context and constraints."""
    system = SYSTEM_PROMPT.format(
        spec_schema=_compact(spec_schema), tool_schemas=_compact(tool_schemas)
    )
    parts = [f"Goal: {goal}"]
    if context.strip():
        parts.append(f"Context:\n{context.strip()}")
    if constraints:
        parts.append("Constraints:\n" + "\n".join(f"- {c}" for c in constraints))
    return [ChatMessage("system", system), ChatMessage("user", "\n\n".join(parts))]


def repair_messages(reply: DraftReply, problems: Sequence[str]) -> list[ChatMessage]:
    """The model's answer and every problem found in it, asking for the whole plan again."""
    listed = "\n".join(f"- {problem}" for problem in problems)
    answer = reply.text or _compact(reply.tool_arguments)
    request = (
        f"That plan has {len(problems)} problem(s):\n{listed}\n"
        "Fix every one of them and answer with the whole corrected plan as one JSON object."
    )
    return [ChatMessage("assistant", answer), ChatMessage("user", request)]


def prompt_digest(messages: Sequence[ChatMessage]) -> str:
    """SHA-256 of the messages as sent, in a canonical JSON form."""
    body = [{"role": m.role, "content": m.content} for m in messages]
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


FENCED = re.compile(r"```(?:json)?\s*\n(.*?)```", re.DOTALL)


def read_draft(reply: DraftReply) -> tuple[JsonValue, list[str]]:
    """The draft in the answer and, if it cannot be read as a JSON object, why.

    A tool call's arguments win; else the message itself, else its first fenced block that
    parses. An unreadable answer's draft is its text, kept for the record.
    """
    if isinstance(reply.tool_arguments, dict):
        return reply.tool_arguments, []
    candidates = [reply.text, *FENCED.findall(reply.text)]
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value, []
    return reply.text, ["the answer holds no JSON object: answer with the plan spec as JSON"]


def with_required_approval(draft: JsonObject) -> JsonObject:
    """The draft, made to wait for a person's approval whatever it asked for."""
    options = draft.get("options")
    options = dict(options) if isinstance(options, dict) else {}
    options.update(require_approval=True, auto_approve=False)
    return {**draft, "options": options}


def create_generated_plan(
    plan_id: UUID,
    spec: PlanSpec,
    rounds: Sequence[Round],
    *,
    drafter: PlanDrafter,
    by: str,
    now: datetime,
    correlation_id: UUID,
) -> list[PlanEvent]:
    """`PlanCreated`, one `PlanDrafted` per round, then the submission (to approval)."""
    assert spec.options.needs_approval, "a generated plan always waits for approval"
    stamp = EventStamper(plan_id, 1, now, by, correlation_id)
    events: list[PlanEvent] = [stamp(PlanCreated, spec=spec)]
    events += [
        stamp(
            PlanDrafted,
            round=r.number,
            provider=drafter.provider,
            model=drafter.model,
            prompt_digest=r.prompt_digest,
            draft=r.draft,
            problems=r.problems,
        )
        for r in rounds
    ]
    return [*events, *submit(stamp, spec, now, {})]


def _compact(value: JsonValue) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
