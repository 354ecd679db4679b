"""Fields added to stored models after the fact, left out of the serialised form at default (pure).

Events are hashed over their canonical JSON and stored as JSON. A field added later with a
default would appear in the dump of every old event once it is loaded, changing its bytes and
breaking its hash. Listing such fields in `additive_fields` leaves them out of the dump while
they hold their default, so an old event (or spec) serialises exactly as it did when recorded,
and a new one that does not use the feature is indistinguishable from an old one.
"""

from __future__ import annotations

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
        fields = type(self).model_fields
        for name in self.additive_fields:
            if getattr(self, name) == fields[name].get_default(call_default_factory=True):
                data.pop(name, None)
        return data
