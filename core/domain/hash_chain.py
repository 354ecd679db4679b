"""The hash chain that makes a plan's history tamper-evident (pure).

Each event carries the hash of the previous event of its plan (`prev_hash`, None for the first)
and its own hash over a canonical serialisation: sorted-key, compact JSON of its type, class
version, plan id, version, timestamp, actor, correlation id, `prev_hash` and every other field
but the writer's signature (`key_id`, `signature`), which is made over the hash.
A changed, removed, inserted or reordered event breaks the chain at that version.
"""

from __future__ import annotations

import hashlib
import json
from typing import TypeVar

from core.domain.events import SEAL_FIELDS, PlanEvent

E = TypeVar("E", bound=PlanEvent)

HASH_PREFIX = "sha256:"

_UNHASHED = {"hash", *SEAL_FIELDS}


def canonical_bytes(event: PlanEvent) -> bytes:
    """The bytes an event's hash is taken over: everything but the hash and the signature.

    The signature is made over the hash, so it cannot be inside it; leaving both out also keeps
    the bytes of every event recorded before events were signed.
    """
    body = event.model_dump(mode="json", exclude=_UNHASHED)
    body["type"] = type(event).__name__
    body["class_version"] = event.class_version
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(event: PlanEvent) -> str:
    """The hash an event should carry."""
    return HASH_PREFIX + hashlib.sha256(canonical_bytes(event)).hexdigest()


def seal(event: E) -> E:
    """The event with its own hash filled in."""
    return event.model_copy(update={"hash": event_hash(event)})
