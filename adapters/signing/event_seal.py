"""Signing an event over its hash, and checking a signature against the keys a reader trusts.

The signature covers the event's hash (domain-separated), which covers every other field, the
plan, the version and the previous event's hash: so a signed event cannot be changed, moved or
re-chained without its writer's private key. A reader recomputes the hash from the content
before it checks the signature, so a row whose content was changed under its old hash fails too.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core import PlanEvent, event_hash

E = TypeVar("E", bound=PlanEvent)

EVENT_CONTEXT = b"planledger/event/v1\n"
"""Prefixed to what is signed, so an event signature is never valid for anything else."""


def signed_message(hash_text: str) -> bytes:
    """The bytes an event's signature is made over."""
    return EVENT_CONTEXT + hash_text.encode()


class SealProblem(StrEnum):
    """Why an event's signature does not make it trustworthy."""

    UNSIGNED = "unsigned"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"


@dataclass(frozen=True)
class EventSigner:
    """A writer's private key and its id: signs each event on its way into the store."""

    key_id: str
    private_key: Ed25519PrivateKey

    def sign(self, event: E) -> E:
        """The event with `key_id` and `signature` over its hash."""
        signature = self.private_key.sign(signed_message(event.hash))
        encoded = base64.b64encode(signature).decode()
        return event.model_copy(update={"key_id": self.key_id, "signature": encoded})

    def sign_bytes(self, context: bytes, body: bytes) -> str:
        """A base64 signature over `context + body` (checkpoints use their own context)."""
        return base64.b64encode(self.private_key.sign(context + body)).decode()


@dataclass(frozen=True)
class TrustedKeys:
    """The public keys a reader trusts, by key id, with the name of the file each came from."""

    keys: Mapping[str, Ed25519PublicKey]
    names: Mapping[str, str]

    def problem(
        self, event: PlanEvent, content_hash: str | None = None
    ) -> tuple[SealProblem, str] | None:
        """Why this event is not signed by a trusted key over its content, or None.

        `content_hash` is the event's hash recomputed from its content, if the caller has it.
        """
        if event.signature is None or event.key_id is None:
            return SealProblem.UNSIGNED, "the event carries no signature"
        key = self.keys.get(event.key_id)
        if key is None:
            return SealProblem.UNKNOWN_KEY, f"signed by key {event.key_id}, which is not trusted"
        content = content_hash if content_hash is not None else event_hash(event)
        if not self.verify(event.key_id, signed_message(content), event.signature):
            return (
                SealProblem.BAD_SIGNATURE,
                f"the signature of key {self.name_of(event.key_id)} does not match the content",
            )
        return None

    def verify(self, key_id: str, message: bytes, signature: str) -> bool:
        """True when `signature` (base64) is the key's signature over `message`."""
        key = self.keys.get(key_id)
        if key is None:
            return False
        try:
            key.verify(base64.b64decode(signature, validate=True), message)
        except (InvalidSignature, ValueError):
            return False
        return True

    def name_of(self, key_id: str) -> str:
        """The key's file name (without `.pub`) and id, for messages."""
        name = self.names.get(key_id)
        return f"{name} ({key_id})" if name else key_id
