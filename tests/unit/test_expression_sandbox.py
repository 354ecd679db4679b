"""The expression sandbox: templates and conditions cannot reach Python internals, files or imports.

Each escape attempt must be refused with an `ExpressionError` whose message says why, both when
the spec is validated (`step_references`) and if it ever reached evaluation (`render`, `test`).
"""

from __future__ import annotations

import pytest

from adapters.expressions import JinjaExpressions
from core.domain.errors import ExpressionError

SCOPE = {
    "steps": {
        "a": {"result": {"n": 3, "items": [1, 2], "key": "__class__"}, "status": "completed"}
    },
    "plan": {"inputs": {"env": "prod", "attr": "__globals__"}},
}

ESCAPES = [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "is not allowed"),
    ("{{ cycler.__init__.__globals__ }}", "unknown name 'cycler'"),
    ("{{ joiner.__init__.__globals__.os }}", "unknown name 'joiner'"),
    ("{{ namespace.__init__.__globals__ }}", "unknown name 'namespace'"),
    ("{{ self.__dict__ }}", "unknown name 'self'"),
    ("{{ self._TemplateReference__context }}", "unknown name 'self'"),
    ("{% import 'os' as os %}{{ os.system('id') }}", "statements are not allowed"),
    ("{% include '/etc/passwd' %}", "statements are not allowed"),
    ("{% extends '/etc/passwd' %}", "statements are not allowed"),
    ("{% for x in steps.a.result.items %}{{ x }}{% endfor %}", "statements are not allowed"),
    ("{% set x = 1 %}", "statements are not allowed"),
    ("{{ lipsum.__globals__['os'].popen('id').read() }}", "unknown name 'lipsum'"),
    ("{{ __builtins__ }}", "unknown name '__builtins__'"),
    ("{{ steps.a.result.__builtins__ }}", "'__builtins__' is not allowed"),
    ("{{ steps['a'].result['__class__'] }}", "'__class__' is not allowed"),
    ("{{ steps.a.result[steps.a.result.key] }}", "unsafe"),
    ("{{ config.items() }}", "unknown name 'config'"),
    ("{{ request.application.__globals__ }}", "unknown name 'request'"),
    ("{{ range(10**10) }}", "unknown name 'range'"),
    ("{{ 10**10**10 }}", "operator ** is not allowed"),
    ("{{ 'x' * 10000000 }}", "would build more than"),
    ("{{ [0] * 1000 }}", "does not repeat lists"),
    ("{{ (['x' * 99999] * 99999) | join }}", "does not repeat lists"),
    ("{{ " + " ~ ".join(["'x' * 99999"] * 11) + " }}", "renders to more than"),
    ("{{ '{:>999999999}'.format(1) }}", "unsafe"),
    ("{{ 'x'.ljust(999999999) }}", "unsafe"),
    ("{{ 'x'.zfill(999999999) }}", "unsafe"),
    ("{{ '{0.__class__}'.format(steps.a.result) }}", "unsafe"),
    ("{{ '%999999999s' % 'x' }}", "string formatting with % is not allowed"),
    ("{{ steps.a.result | attr('__class__') }}", "filter 'attr' is not available"),
    ("{{ steps.a.result.items | random }}", "filter 'random' is not available"),
    ("{{ 'x' | center(999999999) }}", "filter 'center' is not available"),
    ("{{ steps.a.result.n | format('%s') }}", "filter 'format' is not available"),
    ("{{ steps.a.result.n.__class__.__base__ }}", "is not allowed"),
    ("{{ plan.__class__ }}", "is not allowed"),
    ("{{ plan.id }}", "plan has only inputs"),
    ("{{ steps }}", "steps cannot be used alone"),
    ("{{ steps[plan.inputs.env] }}", "with a literal id"),
    ("{{ steps.a.result.n.real.conjugate }}", "not JSON data"),
    ("{{ steps.a.result.missing }}", "UndefinedError"),
    ("{{ x", "TemplateSyntaxError"),
]


@pytest.mark.parametrize(("source", "why"), ESCAPES)
def test_an_escape_attempt_in_a_template_is_refused_with_a_clear_error(
    source: str, why: str
) -> None:
    expressions = JinjaExpressions()

    with pytest.raises(ExpressionError) as raised:
        expressions.render(source, SCOPE)

    assert why in str(raised.value)
    assert source in str(raised.value)


RUN_TIME = (
    "renders to more",
    "unsafe",
    "would build",
    "does not repeat",
    "string formatting",
    "not JSON",
    "UndefinedError",
)


@pytest.mark.parametrize(
    ("source", "why"), [(s, w) for s, w in ESCAPES if not w.startswith(RUN_TIME)]
)
def test_an_escape_attempt_is_refused_already_when_the_spec_is_validated(
    source: str, why: str
) -> None:
    with pytest.raises(ExpressionError) as raised:
        JinjaExpressions().step_references(source, condition=False)

    assert why in str(raised.value)


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("''.__class__.__mro__[1].__subclasses__()", "is not allowed"),
        ("cycler.__init__.__globals__", "unknown name 'cycler'"),
        ("lipsum.__globals__", "unknown name 'lipsum'"),
        ("range(10**10) | length > 0", "unknown name 'range'"),
        ("steps.a.result[steps.a.result.key]", "unsafe"),
        ("steps.a.result.n == 3 }}{% import 'os' as os %}{{ 1", "one expression"),
        ("steps.a.result.missing > 1", "UndefinedError"),
    ],
)
def test_an_escape_attempt_in_a_condition_is_refused_with_a_clear_error(
    source: str, why: str
) -> None:
    expressions = JinjaExpressions()

    with pytest.raises(ExpressionError) as raised:
        expressions.test(source, SCOPE)

    assert why in str(raised.value)


def test_plain_data_access_filters_and_comparisons_still_work() -> None:
    expressions = JinjaExpressions()

    assert expressions.render("{{ steps.a.result.items | length }}", SCOPE) == 2
    assert expressions.render("{{ steps.a.result.items }}", SCOPE) == [1, 2]
    assert expressions.render("n={{ steps.a.result.n }} {{ steps.a.result.items }}", SCOPE) == (
        "n=3 [1, 2]"
    )
    assert expressions.test("steps.a.result.n == 3 and plan.inputs.env == 'prod'", SCOPE)
    assert not expressions.test("steps.a.result.n is not defined", SCOPE)


def test_references_name_exactly_the_steps_read() -> None:
    expressions = JinjaExpressions()

    found = expressions.step_references(
        "{{ steps.a.result }}-{{ steps['b-2'].status }}-{{ plan.inputs.x }}", condition=False
    )

    assert found == frozenset({"a", "b-2"})
