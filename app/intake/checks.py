"""Checking many credit records sent as raw rows (intake batches, file imports) item by item.

Every row is checked on its own and answered with its own problems; the database is asked once
per batch (employers by USCC), never once per row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import validation
from app.core.clock import Clock
from app.core.errors import FieldProblem
from app.core.i18n import Text, say
from app.employers import service as employers
from app.employers import uscc
from app.models.credit_record import CreditRecordCreate, RecordSource
from app.records import rules


@dataclass
class CheckedRow:
    index: int
    values: dict[str, Any] = field(default_factory=dict)  # as sent, once its shape is right
    content: CreditRecordCreate | None = None  # with its employer and source, when acceptable
    problems: list[FieldProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.content is not None and not self.problems

    def reject(self, column: str, msg: str, kind: str) -> None:
        self.problems.append(FieldProblem(loc=[column], msg=msg, type=kind))
        self.content = None


def content_hash(content: CreditRecordCreate) -> str:
    """Equal for equal content however it was written ("5000" and "5000.00", spaced USCCs)."""
    canonical = json.dumps(
        content.model_dump(), sort_keys=True, ensure_ascii=False, default=_canonical
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _canonical(value: Any) -> str:
    return str(value.normalize()) if isinstance(value, Decimal) else str(value)


async def check(
    *,
    session: AsyncSession,
    raws: list[dict[str, Any]],
    schema: type[BaseModel],
    source: RecordSource | None,
    clock: Clock,
) -> list[CheckedRow]:
    """Shape (schema, which names the employer by `uscc`), employer, then the content rules.

    `source` is the sender's when its key decides it (intake); otherwise each row names its own.
    Problem locations are relative to the row (`["fine_amount"]`).
    """
    rows = [_shape(index, raw, schema) for index, raw in enumerate(raws)]
    shaped = [r for r in rows if r.values]
    codes = {r.index: uscc.normalise(str(r.values["uscc"])) for r in shaped}
    known = await employers.ids_by_uscc(session=session, codes=set(codes.values()))
    today = clock.today()
    for row in shaped:
        employer_id = known.get(codes[row.index])
        if employer_id is None:
            code = codes[row.index]
            msg = Text(
                f"没有以统一社会信用代码 {code} 登记的用人单位",
                f"no employer with USCC {code} is registered",
            )
            row.reject("uscc", say(msg), "unknown")
            continue
        content = {k: v for k, v in row.values.items() if k != "uscc"}
        content.update(employer_id=employer_id, **({"source": source} if source else {}))
        row.content = CreditRecordCreate.model_validate(content)
        row.problems = [
            p.model_copy(update={"loc": p.loc[1:]})
            for p in rules.problems(row.content, today=today)
        ]
    return rows


def _shape(index: int, raw: Any, schema: type[BaseModel]) -> CheckedRow:
    row = CheckedRow(index)
    try:
        row.values = schema.model_validate(raw).model_dump(exclude={"external_id"})
    except ValidationError as exc:
        row.problems = [validation.field_problem(e) for e in exc.errors()]
    return row
