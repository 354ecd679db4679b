"""A projection as the projector runs it: the tracking row it moves and the tables it writes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adapters.read_models.tables import TABLE_NAMES
from projections.projection import Projection
from projections.rows import Row

REBUILD_SUFFIX = "__rebuild"
"""Names of the tables and tracking row a rebuild fills before it swaps them in."""


@dataclass(frozen=True)
class Target:
    """The live view of a projection, or the shadow copy a rebuild fills."""

    projection: Projection
    name: str
    tables: Mapping[type[Row], str]

    @classmethod
    def live(cls, projection: Projection) -> Target:
        """The projection's own tables and tracking row."""
        return cls(projection, projection.name, {t: TABLE_NAMES[t] for t in projection.row_types})

    @classmethod
    def shadow(cls, projection: Projection) -> Target:
        """`<table>__rebuild` tables and a `<name>__rebuild` tracking row."""
        return cls(
            projection,
            projection.name + REBUILD_SUFFIX,
            {t: TABLE_NAMES[t] + REBUILD_SUFFIX for t in projection.row_types},
        )
