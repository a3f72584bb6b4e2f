"""Pure derivations of the disclosure (docs/law.md §5, §11): which records are shown, what an
item says, its dates, the unit's list status, and what a repair still lacks."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from app.core.clock import add_months
from app.core.config import Settings
from app.models.credit_record import PenaltyCategory, Severity
from app.models.disclosure import ListStatus
from app.models.repair import RepairCondition

SHOWN = (Severity.general, Severity.serious)  # light: not published (docs/law.md §5 default)


def penalty_date(record: Any) -> date:
    return record.decision_date or record.occurred_date


def publication_end_date(record: Any, settings: Settings) -> date:
    """The record's own 公示截止期, else the decision date + the severity's period."""
    if record.publication_end_date is not None:
        return record.publication_end_date
    months = (
        settings.publication_months_serious
        if record.severity == Severity.serious
        else settings.publication_months_general
    )
    return add_months(penalty_date(record), months)


def repair_available_from(severity: Severity, decided: date, settings: Settings) -> date:
    """国家发展改革委令第36号: general 3 months, serious 1 year, from the decision date."""
    months = (
        settings.repair_months_serious
        if severity == Severity.serious
        else settings.repair_months_general
    )
    return add_months(decided, months)


# What a clerk may have typed into a shown text that identifies a person: a resident ID number
# (18 characters, or the old 15 digits), a mobile or a landline number. Removed from every text
# an item shows (its violation, legal basis and result), which the law names and clerks write.
_PERSONAL = re.compile(
    r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])"  # 身份证号
    r"|(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)"  # 手机号
    r"|(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)"  # 固定电话
)
REMOVED = "［个人信息已隐去］"


def scrub(text: str | None) -> str | None:
    """`text` without ID numbers and phone numbers (Art 14: nothing personal is published)."""
    return None if text is None else _PERSONAL.sub(REMOVED, text)


def violation(record: Any) -> str:
    return str(scrub(str(record.violation_type or record.title)))[:200]


def legal_basis(record: Any) -> str | None:
    return scrub(record.legal_basis)


def result(record: Any) -> str | None:
    """处罚结果: the penalty category's label and the penalty's content."""
    parts = []
    if record.penalty_category:
        parts.append(PenaltyCategory(record.penalty_category).zh)
    if record.penalty_content:
        parts.append(str(scrub(record.penalty_content)))
    return "：".join(parts)[:2100] if parts else None


def list_status(*, listed: bool, serious_item: bool, settings: Settings) -> ListStatus:
    black = (listed and settings.disclosure_black_on_listing) or (
        serious_item and settings.disclosure_black_on_serious_item
    )
    return ListStatus.black if black else ListStatus.yellow


def failing_conditions(
    *,
    available_from: date,
    today: date,
    rectified_date: date | None,
    penalty_performed_date: date | None,
    credit_commitment: bool,
) -> list[RepairCondition]:
    failing = []
    if today < available_from:
        failing.append(RepairCondition.minimum_period)
    if rectified_date is None:
        failing.append(RepairCondition.not_corrected)
    if penalty_performed_date is None:
        failing.append(RepairCondition.penalty_not_performed)
    if not credit_commitment:
        failing.append(RepairCondition.no_commitment)
    return failing
