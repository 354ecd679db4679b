"""Results kept by reference: what an event records of a value stored apart from it (pure).

A tool result (or a plan output) whose JSON is over the inline limit is stored once, by its
SHA-256, in the store's blob table. The event records a `BlobRef`: the digest, which the hash
chain covers, the size, the media type and a short preview; its `result` (or output) holds the
ref's `view()`, so every view and history shows the preview without knowing about blobs.
Templates read the value itself: the scope hands the expression language the `BlobRef`, which
it loads by digest (a content-addressed read is a pure function of the digest).
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from core.domain.json_value import JsonObject

JSON_MEDIA_TYPE = "application/json"
PREVIEW_CHARACTERS = 200
REF_KEY = "$ref"
"""The key that marks a preview (`view()`) of a value stored by reference."""


class BlobRef(BaseModel):
    """A stored value: `digest` (`sha256:` + hex of its bytes), `size` in bytes, `media_type`,
    and the first `PREVIEW_CHARACTERS` of its text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    digest: str
    size: int
    media_type: str = JSON_MEDIA_TYPE
    preview: str = ""

    @classmethod
    def of(cls, content: bytes, media_type: str = JSON_MEDIA_TYPE) -> BlobRef:
        """The ref of `content` (its text previewed)."""
        text = content[: PREVIEW_CHARACTERS * 4].decode("utf-8", errors="replace")
        preview = text[:PREVIEW_CHARACTERS] + ("…" if len(content) > PREVIEW_CHARACTERS else "")
        return cls(
            digest=cls.digest_of(content),
            size=len(content),
            media_type=media_type,
            preview=preview,
        )

    @staticmethod
    def digest_of(content: bytes) -> str:
        """The digest a ref of `content` names: `sha256:` and the hex of its SHA-256."""
        return f"sha256:{hashlib.sha256(content).hexdigest()}"

    def view(self) -> JsonObject:
        """What views show in place of the value."""
        return {
            REF_KEY: self.digest,
            "size": self.size,
            "media_type": self.media_type,
            "preview": self.preview,
        }


class BlobStore(Protocol):
    """Content-addressed storage beside the events (the port; `adapters.store.blob_store`)."""

    def put(self, ref: BlobRef, content: bytes) -> None:
        """Keep `content` under `ref.digest` (once: the same digest is the same content)."""
        ...

    def get(self, digest: str) -> bytes:
        """The content stored under `digest`; `LookupError` if there is none."""
        ...
