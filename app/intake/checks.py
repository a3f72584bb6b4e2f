"""Checking many credit records sent as raw rows (intake batches, file imports) item by item.

Every row is checked on its own and answered with its own problems; the database is asked once
per batch (employers by USCC), never once per row.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from json.encoder import encode_basestring
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import Clock
from app.core.errors import FieldProblem
from app.core.i18n import Text, say
from app.employers import service as employers
from app.employers import uscc
from app.intake import reasons
from app.models.credit_record import CreditRecordCreate, RecordSource
from app.records import rules


@dataclass(frozen=True)
class RowProblem:
    """One problem of a row, said in both languages: a file import stores both, so that its
    report reads in whichever language its reader asks for."""

    loc: list[str | int]  # relative to the row: ["fine_amount"]
    text: Text
    type: str

    def in_request_language(self, *prefix: str | int) -> FieldProblem:
        return FieldProblem(loc=[*prefix, *self.loc], msg=say(self.text), type=self.type)


@dataclass
class CheckedRow:
    index: int
    values: dict[str, Any] = field(default_factory=dict)  # as checked by its schema
    content: CreditRecordCreate | None = None  # with its employer and source, when acceptable
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.content is not None and not self.problems

    def reject(self, column: str, text: Text, kind: str) -> None:
        self.problems.append(RowProblem(loc=[column], text=text, type=kind))
        self.content = None


_FIELDS = tuple(CreditRecordCreate.model_fields)
_FIELD_SET = frozenset(_FIELDS)
# Content fields holding a Decimal: hashed normalised, so that "5000" and "5000.00" are equal.
_DECIMAL_FIELDS = tuple(
    name
    for name, info in CreditRecordCreate.model_fields.items()
    if Decimal in (info.annotation, *get_args(info.annotation))
)

_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False)  # json.dumps' text, made once
# The content's keys in json.dumps' sorted order, each as JSON text.
_SORTED_KEYS = tuple(
    (name, encode_basestring(name)) for name in sorted(CreditRecordCreate.model_fields)
)


def content_hash(content: CreditRecordCreate) -> str:
    """Equal for equal content however it was written ("5000" and "5000.00", spaced USCCs).

    The text hashed is the JSON of the content with sorted keys, dates, UUIDs and enums as
    their strings and decimals normalised (`str(value.normalize())`), as `json.dumps` writes it:
    the same text, and so the same hash, as every stored `intake_items.content_hash`. Written
    value by value from the model's own fields in the known order of their keys (half the cost
    of having pydantic turn them into JSON values first, then sorting and walking that dict)."""
    values = content.__dict__
    if values.keys() != _FIELD_SET:
        return _hash(_CANONICAL.encode(_json_values(content)))
    return _hash(
        "{" + ", ".join([f"{key}: {_json_text(values[name])}" for name, key in _SORTED_KEYS]) + "}"
    )


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _json_values(content: CreditRecordCreate) -> dict[str, Any]:
    """The content as JSON values (pydantic's `mode="json"`), decimals normalised."""
    values = content.__pydantic_serializer__.to_python(content, mode="json")
    for name in _DECIMAL_FIELDS:
        amount = getattr(content, name)
        if amount is not None:
            values[name] = str(amount.normalize())
    return values


def _json_text(value: Any) -> str:
    """One value of the content as `_CANONICAL` writes its JSON value (json.dumps' separators,
    keys sorted): what `_json_values` would make of it, written directly."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is date or isinstance(value, uuid.UUID):  # asyncpg's UUID is a subclass
        return f'"{value}"'  # isoformat; the hyphenated lowercase hex
    if kind is Decimal:
        return encode_basestring(str(value.normalize()))
    if isinstance(value, Enum):
        return _json_text(value.value)
    if kind is list:
        return "[" + ", ".join([_json_text(item) for item in value]) + "]"
    if isinstance(value, BaseModel):  # a nested model (the rectification): as pydantic says it
        nested = value.__pydantic_serializer__.to_python(value, mode="json")
        return _CANONICAL.encode(nested)
    return _CANONICAL.encode(value)  # numbers and anything else: the encoder itself


async def check(
    *,
    session: AsyncSession,
    raws: list[dict[str, Any]],
    schema: type[BaseModel],
    source: RecordSource | None,
    clock: Clock,
    from_file: bool = False,
) -> list[CheckedRow]:
    """Shape (schema, which names the employer by `uscc`), employer, then the content rules.

    `source` is the sender's when its key decides it (intake); otherwise each row names its own.
    `from_file`: rows of a clerk's file, whose reasons speak of its columns and forms.
    Problem locations are relative to the row (`["fine_amount"]`).
    """
    rows = [_shape(index, raw, schema, from_file) for index, raw in enumerate(raws)]
    shaped = [r for r in rows if r.values]
    codes = {r.index: uscc.normalise(str(r.values["uscc"])) for r in shaped}
    known = await employers.ids_by_uscc(session=session, codes=set(codes.values()))
    today = clock.today()
    for row in shaped:
        code = codes[row.index]
        employer_id = known.get(code)
        if employer_id is None:  # a registered code is taken as it is (a reviewer's exception)
            _reject_unknown(row, code)
            continue
        content = dict(row.values)
        del content["uscc"]
        content["employer_id"] = employer_id
        if source:
            content["source"] = source
        # Every value was checked by `schema`, whose content fields are CreditRecordCreate's
        # own (and neither has validators of its own): built, not validated a second time.
        row.content = built_content(content)
        row.problems = [
            RowProblem(p.loc[1:], reasons.of_rule(p.loc[1:], p.msg, p.type, row.content), p.type)
            for p in rules.problems(row.content, today=today)
        ]
    return rows


_PLAIN = not CreditRecordCreate.__pydantic_post_init__ and not any(
    info.alias or info.validation_alias for info in CreditRecordCreate.model_fields.values()
)


def built_content(values: dict[str, Any]) -> CreditRecordCreate:
    """`CreditRecordCreate.model_construct(**values)` for checked values: the same model (its
    fields in their order, all of them set), built without model_construct's loop over the
    fields' aliases and defaults when every field is given (a third of a row's checking)."""
    if not _PLAIN or values.keys() != _FIELD_SET:
        return CreditRecordCreate.model_construct(**values)
    content = CreditRecordCreate.__new__(CreditRecordCreate)
    object.__setattr__(content, "__dict__", {name: values[name] for name in _FIELDS})
    object.__setattr__(content, "__pydantic_fields_set__", set(_FIELDS))
    object.__setattr__(content, "__pydantic_extra__", None)
    object.__setattr__(content, "__pydantic_private__", None)
    return content


def _reject_unknown(row: CheckedRow, code: str) -> None:
    """Not registered: because the code itself is wrong (say which rule it breaks), or not."""
    broken = uscc.breaches(code)
    if broken:
        row.reject("uscc", reasons.uscc_breach(broken[0], "uscc"), f"uscc.{broken[0].rule}")
    else:
        row.reject("uscc", reasons.unknown_employer(code), "unknown")


def _shape(index: int, raw: Any, schema: type[BaseModel], from_file: bool) -> CheckedRow:
    row = CheckedRow(index)
    try:
        shaped = schema.model_validate(raw)
        row.values = dict(shaped.__dict__)  # a model's __dict__ holds its fields, in order
        row.values.pop("external_id", None)
    except ValidationError as exc:
        row.problems = [
            RowProblem(list(e["loc"]), reasons.of_validation(e, from_file=from_file), e["type"])
            for e in exc.errors()
        ]
    return row
