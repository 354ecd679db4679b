"""The `JsonSchemas` port on the `jsonschema` library (Draft 2020-12 unless `$schema` says).

`jsonschema` is imported on first use: only specs that declare an `inputs_schema` need it, and
importing it costs every CLI command about 25 ms.
"""

from __future__ import annotations

from core import JsonObject, JsonValue, SpecProblem


class JsonSchemaChecker:
    """Checks schemas and instances; references to other documents are not followed."""

    def schema_problems(self, schema: JsonObject) -> list[str]:
        from jsonschema import validators
        from jsonschema.exceptions import SchemaError

        try:
            validators.validator_for(schema).check_schema(schema)
        except SchemaError as error:
            where = "".join(f"[{part!r}]" for part in error.path)
            return [f"not a valid JSON Schema{where}: {error.message}"]
        return []

    def instance_problems(self, instance: JsonValue, schema: JsonObject) -> list[SpecProblem]:
        from jsonschema import validators

        validator = validators.validator_for(schema)(schema)
        problems = []
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.path))):
            where = "inputs" + "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.path
            )
            problems.append(SpecProblem(where, error.message))
        return problems
