"""What a credit record's content must satisfy, and what is derived from it (docs/law.md §2, §5).

Pure functions over a validated CreditRecordCreate: the lifecycle service and intake share them,
and a batch can check every item without touching the database (employers are checked apart).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.core.clock import add_months
from app.core.config import Settings
from app.core.errors import FieldProblem, InvalidField
from app.employers import uscc
from app.models.credit_record import (
    KIND_CATEGORY,
    CreditRecordCreate,
    PenaltyCategory,
    RecordCategory,
    Rectification,
    Severity,
)

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

    def add(field: str | list[str], msg: str, kind: str = "value_error") -> None:
        loc: list[str | int] = ["body", *([field] if isinstance(field, str) else field)]
        found.append(FieldProblem(loc=loc, msg=msg, type=kind))

    for path, day in _legal_dates(data):
        if day < EARLIEST_LEGAL_DATE:
            add(path, f"{path[-1]} {day} is before {EARLIEST_LEGAL_DATE}: not a date of a "
                "labour-security record (a typing error?)", "date.too_early")  # fmt: skip
    _rectification_problems(data, today, add)
    expected = KIND_CATEGORY[data.kind]
    if data.category != expected:
        add("kind", f"kind {data.kind} belongs to category {expected}, not {data.category}")
    if data.occurred_date > today:
        add("occurred_date", f"occurred_date {data.occurred_date} is in the future", "date.future")
    if data.decision_date and data.decision_date > today:
        add("decision_date", f"decision_date {data.decision_date} is in the future", "date.future")
    if data.fine_amount is not None and data.penalty_category is None:
        add("fine_amount", "a fine_amount needs a penalty_category (fine)", "fine.no_category")
    if data.penalty_category == PenaltyCategory.fine and data.fine_amount is None:
        add("fine_amount", "penalty_category fine needs the fine_amount in yuan")
    dishonesty_only = {"punished": data.punished, "serious_conditions": data.serious_conditions}
    for field, value in dishonesty_only.items():
        if value and data.category != RecordCategory.dishonesty:
            add(field, f"{field} applies to dishonesty records only")
    if data.punished and data.decision_date is None:
        add("decision_date", "a punished (查处) record needs its decision_date (DOMAIN §3)")
    for field in USCC_FIELDS:
        code = getattr(data, field)
        if code:
            try:
                uscc.validate(code)
            except uscc.UsccError as exc:
                add(field, str(exc), f"uscc.{exc.rule}")
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
            add(["rectification", name], f"{name} {day} is in the future", "date.future")
        elif data.decision_date and day < data.decision_date:
            add(["rectification", name], f"{name} {day} is before the decision_date "
                f"{data.decision_date} it answers", "date.before_decision")  # fmt: skip


def check(data: CreditRecordCreate, *, today: date) -> None:
    """Raise one 422 listing every problem of the content."""
    found = problems(data, today=today)
    if found:
        raise invalid(found)


def invalid(found: list[FieldProblem]) -> InvalidField:
    error = InvalidField(list(found[0].loc), "; ".join(p.msg for p in found), kind=found[0].type)
    error.errors = found
    return error


def columns(data: CreditRecordCreate, settings: Settings) -> dict[str, Any]:
    """The table columns of checked content, derived values included."""
    values = data.model_dump(exclude={"rectification"})
    for field in USCC_FIELDS:
        if values[field]:
            values[field] = uscc.normalise(values[field])
    values["serious_conditions"] = sorted({c.value for c in data.serious_conditions})
    rectification = data.rectification or Rectification()
    values["rectification_ordered_date"] = rectification.ordered_date
    values["rectified_date"] = rectification.rectified_date
    values["penalty_performed_date"] = rectification.penalty_performed_date
    values["publication_end_date"] = publication_end_date(
        data.severity, data.decision_date, settings
    )
    values["in_catalogue"] = in_catalogue(data, settings)
    return values
