"""What a credit record's content must satisfy, and what is derived from it (docs/law.md §2, §5).

Pure functions over a validated CreditRecordCreate: the lifecycle service and intake share them,
and a batch can check every item without touching the database (employers are checked apart).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from app.core.clock import add_months
from app.core.config import Settings
from app.core.errors import FieldProblem, InvalidField
from app.core.i18n import Text, say
from app.employers import uscc
from app.models.credit_record import (
    KIND_CATEGORY,
    CreditRecordCreate,
    PenaltyCategory,
    RecordCategory,
    Severity,
)
from app.records.errors import RecordInvalid

USCC_FIELDS = ("issuing_authority_uscc", "data_source_unit_uscc")
# No labour-security decision the county holds predates this: an earlier date is a typing error
# (1926 for 2026), never a fact to grade on.
EARLIEST_LEGAL_DATE = date(1990, 1, 1)


def publication_end_date(
    severity: Severity | None, decision_date: date | None, settings: Settings
) -> date | None:
    """docs/law.md §5: counted from the decision date; 0 months (light by default) = not shown."""
    if severity is None or decision_date is None:
        return None
    months = {
        Severity.light: settings.publication_months_light,
        Severity.general: settings.publication_months_general,
        Severity.serious: settings.publication_months_serious,
    }[severity]
    return add_months(decision_date, months) if months else None


def in_catalogue(data: CreditRecordCreate, settings: Settings) -> bool:
    """Art 7: the Lüliang catalogue is configuration (settings.catalogue_*)."""
    if data.kind.value in settings.catalogue_kinds:
        return True
    if data.category.value not in settings.catalogue_categories:
        return False
    return bool(data.decision_number) or not settings.catalogue_requires_decision_number


def problems(data: CreditRecordCreate, *, today: date) -> list[FieldProblem]:
    """Every business-rule problem of one record's content (types and lengths are pydantic's)."""
    found: list[FieldProblem] = []

    def add(field: str | list[str], msg: Text, kind: str = "value_error") -> None:
        loc: list[str | int] = ["body", *([field] if isinstance(field, str) else field)]
        found.append(FieldProblem(loc=loc, msg=say(msg), type=kind))

    for path, day in _legal_dates(data):
        if day < EARLIEST_LEGAL_DATE:
            add(path, Text(f"{path[-1]} {day} 早于 {EARLIEST_LEGAL_DATE}：不是劳动保障记录的日期"
                "（输入错误？）", f"{path[-1]} {day} is before {EARLIEST_LEGAL_DATE}: not a date "
                "of a labour-security record (a typing error?)"), "date.too_early")  # fmt: skip
    _rectification_problems(data, today, add)
    expected = KIND_CATEGORY[data.kind]
    if data.category != expected:
        add("kind", Text(f"种类 {data.kind} 属于类别 {expected}，不是 {data.category}",
            f"kind {data.kind} belongs to category {expected}, not {data.category}"))  # fmt: skip
    for name, when in (
        ("occurred_date", data.occurred_date),
        ("decision_date", data.decision_date),
    ):
        if when and when > today:
            add(
                name,
                Text(f"{name} {when} 在将来", f"{name} {when} is in the future"),
                "date.future",
            )
    if data.fine_amount is not None and data.penalty_category is None:
        add("fine_amount", Text("有 fine_amount 就要有 penalty_category（fine，罚款）",
            "a fine_amount needs a penalty_category (fine)"), "fine.no_category")  # fmt: skip
    if data.penalty_category == PenaltyCategory.fine and data.fine_amount is None:
        add("fine_amount", Text("处罚类别为罚款（fine）时要有以元计的 fine_amount",
            "penalty_category fine needs the fine_amount in yuan"))  # fmt: skip
    dishonesty_only = {"punished": data.punished, "serious_conditions": data.serious_conditions}
    for field, value in dishonesty_only.items():
        if value and data.category != RecordCategory.dishonesty:
            add(
                field,
                Text(f"{field} 只用于失信记录", f"{field} applies to dishonesty records only"),
            )
    if data.punished and data.decision_date is None:
        add("decision_date", Text("查处（punished）的记录需要处罚决定日期 decision_date：评价按"
            "这个日期计入周期", "a punished (查处) record needs its decision_date: grading "
            "counts it in the cycle of that date"))  # fmt: skip
    for field in USCC_FIELDS:
        code = getattr(data, field)
        if code:
            try:
                uscc.validate(code)
            except uscc.UsccError as exc:
                add(field, exc.text, f"uscc.{exc.rule}")
    return found


def _legal_dates(data: CreditRecordCreate) -> list[tuple[list[str], date]]:
    dates = [(["occurred_date"], data.occurred_date), (["decision_date"], data.decision_date),
             (["penalty_valid_until"], data.penalty_valid_until)]  # fmt: skip
    if data.rectification:
        for name, day in data.rectification.model_dump().items():
            dates.append((["rectification", name], day))
    return [(field, day) for field, day in dates if day is not None]


def _rectification_problems(data: CreditRecordCreate, today: date, add: Any) -> None:
    """Art 17 takes a record as rectified by these dates: each must be one that can be so."""
    if data.rectification is None:
        return
    for name in ("rectified_date", "penalty_performed_date"):
        day = getattr(data.rectification, name)
        if day is None:
            continue
        if day > today:
            add(["rectification", name], Text(f"{name} {day} 在将来",
                f"{name} {day} is in the future"), "date.future")  # fmt: skip
        elif data.decision_date and day < data.decision_date:
            add(["rectification", name], Text(f"{name} {day} 早于它所回应的处罚决定日期 "
                f"{data.decision_date}", f"{name} {day} is before the decision_date "
                f"{data.decision_date} it answers"), "date.before_decision")  # fmt: skip


def check(data: CreditRecordCreate, *, today: date) -> None:
    """Raise one 422 listing every problem of the content."""
    found = problems(data, today=today)
    if found:
        raise invalid(found)


def invalid(found: list[FieldProblem], kind: type[InvalidField] = RecordInvalid) -> InvalidField:
    """One 422 of `kind` listing every problem (their messages are in the request's language)."""
    detail = Text("；".join(p.msg for p in found), "; ".join(p.msg for p in found))
    error = kind(list(found[0].loc), detail, kind=found[0].type)
    error.errors = found
    return error


_RECTIFICATION_COLUMNS = (
    ("rectification_ordered_date", "ordered_date"),
    ("rectified_date", "rectified_date"),
    ("penalty_performed_date", "penalty_performed_date"),
)


def columns(data: CreditRecordCreate, settings: Settings) -> dict[str, Any]:
    """The table columns of checked content, derived values included."""
    return {name: values[0] for name, values in column_values([data], settings).items()}


def column_values(
    contents: Sequence[CreditRecordCreate], settings: Settings
) -> dict[str, list[Any]]:
    """`columns` of many contents at once, a list of values per column in the contents' order:
    a batch's COPY takes its rows from these lists, never building a dict per row."""
    # The content's values as they are: its __dict__ holds its fields in order, and no field
    # has a serialiser of its own, so model_dump would only have copied them (at several µs a row).
    if not contents:
        return {}
    fields = [data.__dict__ for data in contents]
    names = [name for name in fields[0] if name != "rectification"]
    found = {name: [values[name] for values in fields] for name in names}
    for field in USCC_FIELDS:
        found[field] = [uscc.normalise(code) if code else code for code in found[field]]
    found["serious_conditions"] = [
        sorted({c.value for c in conditions}) for conditions in found["serious_conditions"]
    ]
    # No rectification: no dates (a Rectification() made per row cost more than the rest here).
    rectifications = [data.rectification for data in contents]
    for column, name in _RECTIFICATION_COLUMNS:
        found[column] = [getattr(r, name) if r is not None else None for r in rectifications]
    found["publication_end_date"] = [
        publication_end_date(data.severity, data.decision_date, settings) for data in contents
    ]
    found["in_catalogue"] = [in_catalogue(data, settings) for data in contents]
    return found
