"""The wire format of messages to the city platform, and of its receipts.

A `Message` is one change the platform must learn of (Art 7, 16), numbered per employer
(`sequence` 1, 2, 3 ... without gaps) so the platform can apply them in order. A penalty record
travels in the national double-publicity field set (双公示, DOMAIN §2) as `DoublePublicityRecord`:
the fine in 10,000 yuan (万元, the platform's unit), an exact decimal converted from our yuan at
this edge. No personal data (ID numbers, phone numbers) is in any field.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from app.models.credit_record import PenaltyCategory
from app.models.labels import LabelledEnum

FINE_PLACES = Decimal("0.000001")  # yuan to two places, so 万元 to six: exact
_FINE_EXPONENT = -6


class MessageType(LabelledEnum):
    upsert = "upsert", "新增或更新", "new or updated"
    correct = "correct", "更正", "correction (an earlier message was wrong)"
    withdraw = "withdraw", "撤回", "withdrawal (stop publishing and sharing)"


class Subject(LabelledEnum):
    credit_record = "credit_record", "信用记录", "credit record"
    evaluation = "evaluation", "信用等级评价", "credit grade"
    disclosure = "disclosure", "公开信息", "public disclosure"
    repair = "repair", "信用修复", "credit repair"
    objection = "objection", "异议处理", "objection"
    blacklist_entry = (
        "blacklist_entry",
        "拖欠农民工工资失信联合惩戒对象名单",
        "wage-arrears listing",
    )


class Employer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uscc: str = Field(description="统一社会信用代码 / unified social credit code")
    name: str = Field(description="用人单位名称 / employer name")


def _optional(description: str) -> Any:
    return Field(default=None, description=description)


class DoublePublicityRecord(BaseModel):
    """行政处罚信息 in the national double-publicity field set (双公示)."""

    model_config = ConfigDict(extra="forbid")

    party_name: str = Field(description="行政相对人名称 / name of the party")
    party_category: str | None = _optional("行政相对人类别 / category of the party")
    party_uscc: str = Field(description="行政相对人统一社会信用代码 / the party's USCC")
    legal_representative: str | None = _optional(
        "法定代表人 / legal representative (the name only: no ID type or number)"
    )
    decision_number: str | None = _optional("行政处罚决定书文号 / decision number")
    violation_type: str | None = _optional("违法行为类型 / violation type")
    violation_facts: str | None = _optional("违法事实 / facts of the violation")
    legal_basis: str | None = _optional("处罚依据 / legal basis")
    penalty_category: str | None = _optional("处罚类别 / penalty category (警告, 罚款 ...)")
    penalty_content: str | None = _optional("处罚内容 / content of the penalty")
    fine_amount_10k_yuan: Decimal | None = _optional(
        "罚款金额（万元）/ fine in 10,000 yuan: an exact decimal string, our yuan / 10000"
    )
    decision_date: date | None = _optional("处罚决定日期 / decision date (Asia/Shanghai)")
    penalty_valid_until: date | None = _optional("处罚有效期 / the penalty is in force until")
    publication_end_date: date | None = _optional("公示截止期 / publication ends on")
    authority: str | None = _optional("处罚机关 / issuing authority")
    authority_uscc: str | None = _optional("处罚机关统一社会信用代码 / the authority's USCC")
    data_source_unit: str | None = _optional("数据来源单位 / data-source unit")
    data_source_unit_uscc: str | None = _optional("数据来源单位统一社会信用代码 / its USCC")
    remarks: str | None = _optional("备注 / remarks")

    @classmethod
    def from_record(cls, record: Mapping[str, Any], employer: Mapping[str, Any]) -> Self:
        """A credit record's fields (a CreditRecord dumped, or its JSON) and its employer's
        (name, uscc, legal_representative, subject_type) in the national field set. Fields
        holding personal data (ID numbers, phones) are never read."""
        return cls(
            party_name=employer["name"],
            party_category=_party_category(employer.get("subject_type")),
            party_uscc=employer["uscc"],
            legal_representative=employer.get("legal_representative"),
            decision_number=record.get("decision_number"),
            violation_type=record.get("violation_type"),
            violation_facts=record.get("violation_facts"),
            legal_basis=record.get("legal_basis"),
            penalty_category=_penalty_category(record.get("penalty_category")),
            penalty_content=record.get("penalty_content"),
            fine_amount_10k_yuan=ten_thousand_yuan(record.get("fine_amount")),
            decision_date=record.get("decision_date"),
            penalty_valid_until=record.get("penalty_valid_until"),
            publication_end_date=record.get("publication_end_date"),
            authority=record.get("issuing_authority"),
            authority_uscc=record.get("issuing_authority_uscc"),
            data_source_unit=record.get("data_source_unit"),
            data_source_unit_uscc=record.get("data_source_unit_uscc"),
            remarks=record.get("remarks"),
        )


def ten_thousand_yuan(yuan: Decimal | str | int | None) -> Decimal | None:
    """Yuan as 万元, exactly: 12345.67 -> 1.234567. A float is refused (it is not exact)."""
    if yuan is None:
        return None
    if isinstance(yuan, float | bool):
        raise TypeError("a fine is an exact Decimal (or its text), never a float")
    amount = Decimal(yuan).scaleb(-4)
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < _FINE_EXPONENT:  # not finite, or too fine
        raise ValueError(f"a fine in yuan has at most two decimal places, not {yuan}")
    return amount.quantize(FINE_PLACES)


def _penalty_category(value: Any) -> str | None:
    """The category's Chinese name, as the national field set spells it (罚款, 警告 ...)."""
    if value is None:
        return None
    category = PenaltyCategory.matching(str(value))
    return category.zh if category is not None else str(value)


def _party_category(subject_type: Any) -> str | None:
    if subject_type is None:
        return None
    # 个体经济组织 are registered as 个体工商户; every other subject of Art 3 is an organisation
    if str(subject_type) == "individual_economic_organisation":
        return "个体工商户"
    return "法人及非法人组织"


class Message(BaseModel):
    """One change the platform must learn of; the body of `POST {platform_url}/messages`."""

    model_config = ConfigDict(extra="forbid")

    message_id: uuid.UUID = Field(
        description="unique per message; also its webhook-id and Idempotency-Key: a message "
        "sent again (after a timeout, a crash) carries the same id"
    )
    type: MessageType
    sequence: int = Field(ge=1, description="per employer: 1, 2, 3 ... with no gaps")
    occurred_at: datetime = Field(description="when the change happened (UTC)")
    subject: Subject
    subject_id: uuid.UUID = Field(description="the id of the changed thing in this service")
    employer: Employer
    record: DoublePublicityRecord | None = Field(
        default=None, description="for credit_record and blacklist_entry subjects"
    )
    data: dict[str, Any] = Field(
        default_factory=dict,
        description="the rest of the change: a grade, disclosure items, an objection's or a "
        "repair's outcome ...",
    )


class Receipt(BaseModel):
    """The platform's answer to one message: in the response, by callback, or as a file."""

    model_config = ConfigDict(extra="ignore")  # the platform may say more than we read

    message_id: uuid.UUID
    status: Literal["accepted", "rejected"]
    acceptance_number: str | None = Field(
        default=None, description="受理编号: the platform's number for an accepted message"
    )
    reasons: list[str] = Field(default_factory=list, description="why it was rejected")
    received_at: datetime
