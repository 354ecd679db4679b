"""The expression language of templates and conditions: Jinja2's sandbox, narrowed further."""

from adapters.expressions.jinja_expressions import JinjaExpressions

__all__ = ["JinjaExpressions"]
