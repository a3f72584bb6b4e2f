"""Checking many credit records sent as raw rows (intake batches, file imports) item by item.

Every row is checked on its own and answered with its own problems; the database is asked once
per batch (employers by USCC), never once per row.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
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


async def check(
    *,
    session: AsyncSession,
    raws: list[Any],
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
    rows = _shaped_together(raws, schema)
    if rows is None:  # some row is wrong: each on its own, to say which and why
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
        named: dict[str, Any] = {"employer_id": employer_id}
        if source:
            named["source"] = source
        # Every value was checked by `schema`, whose content fields are CreditRecordCreate's
        # own (and neither has validators of its own): built, not validated a second time.
        row.content = built_content(row.values | named)  # the uscc is no field: left out
        row.problems = [
            RowProblem(p.loc[1:], reasons.of_rule(p.loc[1:], p.msg, p.type, row.content), p.type)
            for p in rules.problems(row.content, today=today)
        ]
    return rows


_PLAIN = not CreditRecordCreate.__pydantic_post_init__ and not any(
    info.alias or info.validation_alias for info in CreditRecordCreate.model_fields.values()
)


def built_content(values: dict[str, Any]) -> CreditRecordCreate:
    """`CreditRecordCreate.model_construct(**values)` for checked values (keys that are no field
    of it left out): the same model (its fields in their order, all of them set), built without
    model_construct's loop over the fields' aliases and defaults when every field is given (a
    third of a row's checking)."""
    try:
        fields = {name: values[name] for name in _FIELDS}
    except KeyError:  # a field not given: model_construct fills in its default
        fields = {}
    if not _PLAIN or not fields:
        return CreditRecordCreate.model_construct(
            **{name: value for name, value in values.items() if name in _FIELD_SET}
        )
    content = CreditRecordCreate.__new__(CreditRecordCreate)
    object.__setattr__(content, "__dict__", fields)
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


def _shaped_together(raws: list[Any], schema: type[BaseModel]) -> list[CheckedRow] | None:
    """Every row shaped by one validation of the whole list (a third quicker than row by row),
    or None when any row is wrong."""
    try:
        shaped = _list_of(schema).validate_python(raws)
    except ValidationError:
        return None
    return [CheckedRow(index, _values(model)) for index, model in enumerate(shaped)]


@functools.cache
def _list_of(schema: type[BaseModel]) -> TypeAdapter[list[BaseModel]]:
    return TypeAdapter(list[schema])  # type: ignore[valid-type]


def _shape(index: int, raw: Any, schema: type[BaseModel], from_file: bool) -> CheckedRow:
    row = CheckedRow(index)
    try:
        row.values = _values(schema.model_validate(raw))
    except ValidationError as exc:
        row.problems = [
            RowProblem(list(e["loc"]), reasons.of_validation(e, from_file=from_file), e["type"])
            for e in exc.errors()
        ]
    return row


def _values(shaped: BaseModel) -> dict[str, Any]:
    """A shaped row's values: its model's __dict__, which holds its fields in order (the model
    itself is dropped), but the external id, which is no content."""
    values = shaped.__dict__
    values.pop("external_id", None)
    return values
