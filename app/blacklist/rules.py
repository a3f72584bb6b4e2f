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
from app.core.i18n import Text, say
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


def describe(entry: BlacklistEntry, settings: Settings, today: date) -> Text:
    """A sentence naming every missing condition, for the 409 of a refused early removal."""
    months = settings.blacklist_early_removal_months
    start = eligible_from(entry, settings)
    words = {
        EarlyRemovalCondition.arrears_paid: Text(
            "足额支付拖欠工资（未登记 arrears_paid_on）",
            "the arrears paid in full (arrears_paid_on not recorded)",
        ),
        EarlyRemovalCondition.waiting_period: Text(
            f"自支付之日起满{months}个月（{entry.arrears_paid_on}支付，{start}起可提前移出）",
            f"{months} months since payment (paid {entry.arrears_paid_on}, eligible from {start})",
        ),
        EarlyRemovalCondition.credit_commitment: Text(
            "书面信用承诺（未登记 commitment_received_on）",
            "a written credit commitment on file (commitment_received_on not recorded)",
        ),
    }
    needs = [words[m] for m in missing(entry, settings, today)]
    return Text(
        f"名单记录 {entry.id} 不符合提前移出条件（人社部令第45号），尚需："
        + "；".join(n.zh for n in needs),
        f"listing {entry.id} is not eligible for early removal (人社部令第45号): it needs "
        + "; ".join(n.en for n in needs),
    )


def problems(data: BlacklistEntryCreate, *, today: date, settings: Settings) -> list[FieldProblem]:
    """Every business-rule problem of a listing decision (types and lengths are pydantic's),
    each said in the request's language."""
    found: list[FieldProblem] = []

    def add(loc: list[str | int], msg: Text, kind: str = "value_error") -> None:
        found.append(FieldProblem(loc=["body", *loc], msg=say(msg), type=kind))

    if data.listed_on > today:
        add(
            ["listed_on"],
            Text(
                f"列入日期 {data.listed_on} 在将来", f"listed_on {data.listed_on} is in the future"
            ),
            "date.future",
        )
    for field in ("listed_on", "payment_deadline"):
        day = getattr(data, field)
        if day < EARLIEST_LEGAL_DATE:
            add(
                [field],
                Text(f"{field} {day} 早于 {EARLIEST_LEGAL_DATE}", f"{field} {day} is before "
                     f"{EARLIEST_LEGAL_DATE}"),
                "date.too_early",
            )  # fmt: skip
    if data.payment_deadline >= data.listed_on:
        add(
            ["payment_deadline"],
            Text(
                f"逾期未支付才能列入；支付期限 payment_deadline {data.payment_deadline} 不早于"
                f"列入日期 listed_on {data.listed_on}",
                f"a unit is listed only after the payment deadline passed unpaid; "
                f"payment_deadline {data.payment_deadline} is not before listed_on "
                f"{data.listed_on}",
            ),
            "blacklist.not_overdue",
        )
    threshold = settings.blacklist_arrears_threshold_yuan
    if data.ground == ListingGround.arrears_over_threshold and data.amount_owed < threshold:
        add(
            ["amount_owed"],
            Text(
                f"拖欠数额 amount_owed {data.amount_owed} 低于列入理由 arrears_over_threshold "
                f"的数额标准{threshold}元",
                f"amount_owed {data.amount_owed} is below the threshold of {threshold} yuan for "
                "the ground arrears_over_threshold",
            ),
            "blacklist.below_threshold",
        )
    seen: dict[str, int] = {}
    for index, person in enumerate(data.responsible_persons):
        number = person.id_number.upper()
        if number in seen:
            add(
                ["responsible_persons", index, "id_number"],
                Text(
                    f"与 responsible_persons[{seen[number]}] 的身份证号码相同",
                    f"the same ID number as responsible_persons[{seen[number]}]",
                ),
                "blacklist.duplicate_person",
            )
        seen.setdefault(number, index)
    return found


def update_problems(
    entry: BlacklistEntry, values: dict[str, Any], *, today: date
) -> list[FieldProblem]:
    found = []

    def add(field: str, msg: Text, kind: str) -> None:
        found.append(FieldProblem(loc=["body", field], msg=say(msg), type=kind))

    for field in ("arrears_paid_on", "commitment_received_on"):
        day = values.get(field)
        if day is not None and day > today:
            add(field, Text(f"{field} {day} 在将来", f"{field} {day} is in the future"),
                "date.future")  # fmt: skip
        if day is not None and day < EARLIEST_LEGAL_DATE:
            add(
                field,
                Text(f"{field} {day} 早于 {EARLIEST_LEGAL_DATE}",
                     f"{field} {day} is before {EARLIEST_LEGAL_DATE}"),
                "date.too_early",
            )  # fmt: skip
    paid = values.get("arrears_paid_on")
    if paid is not None and paid < entry.payment_deadline:
        add(
            "arrears_paid_on",
            Text(
                f"列入依据是支付期限届满时仍未支付；支付日期 arrears_paid_on {paid} 早于支付期限 "
                f"payment_deadline {entry.payment_deadline}",
                f"the listing rests on arrears unpaid at the payment order's deadline; "
                f"arrears_paid_on {paid} is before payment_deadline {entry.payment_deadline}",
            ),
            "date.before_order",
        )
    commitment = values.get("commitment_received_on")
    if commitment is not None and commitment < entry.listed_on:
        add(
            "commitment_received_on",
            Text(
                f"移出所需的信用承诺在列入之后作出；commitment_received_on {commitment} 早于"
                f"列入日期 listed_on {entry.listed_on}",
                f"the credit commitment for removal comes after listing; "
                f"commitment_received_on {commitment} is before listed_on {entry.listed_on}",
            ),
            "value_error",
        )
    return found


def _too_early(field: str, day: date) -> Text:
    return Text(
        f"{field} {day} 早于 {EARLIEST_LEGAL_DATE}",
        f"{field} {day} is before {EARLIEST_LEGAL_DATE}",
    )
