"""Fields added to stored models after the fact, left out of the serialised form at default (pure).

Events are hashed over their canonical JSON and stored as JSON. A field added later with a
default would appear in the dump of every old event once it is loaded, changing its bytes and
breaking its hash. Listing such fields in `additive_fields` leaves them out of the dump while
they hold their default, so an old event (or spec) serialises exactly as it did when recorded,
and a new one that does not use the feature is indistinguishable from an old one.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer


class AdditiveFields(BaseModel):
    """A model whose `additive_fields` are dumped only when they differ from their default."""

    additive_fields: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _omit_additive_defaults(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if not self.additive_fields or not isinstance(data, dict):
            return data
        for name, default in _additive_defaults(type(self)).items():
            if getattr(self, name) == default:
                data.pop(name, None)
        return data


@functools.cache
def _additive_defaults(model: type[AdditiveFields]) -> dict[str, Any]:
    """Each additive field's default, made once per class: asking pydantic for a default on
    every dump (which inspects a factory's signature) cost more than the rest of the dump.
    Only compared with, never handed out, so a mutable default stays as made."""
    fields = model.model_fields
    return {
        name: fields[name].get_default(call_default_factory=True)
        for name in sorted(model.additive_fields)
    }
