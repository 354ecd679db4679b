"""Bounded evaluation: an expression that would build too much is refused before it builds it.

Each case is a memory bomb from the issue or one of its cousins; each must end as an
`ExpressionError` that says which operation was refused, quickly and without building the
value. Ordinary templates keep working under the same bounds.
"""

from __future__ import annotations

import pytest

from adapters.expressions import JinjaExpressions, limits
from core.domain.errors import ExpressionError

SCOPE = {
    "steps": {
        "a": {
            "result": {"text": "a,b,c", "items": [1, 2, 3], "n": 3, "nested": {"k": [1]}},
            "status": "completed",
        }
    },
    "plan": {"inputs": {"name": "prod"}},
}

BOMBS = [
    ("{{ ('a'*1000).replace('a', 'b'*100000) }}", "replace would build more than"),
    ("{{ ('a'*1000)|join('b'*100000) }}", "join would build more than"),
    ("{{ ('b'*100000).join('a'*1000) }}", "str.join would build more than"),
    ("{{ steps.a.result|tojson(indent=100000) }}", "indent 100000 is wider than"),
    ("{{ steps.a.result|tojson(indent='" + " " * 50 + "') }}", "is wider than"),
    ("{{ " + " + ".join(["('x'*99999)"] * 12) + " }}", "'+' would build more than"),
    ("{{ (" + " ~ ".join(["('x'*99999)"] * 12) + ")|length }}", "'~' renders to more than"),
    ("{{ (('a,' * 50000) ~ ('a,' * 50000)).split(',') }}", "split into 100001 pieces"),
    ("{{ (1).to_bytes(1000000000, 'big') }}", "int.to_bytes is not callable"),
    ("{{ steps.a.result.text.translate({97: 'b' * 99999}) }}", "str.translate is not callable"),
    ("{{ steps.a.result.text.center(999999999) }}", "unsafe"),
    ("{{ [[1], [2]]|sum(start=[]) }}", "adds numbers only"),
    ("{{ ('x' * 99999 ~ 'y' * 99999)|list|length }}", "filter 'list' over 199998 characters"),
    (
        "{{ [" + ", ".join(["('x'*99999)|join('-')"] * 40) + "]|length }}",
        "builds more than 40 MB in all",
    ),
]


@pytest.mark.parametrize(("source", "why"), BOMBS)
def test_an_expression_that_would_build_too_much_is_refused_saying_which_operation(
    source: str, why: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the size bounds are under test here: on a loaded machine the time limit must not win
    monkeypatch.setattr(limits, "TIME_LIMIT_S", 120.0)
    with pytest.raises(ExpressionError) as raised:
        JinjaExpressions().render(source, SCOPE)

    assert why in str(raised.value)


def test_a_condition_is_bounded_as_a_template_is() -> None:
    with pytest.raises(ExpressionError) as raised:
        JinjaExpressions().test("(('a'*1000)|join('b'*100000))|length > 0", SCOPE)

    assert "join would build more than" in str(raised.value)


def test_an_expression_past_the_time_limit_is_stopped_at_its_next_operation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(limits, "TIME_LIMIT_S", -1.0)

    with pytest.raises(ExpressionError) as raised:
        JinjaExpressions().render("{{ steps.a.result.items|join(',') }}", SCOPE)

    assert "ran longer than" in str(raised.value)


@pytest.mark.parametrize(
    "source",
    [
        "{{ " + "(" * 400 + "1" + ")" * 400 + " }}",
        "{{ " + "[" * 400 + "]" * 400 + " }}",
        "{{ " + "-" * 5000 + "1 }}",
    ],
)
def test_deeply_nested_expressions_fail_as_expression_errors_not_as_crashes(source: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        JinjaExpressions().render(source, SCOPE)

    assert source[:20] in str(raised.value)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ steps.a.result.text.split(',') }}", ["a", "b", "c"]),
        ("{{ steps.a.result.items|join('-') }}", "1-2-3"),
        ("{{ steps.a.result.items|map('string')|join }}", "123"),
        ("{{ steps.a.result.items|sum }}", 6),
        ("{{ steps.a.result.text.replace(',', ';') }}", "a;b;c"),
        ("{{ ','.join(['x', 'y']) }}", "x,y"),
        ("{{ steps.a.result.nested|tojson }}", '{"k": [1]}'),
        ("{{ steps.a.result.nested|tojson(indent=2) }}", '{\n  "k": [\n    1\n  ]\n}'),
        ("{{ '<a & b>'|tojson }}", '"\\u003ca \\u0026 b\\u003e"'),
        ("{{ steps.a.result.items + [4] }}", [1, 2, 3, 4]),
        ("{{ 'x' ~ steps.a.result.n ~ 'y' }}", "x3y"),
        ("{{ steps.a.result.nested.keys()|list }}", ["k"]),
        ("{{ plan.inputs.name.upper() }}", "PROD"),
        ("{{ ('x' * 99999)|length }}", 99999),
    ],
)
def test_ordinary_expressions_work_under_the_bounds(source: str, expected: object) -> None:
    assert JinjaExpressions().render(source, SCOPE) == expected
