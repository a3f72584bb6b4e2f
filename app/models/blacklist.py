"""The wage-arrears joint-punishment list (拖欠农民工工资失信联合惩戒对象名单, 人社部令第45号).

Four eyes, like a credit record (Art 8): a reviewer enters the listing decision as a **draft**
(not in force, no credit record, not counted by grading); a second reviewer verifies it, which
lists the unit and writes its dishonesty record (C condition 7, Art 13), a credit record of kind
`wage_arrears_listing`, verified, in the same transaction. The term (3 years) counts from the
listing decision's date (`listed_on`), not from the verification.

A listing ends by early removal or at expiry: `removed_on` records the date, the listing's
period is `[listed_on, min(removed_on, expires_on))`, and its record stays verified, because the
listing remains a fact of the years it covered (grading counts it in every cycle that period
overlaps, `grading.facts`). A listing that was wrong is corrected by revoking its record
(/credit-records revocation): the record no longer counts anywhere, and the listing ends as
`revoked` (`blacklist.revocation`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from app.models.base import (
    EXAMPLE_EMPLOYER_ID,
    RequestModel,
    id_field,
    optional_timestamp_field,
    timestamp_field,
)
from app.models.employer import ID_NUMBER_PATTERN
from app.models.labels import LabelledEnum


class ListingGround(LabelledEnum):
    """人社部令第45号 Art 5: ordered to pay by a deadline, did not pay, and one of these."""

    arrears_over_threshold = (
        "arrears_over_threshold",
        "拖欠数额达到认定拒不支付劳动报酬罪数额标准",
        "arrears reach the threshold of the crime of refusing to pay wages",
    )
    group_or_extreme_incident = (
        "group_or_extreme_incident",
        "引发群体性事件、极端事件",
        "caused a group or extreme incident",
    )


class ListingStatus(LabelledEnum):
    # draft: entered, awaiting a second reviewer's verification; not in force
    draft = "draft", "待核实", "draft (awaiting verification)"
    listed = "listed", "名单内", "listed"
    removed = "removed", "提前移出", "removed early"
    expired = "expired", "期满移出", "removed when the term ended"
    revoked = "revoked", "已撤销（列入有误）", "revoked (the listing was wrong)"


class RemovalKind(LabelledEnum):
    # early: arrears paid + waiting period + written credit commitment
    early = "early", "提前移出", "early removal"
    expiry = "expiry", "期满移出", "removal at expiry"  # on or after expires_on


class PartyRole(LabelledEnum):
    """Persons listed with the unit (当事人, 人社部令第45号) and persons interviewed (Art 13)."""

    legal_representative = "legal_representative", "法定代表人", "legal representative"
    principal = "principal", "主要负责人", "principal"
    actual_controller = "actual_controller", "实际控制人", "actual controller"
    directly_responsible = (
        "directly_responsible",
        "直接责任人",
        "directly responsible person",
        "直接负责的主管人员和其他直接责任人员",
    )
    other = "other", "其他人员", "other person", "其他"


# A draft has no record and no verification; a listing in force or ended has both.
VERIFIED = (
    "(status = 'draft' AND credit_record_id IS NULL AND verified_at IS NULL "
    "AND verified_by IS NULL) "
    "OR (status <> 'draft' AND credit_record_id IS NOT NULL AND verified_at IS NOT NULL)"
)
# An ended listing says when, why and on what document it ended.
REMOVAL = (
    "status IN ('draft', 'listed') OR (removed_on IS NOT NULL AND removal_reason IS NOT NULL "
    "AND removal_document IS NOT NULL AND removed_at IS NOT NULL)"
)
REMOVAL_KIND = (
    "(status IN ('draft', 'listed') AND removal_kind IS NULL AND removed_on IS NULL) "
    "OR (status = 'removed' AND removal_kind = 'early' "
    "AND arrears_paid_on IS NOT NULL AND commitment_received_on IS NOT NULL) "
    "OR (status = 'expired' AND removal_kind = 'expiry' AND removed_on >= expires_on) "
    "OR (status = 'revoked' AND removal_kind IS NULL)"
)


class BlacklistEntryBase(SQLModel):
    """The listing decision: what never changes once listed (the database refuses it too)."""

    employer_id: uuid.UUID = Field(foreign_key="employers.id")
    decision_number: str = Field(
        min_length=1, max_length=100, schema_extra={"examples": ["文人社失惩字〔2026〕2号"]}
    )
    listed_on: date = Field(description="date of the listing decision; the term counts from it")
    payment_order_number: str = Field(
        min_length=1,
        max_length=100,
        description="the order to pay wages by a deadline (限期支付工资指令书) that was not obeyed",
        schema_extra={"examples": ["文人社监令字〔2026〕7号"]},
    )
    payment_deadline: date = Field(description="the order's deadline; before listed_on")
    amount_owed: Decimal = Field(
        gt=0, max_digits=14, decimal_places=2, description="wages in arrears, yuan, exact"
    )
    workers_affected: int = Field(ge=1, le=1_000_000)
    ground: ListingGround
    facts: str | None = Field(default=None, max_length=2000, description="违法事实")


class BlacklistEntry(BlacklistEntryBase, table=True):
    __tablename__ = "blacklist_entries"
    __table_args__ = (
        # one listing in force per employer (drafts do not count: see `blacklist.service`)
        sa.Index(
            "uq_blacklist_entries_active",
            "employer_id",
            unique=True,
            postgresql_where=sa.text("status = 'listed'"),
        ),
        # an employer's listings; grading reads the listings' periods from it alone (index-only)
        sa.Index(
            "ix_blacklist_entries_period",
            "employer_id",
            "listed_on",
            postgresql_include=["removed_on", "expires_on"],
        ),
        sa.Index("ix_blacklist_entries_listed", "listed_on", "id"),
        # a record is one listing's; grading finds a listing's period from its record
        sa.Index("uq_blacklist_entries_credit_record_id", "credit_record_id", unique=True),
        sa.CheckConstraint("expires_on > listed_on", name="term"),
        sa.CheckConstraint("payment_deadline < listed_on", name="overdue"),  # 逾期未支付
        sa.CheckConstraint("amount_owed > 0 AND workers_affected > 0", name="arrears"),
        sa.CheckConstraint(VERIFIED, name="verified"),
        # Art 8, two persons: whoever verifies did not enter (listings verified at once before
        # migration 0016 have no verifier)
        sa.CheckConstraint(
            "verified_by IS NULL OR listed_by IS NULL OR verified_by <> listed_by",
            name="two_person",
        ),
        sa.CheckConstraint(REMOVAL, name="removal"),
        sa.CheckConstraint(REMOVAL_KIND, name="removal_kind"),
    )

    id: uuid.UUID = id_field()
    ground: ListingGround = Field(sa_type=sa.String(32))
    amount_owed: Decimal = Field(sa_type=sa.Numeric(14, 2))
    status: ListingStatus = Field(default=ListingStatus.draft, sa_type=sa.String(16))
    expires_on: date
    arrears_paid_on: date | None = None
    commitment_received_on: date | None = None
    removed_on: date | None = None
    removal_kind: RemovalKind | None = Field(default=None, sa_type=sa.String(16))
    removal_reason: str | None = Field(default=None, max_length=1000)
    removal_document: str | None = Field(default=None, max_length=200)
    removed_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    removed_at: datetime | None = optional_timestamp_field()
    credit_record_id: uuid.UUID | None = Field(default=None, foreign_key="credit_records.id")
    listed_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    verified_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    verified_at: datetime | None = optional_timestamp_field()
    version: int = Field(default=1)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class BlacklistPerson(SQLModel, table=True):
    """A responsible person listed with the unit; the ID number is encrypted at rest (Art 8)."""

    __tablename__ = "blacklist_persons"
    __table_args__ = (sa.UniqueConstraint("entry_id", "position"),)

    id: uuid.UUID = id_field()
    entry_id: uuid.UUID = Field(foreign_key="blacklist_entries.id")
    position: int = Field(description="order as given in the decision")
    name: str = Field(max_length=100)
    role: PartyRole = Field(sa_type=sa.String(32))
    id_number_enc: bytes = Field(sa_type=sa.LargeBinary)
    id_number_masked: str = Field(max_length=18)


class ResponsiblePersonCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100, schema_extra={"examples": ["张建国"]})
    role: PartyRole
    id_number: str = Field(
        description="居民身份证号码; personal data",
        # sqlmodel's `regex` is not enforced
        schema_extra={"pattern": ID_NUMBER_PATTERN, "examples": ["141121198505052345"]},
    )


class ResponsiblePersonPublic(SQLModel):
    name: str
    role: PartyRole
    id_number: str = Field(description="masked (1411**********1234) except for admins")
    unreadable_fields: list[str] = Field(
        default_factory=list,
        description="`id_number` when its stored ciphertext does not decrypt for this person "
        "(moved from another row, altered, or under a key no longer configured): shown masked, "
        "even to admins; the service logs it",
    )


class BlacklistEntryCreate(BlacklistEntryBase, RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "employer_id": EXAMPLE_EMPLOYER_ID,
                    "decision_number": "文人社失惩字〔2026〕2号",
                    "listed_on": "2026-11-20",
                    "payment_order_number": "文人社监令字〔2026〕7号",
                    "payment_deadline": "2026-10-20",
                    "amount_owed": "86000.50",
                    "workers_affected": 12,
                    "ground": "arrears_over_threshold",
                    "facts": "拖欠12名农民工工资，经责令限期支付逾期未付",
                    "responsible_persons": [
                        {
                            "name": "张建国",
                            "role": "legal_representative",
                            "id_number": "141121199001011234",
                        }
                    ],
                }
            ]
        },
    )

    responsible_persons: list[ResponsiblePersonCreate] = Field(min_length=1, max_length=20)


class BlacklistEntryUpdate(RequestModel):
    """What happens after listing: send only what changed (null clears a date entered wrongly)."""

    arrears_paid_on: date | None = Field(default=None, description="arrears paid in full on")
    commitment_received_on: date | None = Field(
        default=None, description="written credit commitment (信用承诺书) received on"
    )


class BlacklistRemovalCreate(RequestModel):
    kind: RemovalKind
    reason: str = Field(
        min_length=1,
        max_length=900,
        schema_extra={"examples": ["已足额支付拖欠工资并作出信用承诺"]},
    )
    document: str = Field(
        min_length=1,
        max_length=200,
        description="the removal decision or notice (移出决定)",
        schema_extra={"examples": ["文人社失移字〔2027〕1号"]},
    )


class EarlyRemovalCondition(LabelledEnum):
    # each names what is missing: arrears_paid_on, the months since payment, the commitment
    arrears_paid = "arrears_paid", "已支付拖欠的工资", "arrears paid"
    waiting_period = "waiting_period", "支付后已满规定期限", "waiting period since payment"
    credit_commitment = "credit_commitment", "已作出书面信用承诺", "written credit commitment"


class BlacklistEntryPublic(BlacklistEntryBase):
    id: uuid.UUID
    status: ListingStatus = Field(
        description="draft (awaiting a second reviewer), listed (in force), removed (early), "
        "expired (at the term's end) or revoked (its record was revoked: the listing was wrong)"
    )
    expires_on: date = Field(description="listed_on + the term (3 years, 人社部令第45号)")
    arrears_paid_on: date | None
    commitment_received_on: date | None
    early_removal_eligible_from: date | None = Field(
        description="arrears_paid_on + the waiting period (6 months); null until paid"
    )
    early_removal_eligible: bool = Field(
        description="paid, commitment on file and today on or after early_removal_eligible_from"
    )
    early_removal_missing: list[EarlyRemovalCondition] = Field(
        description="what early removal still needs (empty when eligible)"
    )
    removed_on: date | None = Field(
        description="the day the listing ended: it was in force from listed_on until the day "
        "before the earlier of removed_on and expires_on"
    )
    removal_kind: RemovalKind | None = Field(
        description="null for a draft, a current or a revoked listing"
    )
    removal_reason: str | None
    removal_document: str | None
    removed_by: uuid.UUID | None
    removed_at: datetime | None
    responsible_persons: list[ResponsiblePersonPublic]
    credit_record_id: uuid.UUID | None = Field(
        description="the dishonesty record of this listing, written when it is verified (null "
        "for a draft)"
    )
    listed_by: uuid.UUID | None = Field(description="the reviewer who entered the listing")
    verified_by: uuid.UUID | None = Field(
        description="the second reviewer who verified it (null for a draft, and for listings "
        "verified at entry before verification by a second reviewer existed)"
    )
    verified_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
