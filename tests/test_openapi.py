"""The OpenAPI document auditors read offline must be whole and true: every reference resolves,
every example is valid by its own schema (and a USCC example by the service's validator)."""

from __future__ import annotations

import operator
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

from app.employers import uscc


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for k, v in node.items() if k != "$ref"))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


async def test_every_schema_reference_resolves(client):
    document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    missing = {ref for ref in _refs(document) if ref.rsplit("/", 1)[-1] not in schemas}
    assert not missing
    item = schemas["IntakeRecord"]  # intake items are checked one by one, documented by name
    assert {"external_id", "uscc", "kind"} <= set(item["properties"])


# --- every example in the document is valid by its own schema ------------------------------
# jsonschema is not a dependency: a small checker of the keywords the document uses. A keyword
# or format it does not know fails the test, so the checker cannot quietly pass an example.

_ANNOTATIONS = {"title", "description", "default", "examples", "example", "readOnly"}
_ANNOTATIONS |= {"writeOnly", "deprecated", "contentMediaType", "contentEncoding"}
_ANNOTATIONS |= {"x-enum-descriptions"}  # each enum value's labels (app/models/labels.py)
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
_DATE = r"\d{4}-\d{2}-\d{2}"
_FORMATS: dict[str, Callable[[str], object]] = {
    "date": lambda v: re.fullmatch(_DATE, v) and date.fromisoformat(v),
    "date-time": lambda v: (
        re.fullmatch(_DATE + r"T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", v)
        and datetime.fromisoformat(v)
    ),
    "uuid": lambda v: len(v) == 36 and uuid.UUID(v),
    "password": lambda v: True,  # a hint to the docs UI, no constraint
}


def _errors(value: Any, schema: dict[str, Any], schemas: dict[str, Any]) -> list[str]:
    """Why `value` does not satisfy `schema` (empty when it does)."""
    found: list[str] = []
    for keyword, rule in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        check = _KEYWORDS.get(keyword)
        if keyword == "additionalProperties":  # only keys that `properties` does not name
            problem = _additional(value, rule, schemas, known=schema.get("properties", {}))
        elif check is None:
            problem = f"the checker does not know keyword {keyword!r}"
        else:
            problem = check(value, rule, schemas)
        if problem is not None:
            found.append(f"{keyword}: {problem}")
    return found


def _type(value: Any, rule: str | list[str], _: dict[str, Any]) -> str | None:
    allowed = [rule] if isinstance(rule, str) else rule
    return None if any(_TYPES[t](value) for t in allowed) else f"{value!r} is not {rule}"


def _format(value: Any, rule: str, _: dict[str, Any]) -> str | None:
    if not isinstance(value, str):
        return None
    if rule not in _FORMATS:
        return f"the checker does not know format {rule!r}"
    try:
        return None if _FORMATS[rule](value) else f"{value!r} is not a {rule}"
    except ValueError:
        return f"{value!r} is not a {rule}"


def _bounded(
    measure: Callable[[Any], Any], applies: Callable[[Any], bool], holds: Callable[[Any, Any], bool]
) -> Callable[[Any, Any, dict[str, Any]], str | None]:
    def check(value: Any, rule: Any, _: dict[str, Any]) -> str | None:
        if not applies(value) or holds(measure(value), rule):
            return None
        return f"{value!r} breaks {rule!r}"

    return check


def _is_number(value: Any) -> bool:
    return _TYPES["number"](value)


def _any_of(value: Any, rule: list[dict[str, Any]], schemas: dict[str, Any]) -> str | None:
    matches = any(not _errors(value, option, schemas) for option in rule)
    return None if matches else f"{value!r} matches none of {rule!r}"


def _one_of(value: Any, rule: list[dict[str, Any]], schemas: dict[str, Any]) -> str | None:
    matches = sum(not _errors(value, option, schemas) for option in rule)
    return None if matches == 1 else f"{value!r} matches {matches} of {rule!r}, not one"


def _all_of(value: Any, rule: list[dict[str, Any]], schemas: dict[str, Any]) -> str | None:
    failed = [e for option in rule for e in _errors(value, option, schemas)]
    return "; ".join(failed) or None


def _ref(value: Any, rule: str, schemas: dict[str, Any]) -> str | None:
    return "; ".join(_errors(value, schemas[rule.rsplit("/", 1)[-1]], schemas)) or None


def _items(value: Any, rule: dict[str, Any], schemas: dict[str, Any]) -> str | None:
    if not isinstance(value, list):
        return None
    return "; ".join(e for item in value for e in _errors(item, rule, schemas)) or None


def _properties(value: Any, rule: dict[str, Any], schemas: dict[str, Any]) -> str | None:
    if not isinstance(value, dict):
        return None
    failed = [e for k, s in rule.items() if k in value for e in _errors(value[k], s, schemas)]
    return "; ".join(failed) or None


def _additional(value: Any, rule: Any, schemas: dict[str, Any], known: Any = ()) -> str | None:
    if not isinstance(value, dict) or rule is True:
        return None
    extra = {k: v for k, v in value.items() if k not in known}
    if rule is False:
        return f"unexpected {sorted(extra)}" if extra else None
    return "; ".join(e for v in extra.values() for e in _errors(v, rule, schemas)) or None


def _property_names(value: Any, rule: dict[str, Any], schemas: dict[str, Any]) -> str | None:
    if not isinstance(value, dict):
        return None
    return "; ".join(e for k in value for e in _errors(k, rule, schemas)) or None


def _required(value: Any, rule: list[str], _: dict[str, Any]) -> str | None:
    missing = [k for k in rule if isinstance(value, dict) and k not in value]
    return f"missing {missing}" if missing else None


_KEYWORDS: dict[str, Callable[[Any, Any, dict[str, Any]], str | None]] = {
    "type": _type,
    "format": _format,
    "enum": lambda v, rule, _: None if v in rule else f"{v!r} is not one of {rule!r}",
    "const": lambda v, rule, _: None if v == rule else f"{v!r} is not {rule!r}",
    "pattern": lambda v, rule, _: (
        None if not isinstance(v, str) or re.search(rule, v) else f"{v!r} does not match {rule}"
    ),
    "minLength": _bounded(len, lambda v: isinstance(v, str), operator.ge),
    "maxLength": _bounded(len, lambda v: isinstance(v, str), operator.le),
    "minItems": _bounded(len, lambda v: isinstance(v, list), operator.ge),
    "maxItems": _bounded(len, lambda v: isinstance(v, list), operator.le),
    "minimum": _bounded(lambda v: v, _is_number, operator.ge),
    "maximum": _bounded(lambda v: v, _is_number, operator.le),
    "exclusiveMinimum": _bounded(lambda v: v, _is_number, operator.gt),
    "exclusiveMaximum": _bounded(lambda v: v, _is_number, operator.lt),
    "anyOf": _any_of,
    "oneOf": _one_of,
    "allOf": _all_of,
    "$ref": _ref,
    "items": _items,
    "properties": _properties,
    "propertyNames": _property_names,
    "required": _required,
}
_SUBSCHEMAS = ("items", "additionalProperties", "propertyNames")
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf")


def _examples(document: dict[str, Any]) -> list[tuple[str, str, Any, dict[str, Any]]]:
    """(where, field name, example, its schema) for every example of every schema."""
    found: list[tuple[str, str, Any, dict[str, Any]]] = []

    def walk(schema: Any, where: str, field: str) -> None:
        if not isinstance(schema, dict):
            return
        examples = list(schema.get("examples", []))
        examples += [schema["example"]] if "example" in schema else []
        found.extend((where, field, example, schema) for example in examples)
        for name, sub in schema.get("properties", {}).items():
            walk(sub, f"{where}.{name}", name)
        for key in _SUBSCHEMAS:
            walk(schema.get(key), f"{where}[{key}]", field)
        for key in _SUBSCHEMA_LISTS:
            for i, sub in enumerate(schema.get(key, [])):
                walk(sub, f"{where}[{key}][{i}]", field)

    for name, schema in document["components"]["schemas"].items():
        walk(schema, name, name)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} {parameter['in']} {parameter['name']}"
                walk(parameter.get("schema"), where, parameter["name"])
    return found


def test_every_example_of_every_schema_is_valid_by_its_schema(app):
    document = app.openapi()
    examples = _examples(document)
    schemas = document["components"]["schemas"]
    wrong = {
        f"{where}: {example!r}": errors
        for where, _, example, schema in examples
        if (errors := _errors(example, schema, schemas))
    }
    assert not wrong
    assert len(examples) > 50  # the walk reaches properties, nested schemas and parameters
    assert any(where.startswith("GET /api/v1/calendar") for where, *_ in examples)


def test_every_uscc_example_is_valid_by_the_service_s_own_validator(app):
    codes = [(w, ex) for w, field, ex, _ in _examples(app.openapi()) if field.endswith("uscc")]
    assert ("EmployerCreate.uscc", "91141121MA0K2LRN3U") in codes
    for where, code in codes:
        assert uscc.validate(code) == code, where  # valid, and already in normalised form


@pytest.mark.parametrize(
    ("example", "schema"),
    [
        ("E47201", {"type": "string", "maxLength": 5}),
        ("e4720", {"type": "string", "pattern": "^[A-T]([0-9]{2,4})?$"}),
        ("2026-02-30", {"type": "string", "format": "date"}),
        ("2026-02-13 10:00", {"type": "string", "format": "date-time"}),
        ("not-a-uuid", {"type": "string", "format": "uuid"}),
        (2101, {"type": "integer", "maximum": 2100}),
        (True, {"type": "integer"}),
        ("company", {"$ref": "#/components/schemas/SubjectType"}),
        (["2026-01-01", "01-02"], {"type": "array", "items": {"type": "string", "format": "date"}}),
        ({"x": "元旦"}, {"type": "object", "propertyNames": {"format": "date"}}),
        ({"A": "950"}, {"type": "object", "additionalProperties": {"type": "integer"}}),
        ({"a": 1, "b": 2}, {"properties": {"a": {}}, "additionalProperties": False}),
        ("", {"anyOf": [{"type": "string", "minLength": 1}, {"type": "null"}]}),
        ("x", {"type": "string", "format": "email"}),  # unknown to the checker: never passed
        ("x", {"type": "string", "contains": {}}),
    ],
)
def test_the_example_checker_refuses_what_its_schema_refuses(app, example, schema):
    assert _errors(example, schema, app.openapi()["components"]["schemas"])
