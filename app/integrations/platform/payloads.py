"""PLACEHOLDER of the platform helper's module (replaced at merge): the wire format of the
messages pushed to the city credit-sharing platform and of its receipts, exactly as the
interface between the push and the platform helpers names them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Self

from pydantic import BaseModel, Field

from app.models.labels import LabelledEnum


class MessageType(LabelledEnum):
    upsert = "upsert", "新增或更新", "add or update"
    correct = "correct", "更正", "correction"
    withdraw = "withdraw", "撤回", "withdrawal"


class Subject(LabelledEnum):
    credit_record = "credit_record", "信用记录", "credit record"
    evaluation = "evaluation", "信用评价", "evaluation"
    disclosure = "disclosure", "失信信息公示", "disclosure"
    repair = "repair", "信用修复", "credit repair"
    objection = "objection", "异议", "objection"
    blacklist_entry = "blacklist_entry", "失信联合惩戒名单列入", "wage-arrears listing"


class Employer(BaseModel):
    uscc: str
    name: str


class DoublePublicityRecord(BaseModel):
    party_name: str = Field(description="行政相对人名称")
    uscc: str = Field(description="统一社会信用代码")
    legal_representative: str | None = Field(default=None, description="法定代表人")
    decision_number: str | None = Field(default=None, description="决定文书号")
    violation_type: str | None = Field(default=None, description="违法行为类型")
    violation_facts: str | None = Field(default=None, description="违法事实")
    legal_basis: str | None = Field(default=None, description="处罚依据")
    penalty_category: str | None = Field(default=None, description="处罚类别")
    penalty_content: str | None = Field(default=None, description="处罚内容")
    fine_amount: Decimal | None = Field(default=None, description="罚款金额（万元）")
    decision_date: date | None = Field(default=None, description="处罚决定日期")
    penalty_valid_until: date | None = Field(default=None, description="处罚有效期")
    publication_end_date: date | None = Field(default=None, description="公示截止期")
    issuing_authority: str | None = Field(default=None, description="处罚机关")
    issuing_authority_uscc: str | None = Field(default=None, description="处罚机关统一社会信用代码")
    data_source_unit: str | None = Field(default=None, description="数据来源单位")
    data_source_unit_uscc: str | None = Field(
        default=None, description="数据来源单位统一社会信用代码"
    )
    remarks: str | None = Field(default=None, description="备注")

    @classmethod
    def from_record(cls, record: Mapping[str, Any], employer: Mapping[str, Any]) -> Self:
        fine = record.get("fine_amount")
        return cls(
            party_name=employer["name"],
            uscc=employer["uscc"],
            legal_representative=employer.get("legal_representative"),
            decision_number=record.get("decision_number"),
            violation_type=record.get("violation_type"),
            violation_facts=record.get("violation_facts"),
            legal_basis=record.get("legal_basis"),
            penalty_category=record.get("penalty_category"),
            penalty_content=record.get("penalty_content"),
            fine_amount=Decimal(fine) / 10000 if fine is not None else None,
            decision_date=record.get("decision_date"),
            penalty_valid_until=record.get("penalty_valid_until"),
            publication_end_date=record.get("publication_end_date"),
            issuing_authority=record.get("issuing_authority"),
            issuing_authority_uscc=record.get("issuing_authority_uscc"),
            data_source_unit=record.get("data_source_unit"),
            data_source_unit_uscc=record.get("data_source_unit_uscc"),
            remarks=record.get("remarks"),
        )


class Message(BaseModel):
    message_id: uuid.UUID
    type: MessageType
    sequence: int
    occurred_at: datetime
    subject: Subject
    subject_id: uuid.UUID
    employer: Employer
    record: DoublePublicityRecord | None = None
    data: dict[str, Any] = {}


class Receipt(BaseModel):
    message_id: uuid.UUID
    status: Literal["accepted", "rejected"]
    acceptance_number: str | None = None
    reasons: list[str] = []
    received_at: datetime
