"""What a listing must satisfy and what is derived from it (人社部令第45号, docs/law.md §7).

Pure functions: the term and its expiry date, early-removal eligibility (arrears paid, the
waiting period since payment, a written credit commitment on file), and the business-rule
problems of a listing or of a later update. The periods and the threshold are settings.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.core.clock import add_months
from app.core.config import Settings
from app.core.errors import FieldProblem
from app.models.blacklist import (
    BlacklistEntry,
    BlacklistEntryCreate,
    EarlyRemovalCondition,
    ListingGround,
    ListingStatus,
)
from app.records.rules import EARLIEST_LEGAL_DATE


def expires_on(listed_on: date, settings: Settings) -> date:
    """The term (3 years by default) counts from the listing decision's date."""
    return add_months(listed_on, 12 * settings.blacklist_term_years)


def eligible_from(entry: BlacklistEntry, settings: Settings) -> date | None:
    """Arrears paid + the waiting period (6 months by default); None until paid."""
    if entry.arrears_paid_on is None:
        return None
    return add_months(entry.arrears_paid_on, settings.blacklist_early_removal_months)


def missing(entry: BlacklistEntry, settings: Settings, today: date) -> list[EarlyRemovalCondition]:
    """What early removal still needs; empty when every condition holds."""
    found = []
    start = eligible_from(entry, settings)
    if start is None:
        found.append(EarlyRemovalCondition.arrears_paid)
    elif today < start:
        found.append(EarlyRemovalCondition.waiting_period)
    if entry.commitment_received_on is None:
        found.append(EarlyRemovalCondition.credit_commitment)
    return found


def eligible(entry: BlacklistEntry, settings: Settings, today: date) -> bool:
    return entry.status == ListingStatus.listed and not missing(entry, settings, today)


def describe(entry: BlacklistEntry, settings: Settings, today: date) -> str:
    """A sentence naming every missing condition, for the 409 of a refused early removal."""
    months = settings.blacklist_early_removal_months
    start = eligible_from(entry, settings)
    words = {
        EarlyRemovalCondition.arrears_paid: "the arrears paid in full (arrears_paid_on not "
        "recorded)",
        EarlyRemovalCondition.waiting_period: f"{months} months since payment (paid "
        f"{entry.arrears_paid_on}, eligible from {start})",
        EarlyRemovalCondition.credit_commitment: "a written credit commitment on file "
        "(commitment_received_on not recorded)",
    }
    needs = "; ".join(words[m] for m in missing(entry, settings, today))
    return (
        f"listing {entry.id} is not eligible for early removal (人社部令第45号): it needs {needs}"
    )


def problems(data: BlacklistEntryCreate, *, today: date, settings: Settings) -> list[FieldProblem]:
    """Every business-rule problem of a listing decision (types and lengths are pydantic's)."""
    found: list[FieldProblem] = []

    def add(loc: list[str | int], msg: str, kind: str = "value_error") -> None:
        found.append(FieldProblem(loc=["body", *loc], msg=msg, type=kind))

    if data.listed_on > today:
        add(["listed_on"], f"listed_on {data.listed_on} is in the future", "date.future")
    for field in ("listed_on", "payment_deadline"):
        day = getattr(data, field)
        if day < EARLIEST_LEGAL_DATE:
            add([field], f"{field} {day} is before {EARLIEST_LEGAL_DATE}", "date.too_early")
    if data.payment_deadline >= data.listed_on:
        add(
            ["payment_deadline"],
            f"a unit is listed only after the payment deadline passed unpaid; payment_deadline "
            f"{data.payment_deadline} is not before listed_on {data.listed_on}",
            "blacklist.not_overdue",
        )
    threshold = settings.blacklist_arrears_threshold_yuan
    if data.ground == ListingGround.arrears_over_threshold and data.amount_owed < threshold:
        add(
            ["amount_owed"],
            f"amount_owed {data.amount_owed} is below the threshold of {threshold} yuan for the "
            "ground arrears_over_threshold",
            "blacklist.below_threshold",
        )
    seen: dict[str, int] = {}
    for index, person in enumerate(data.responsible_persons):
        number = person.id_number.upper()
        if number in seen:
            add(
                ["responsible_persons", index, "id_number"],
                f"the same ID number as responsible_persons[{seen[number]}]",
                "blacklist.duplicate_person",
            )
        seen.setdefault(number, index)
    return found


def update_problems(
    entry: BlacklistEntry, values: dict[str, Any], *, today: date
) -> list[FieldProblem]:
    found = []
    for field in ("arrears_paid_on", "commitment_received_on"):
        day = values.get(field)
        if day is not None and day > today:
            msg = f"{field} {day} is in the future"
            found.append(FieldProblem(loc=["body", field], msg=msg, type="date.future"))
        if day is not None and day < EARLIEST_LEGAL_DATE:
            msg = f"{field} {day} is before {EARLIEST_LEGAL_DATE}"
            found.append(FieldProblem(loc=["body", field], msg=msg, type="date.too_early"))
    paid = values.get("arrears_paid_on")
    if paid is not None and paid < entry.payment_deadline:
        msg = (
            f"the listing rests on arrears unpaid at the payment order's deadline; "
            f"arrears_paid_on {paid} is before payment_deadline {entry.payment_deadline}"
        )
        found.append(
            FieldProblem(loc=["body", "arrears_paid_on"], msg=msg, type="date.before_order")
        )
    commitment = values.get("commitment_received_on")
    if commitment is not None and commitment < entry.listed_on:
        msg = (
            f"the credit commitment for removal comes after listing; commitment_received_on "
            f"{commitment} is before listed_on {entry.listed_on}"
        )
        found.append(
            FieldProblem(loc=["body", "commitment_received_on"], msg=msg, type="value_error")
        )
    return found
