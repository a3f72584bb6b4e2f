"""Public disclosures of C units (Art 14): one per employer and cycle, made from a final C.

A disclosure is a snapshot of the unit (full name, USCC, legal representative; its town is kept
for search but never shown) and one item per published dishonesty record. It is never deleted:
a withdrawal (the unit left C, or every item ended) is recorded with when and why, and the item
whose publication ends (expired, corrected, revoked, repaired) keeps its row with its end.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import id_field, optional_timestamp_field, timestamp_field
from app.models.credit_record import Severity
from app.models.labels import LabelledEnum


class DisclosureStatus(LabelledEnum):
    published = "published", "公示中", "published"
    withdrawn = "withdrawn", "已撤销公示", "withdrawn"


class ListStatus(LabelledEnum):
    """黄、黑名单情况 (docs/law.md §5 default: black for a listed unit or a serious item)."""

    yellow = "yellow", "黄名单（重点关注名单）", "yellow list (key attention)"
    black = "black", "黑名单（严重失信名单）", "black list (serious dishonesty)"


class WithdrawalReason(LabelledEnum):
    grade_changed = "grade_changed", "单位已不再评为C级", "the unit is no longer graded C"
    items_ended = "items_ended", "全部失信信息已结束公示", "every item's publication ended"


class ItemEnd(LabelledEnum):
    expired = "expired", "公示期满", "publication period ended"
    corrected = "corrected", "信息已更正", "record corrected"
    revoked = "revoked", "信息已撤销", "record revoked"
    repaired = "repaired", "信用修复", "credit repair approved"


class Disclosure(SQLModel, table=True):
    __tablename__ = "disclosures"
    __table_args__ = (
        # one current disclosure per employer and cycle
        sa.Index(
            "uq_disclosures_current",
            "employer_id",
            "cycle",
            unique=True,
            postgresql_where=sa.text("status = 'published'"),
        ),
        # the public list: newest first, and by town
        sa.Index(
            "ix_disclosures_published",
            "published_at",
            "id",
            postgresql_where=sa.text("status = 'published'"),
        ),
        sa.Index(
            "ix_disclosures_town",
            "town",
            "published_at",
            "id",
            postgresql_where=sa.text("status = 'published'"),
        ),
        sa.Index(
            "ix_disclosures_name_trgm",
            "employer_name",
            postgresql_using="gin",
            postgresql_ops={"employer_name": "gin_trgm_ops"},
        ),
        sa.Index("ix_disclosures_uscc", "uscc"),
        sa.CheckConstraint("status IN ('published', 'withdrawn')", name="status_known"),
        sa.CheckConstraint("list_status IN ('yellow', 'black')", name="list_status_known"),
        sa.CheckConstraint(
            "(status = 'published' AND withdrawn_at IS NULL AND withdrawal_reason IS NULL) OR "
            "(status = 'withdrawn' AND withdrawn_at IS NOT NULL AND withdrawal_reason IS NOT NULL)",
            name="withdrawal",
        ),
        sa.CheckConstraint("cycle BETWEEN 2000 AND 2100", name="cycle_range"),
    )

    id: uuid.UUID = id_field()
    employer_id: uuid.UUID = Field(foreign_key="employers.id")
    evaluation_id: uuid.UUID = Field(foreign_key="evaluations.id")
    cycle: int
    status: DisclosureStatus = Field(sa_type=sa.String(16))
    list_status: ListStatus = Field(sa_type=sa.String(16))
    # the unit as published (Art 14); town only for search, never shown
    employer_name: str = Field(max_length=200)
    uscc: str = Field(max_length=18)
    legal_representative: str = Field(max_length=100)
    town: str = Field(max_length=50)
    published_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    withdrawn_at: datetime | None = optional_timestamp_field()
    withdrawal_reason: WithdrawalReason | None = Field(default=None, sa_type=sa.String(32))
    version: int = Field(default=1, description="bumped on every change")
    updated_at: datetime = timestamp_field()


class DisclosureItem(SQLModel, table=True):
    """One published dishonesty record (a version of it: a correction ends the item and a new
    item shows the new version)."""

    __tablename__ = "disclosure_items"
    __table_args__ = (
        sa.UniqueConstraint("disclosure_id", "record_id"),
        # one shown item per record in a disclosure
        sa.Index(
            "uq_disclosure_items_current",
            "disclosure_id",
            "record_key",
            unique=True,
            postgresql_where=sa.text("ended_on IS NULL"),
        ),
        sa.Index(
            "ix_disclosure_items_due",
            "publication_end_date",
            postgresql_where=sa.text("ended_on IS NULL"),
        ),
        sa.Index("ix_disclosure_items_record_key", "record_key"),
        sa.CheckConstraint("severity IN ('general', 'serious')", name="severity_shown"),
        sa.CheckConstraint("(ended_on IS NULL) = (end_reason IS NULL)", name="ended"),
        sa.CheckConstraint(
            "end_reason IS NULL OR end_reason IN ('expired', 'corrected', 'revoked', 'repaired')",
            name="end_reason_known",
        ),
    )

    id: uuid.UUID = id_field()
    disclosure_id: uuid.UUID = Field(foreign_key="disclosures.id")
    record_id: uuid.UUID = Field(foreign_key="credit_records.id")
    record_key: uuid.UUID
    penalty_date: date
    decision_number: str | None = Field(default=None, max_length=100)
    violation: str = Field(max_length=200)
    legal_basis: str | None = Field(default=None, max_length=1000)
    result: str | None = Field(default=None, max_length=2100)
    severity: Severity = Field(sa_type=sa.String(16))
    publication_end_date: date
    repair_available_from: date
    ended_on: date | None = None
    end_reason: ItemEnd | None = Field(default=None, sa_type=sa.String(16))
    disputed: bool = Field(default=False)
    created_at: datetime = timestamp_field()


# --- the public shapes (Art 14 exactly) --------------------------------------------------------


class DisclosureItemPublic(SQLModel):
    id: uuid.UUID
    penalty_date: date = Field(description="处罚决定日期")
    decision_number: str | None = Field(description="行政处罚决定书文号")
    violation: str = Field(description="违法行为（违法行为类型或事由）")
    legal_basis: str | None = Field(description="处罚依据")
    result: str | None = Field(description="处罚结果（处罚类别及内容）")
    dishonesty_level: Severity = Field(description="失信行为等级")
    dishonesty_level_label: str = Field(description="轻微 / 一般 / 严重")
    list_status: ListStatus
    list_status_label: str
    publication_end_date: date = Field(description="公示截止期")
    disputed: bool = Field(description="异议标注: an objection against it is open")


class DisclosurePublic(SQLModel):
    id: uuid.UUID
    cycle: int
    employer_name: str = Field(description="单位全称")
    uscc: str = Field(description="统一社会信用代码")
    legal_representative: str = Field(description="法定代表人或负责人")
    list_status: ListStatus
    list_status_label: str
    published_at: datetime
    items: list[DisclosureItemPublic]


class DisclosurePage(SQLModel):
    items: list[DisclosurePublic]
    next_cursor: str | None = None


class WithdrawnDisclosure(SQLModel):
    """The body of a 410 (besides the problem's fields)."""

    disclosure_id: uuid.UUID
    withdrawn_at: datetime | None
    reason: WithdrawalReason
