"""Which JSON values the event store gives back unchanged."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.json_value import (
    MAX_NESTING,
    out_of_range,
    plainly_storable,
    too_deep,
    unencodable_text,
    unstorable_part,
)


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


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=4)
)
_JSON = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=12,
)


def _nested(depth: int, leaf: object) -> object:
    value = leaf
    for level in range(depth - 1):
        value = [value] if level % 2 else {"k": value}
    return value


@settings(max_examples=400, deadline=None)
@given(_JSON)
def test_the_quick_check_passes_exactly_the_values_every_named_check_passes(value: object) -> None:
    named = (
        too_deep(value, "result") is None
        and unencodable_text(value, "result") is None
        and out_of_range(value, "result") is None
    )

    assert plainly_storable(value) is named


@pytest.mark.parametrize("depth", [MAX_NESTING - 1, MAX_NESTING, MAX_NESTING + 1])
@pytest.mark.parametrize("leaf", [1, [], {}, [1]])
def test_the_quick_check_draws_the_nesting_limit_where_too_deep_does(
    depth: int, leaf: object
) -> None:
    value = _nested(depth, leaf)

    assert plainly_storable(value) is (too_deep(value, "result") is None)
    assert (unstorable_part(value) is None) is (too_deep(value, "result") is None)
