"""Which JSON values the event store gives back unchanged."""

from __future__ import annotations

import pytest

from core.domain.json_value import unstorable_part


@pytest.mark.parametrize(
    "value",
    [None, True, 0, -(2**63), 2**63 - 1, 1.5, "text", [1, "a", None], {"a": {"b": [1.0, False]}}],
)
def test_plain_json_within_64_bit_integers_is_storable(value: object) -> None:
    assert unstorable_part(value) is None


@pytest.mark.parametrize(
    ("value", "where"),
    [
        (2**63, "result: integer"),
        ({"a": [0, -(2**64)]}, "result.a[1]: integer"),
        (float("nan"), "result: nan"),
        ({"x": float("inf")}, "result.x: inf"),
    ],
)
def test_values_the_store_would_change_are_found_with_their_path(value: object, where: str) -> None:
    found = unstorable_part(value)

    assert found is not None
    assert found.startswith(where)
