"""Credit records (信用信息, Art 5–8): versioned, verified by a second person, never deleted."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from pydantic import ConfigDict
from pydantic.json_schema import JsonDict
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from app.models.base import (
    EXAMPLE_EMPLOYER_ID,
    RequestModel,
    id_field,
    optional_timestamp_field,
    timestamp_field,
)
from app.models.labels import LabelledEnum


class RecordCategory(LabelledEnum):
    """Art 6."""

    basic = "basic", "基础信息", "basic information", "基础", "基本信息", "基本"
    good = "good", "良好信息", "good information", "良好"
    dishonesty = "dishonesty", "失信信息", "dishonesty information", "失信"


class RecordSource(LabelledEnum):
    """Art 5."""

    inspection = (
        "inspection",
        "劳动保障监察",
        "labour-security inspection (routine patrols, enforcement)",
        "日常巡视检查",
        "监察执法",
        "日常监察执法",
        "劳动监察",
    )
    complaint = "complaint", "投诉举报", "complaints and reports", "举报投诉", "投诉", "举报"
    written_review = "written_review", "书面审查", "written review", "劳动保障书面审查"
    special_inspection = "special_inspection", "专项检查", "special inspection"
    labour_relations = "labour_relations", "劳动关系", "labour relations"
    arbitration = (
        "arbitration",
        "劳动人事争议仲裁",
        "labour and personnel dispute arbitration",
        "劳动争议仲裁",
        "仲裁",
    )
    social_insurance = "social_insurance", "社会保险", "social insurance", "社保"
    other = "other", "其他", "other"


class RecordKind(LabelledEnum):
    # dishonesty: the nine national evaluation items (人社部规〔2016〕1号 Art 6) and the black list
    internal_rules = (
        "internal_rules",
        "内部劳动保障规章制度",
        "internal labour rules",
        "规章制度",
    )
    labour_contract = "labour_contract", "劳动合同", "labour contracts"
    labour_dispatch = "labour_dispatch", "劳务派遣", "labour dispatch"
    child_labour = "child_labour", "禁止使用童工", "ban on child labour", "童工", "使用童工"
    female_juvenile_protection = (
        "female_juvenile_protection",
        "女职工和未成年工特殊劳动保护",
        "special protection of female and juvenile workers",
        "女职工和未成年工保护",
    )
    working_hours = (
        "working_hours",
        "工作时间和休息休假",
        "working hours, rest and leave",
        "工作时间",
        "休息休假",
    )
    wages = (
        "wages",
        "工资支付和最低工资",
        "wage payment and minimum wage",
        "工资",
        "工资支付",
        "最低工资",
    )
    social_insurance = (
        "social_insurance",
        "参加社会保险和缴纳社会保险费",
        "social insurance participation and contributions",
        "社会保险",
        "社保",
    )
    other_violation = (
        "other_violation",
        "其他遵守劳动保障法律法规情况",
        "other compliance with labour-security law",
        "其他违法",
    )
    wage_arrears_listing = (
        "wage_arrears_listing",
        "列入拖欠农民工工资失信联合惩戒对象名单",
        "listed for joint punishment of wage arrears",
        "拖欠农民工工资失信联合惩戒对象名单",
        "拖欠农民工工资黑名单",
    )
    # good
    honour = "honour", "表彰奖励", "honours and awards", "表彰", "奖励"
    credit_commitment = "credit_commitment", "信用承诺", "credit commitment"
    other_good = "other_good", "其他良好信息", "other good information"
    # basic
    registration = "registration", "登记信息", "registration information"
    inspection_record = "inspection_record", "检查记录", "inspection record"
    interview = "interview", "约谈", "interview (Art 13(2))", "约谈记录"
    other_basic = "other_basic", "其他基础信息", "other basic information"


KIND_CATEGORY: dict[RecordKind, RecordCategory] = {
    **{
        k: RecordCategory.dishonesty
        for k in (
            RecordKind.internal_rules,
            RecordKind.labour_contract,
            RecordKind.labour_dispatch,
            RecordKind.child_labour,
            RecordKind.female_juvenile_protection,
            RecordKind.working_hours,
            RecordKind.wages,
            RecordKind.social_insurance,
            RecordKind.other_violation,
            RecordKind.wage_arrears_listing,
        )
    },
    RecordKind.honour: RecordCategory.good,
    RecordKind.credit_commitment: RecordCategory.good,
    RecordKind.other_good: RecordCategory.good,
    RecordKind.registration: RecordCategory.basic,
    RecordKind.inspection_record: RecordCategory.basic,
    RecordKind.interview: RecordCategory.basic,
    RecordKind.other_basic: RecordCategory.basic,
}


class PenaltyCategory(LabelledEnum):
    """处罚类别 of the double-publicity fields (docs/law.md §2)."""

    warning = "warning", "警告", "warning"
    circulated_criticism = "circulated_criticism", "通报批评", "circulated criticism"
    fine = "fine", "罚款", "fine"
    confiscation = "confiscation", "没收违法所得", "confiscation of unlawful gains"
    suspension = (
        "suspension",
        "责令停产停业",
        "order to suspend production or business",
        "停产停业",
    )
    licence_suspension_or_revocation = (
        "licence_suspension_or_revocation",
        "暂扣或者吊销许可证",
        "licence suspended or revoked",
        "暂扣或吊销许可证",
        "暂扣许可证",
        "吊销许可证",
    )
    other = "other", "其他", "other"


class SeriousCondition(LabelledEnum):
    """The C conditions of docs/law.md §3 (items 2–6) a record establishes."""

    group_incident = (
        "group_incident",
        "引发群体性事件、极端事件或造成严重不良社会影响",
        "group or extreme incident, or serious adverse social impact",
        "群体性事件",
        "极端事件",
    )
    child_or_forced_labour = (
        "child_or_forced_labour",
        "使用童工、强迫劳动",
        "child or forced labour",
        "使用童工",
        "强迫劳动",
    )
    refused_to_perform = (
        "refused_to_perform",
        "拒不履行限期整改指令、行政处理决定或者行政处罚决定",
        "refused to perform a rectification order, handling or penalty decision",
        "拒不履行",
    )
    obstructed_inspection = (
        "obstructed_inspection",
        "无理抗拒、阻挠劳动保障监察",
        "unreasonably resisted or obstructed labour inspection",
        "阻挠监察",
    )
    criminal_liability = (
        "criminal_liability",
        "被依法追究刑事责任",
        "criminal liability",
        "追究刑事责任",
        "刑事责任",
    )


class Severity(LabelledEnum):
    """失信行为等级 (国家发展改革委令第36号): sets the publication period (docs/law.md §5)."""

    light = "light", "轻微", "light", "轻微失信"
    general = "general", "一般", "general", "一般失信"
    serious = "serious", "严重", "serious", "严重失信"


class RecordStatus(LabelledEnum):
    # draft: a first version, or a correction awaiting its second person
    draft = "draft", "草稿（待审核）", "draft (awaiting verification)"
    verified = "verified", "已审核", "verified"
    superseded = "superseded", "已被更正", "superseded by a correction"
    revoked = "revoked", "已撤销", "revoked"
    # a draft correction taken back before it was verified
    withdrawn = "withdrawn", "已撤回", "withdrawn"


class Rectification(RequestModel):
    ordered_date: date | None = Field(default=None, description="rectification ordered (限期整改)")
    rectified_date: date | None = Field(default=None, description="rectified on")
    penalty_performed_date: date | None = Field(default=None, description="penalty performed on")


class CreditRecordBase(SQLModel):
    """The content of a record: what a correction replaces and what never changes once verified."""

    employer_id: uuid.UUID = Field(foreign_key="employers.id")
    category: RecordCategory
    source: RecordSource
    kind: RecordKind
    occurred_date: date
    title: str = Field(
        max_length=200, min_length=1, schema_extra={"examples": ["拖欠12名农民工工资"]}
    )
    description: str | None = Field(default=None, max_length=4000)
    issuing_authority: str | None = Field(
        default=None, max_length=200, schema_extra={"examples": ["文水县人力资源和社会保障局"]}
    )
    issuing_authority_uscc: str | None = Field(default=None, max_length=40)
    decision_number: str | None = Field(
        default=None, max_length=100, schema_extra={"examples": ["文人社监罚字〔2026〕12号"]}
    )
    violation_type: str | None = Field(default=None, max_length=200)
    violation_facts: str | None = Field(default=None, max_length=4000)
    legal_basis: str | None = Field(default=None, max_length=1000)
    penalty_category: PenaltyCategory | None = None
    penalty_content: str | None = Field(default=None, max_length=2000)
    fine_amount: Decimal | None = Field(
        default=None, ge=0, max_digits=14, decimal_places=2, description="yuan, exact"
    )
    decision_date: date | None = Field(default=None, description="处罚决定日期 (Asia/Shanghai)")
    penalty_valid_until: date | None = Field(default=None, description="处罚有效期")
    data_source_unit: str | None = Field(default=None, max_length=200)
    data_source_unit_uscc: str | None = Field(default=None, max_length=40)
    remarks: str | None = Field(default=None, max_length=1000)
    punished: bool = Field(
        default=False, description="an investigated-and-punished decision (查处)"
    )
    serious_conditions: list[SeriousCondition] = Field(default_factory=list)
    severity: Severity | None = None


# The records that can make a grading fact (`grading.facts`): the partial index's predicate,
# repeated word for word by the facts query so the planner can use the index.
GRADING_RELEVANT = (
    "status = 'verified' AND (punished OR serious_conditions <> '{}' "
    "OR kind = 'wage_arrears_listing')"
)


class CreditRecord(CreditRecordBase, table=True):
    __tablename__ = "credit_records"
    __table_args__ = (
        sa.UniqueConstraint("record_key", "version"),
        # one version in force per record, and one open draft (a first version or a pending
        # correction, while the version it corrects stays in force) (migration 0015)
        sa.Index(
            "uq_credit_records_verified",
            "record_key",
            unique=True,
            postgresql_where=sa.text("status = 'verified'"),
        ),
        sa.Index(
            "uq_credit_records_draft",
            "record_key",
            unique=True,
            postgresql_where=sa.text("status = 'draft'"),
        ),
        sa.Index("ix_credit_records_employer", "employer_id", "occurred_date"),
        sa.Index("ix_credit_records_occurred", "occurred_date", "id"),
        sa.Index("ix_credit_records_status", "status"),
        # Grading (migration 0007): the verified records that can make a fact, with every column
        # the facts read, in employer order: a run's slice reads its range of employers from
        # this index alone instead of scanning the table once per slice.
        sa.Index(
            "ix_credit_records_grading",
            "employer_id",
            "id",
            postgresql_include=[
                "punished",
                "serious_conditions",
                "kind",
                "decision_date",
                "occurred_date",
                "rectified_date",
                "penalty_performed_date",
            ],
            postgresql_where=sa.text(GRADING_RELEVANT),
        ),
        sa.CheckConstraint("fine_amount IS NULL OR penalty_category IS NOT NULL", name="fine"),
        sa.CheckConstraint(
            "status IN ('draft', 'withdrawn') OR verified_at IS NOT NULL", name="verified_at"
        ),
        # Two persons: whoever verifies did not collect. Rows with `supersedes_id` are exempt:
        # corrections before migration 0015 were verified at once by their corrector; since,
        # the guard refuses any draft (a correction too) verified by the person who entered it.
        sa.CheckConstraint(
            "supersedes_id IS NOT NULL OR verified_by IS NULL OR collected_by IS NULL "
            "OR verified_by <> collected_by",
            name="two_person",
        ),
        sa.CheckConstraint(
            "status <> 'withdrawn' OR supersedes_id IS NOT NULL", name="withdrawn_correction"
        ),
        sa.CheckConstraint(
            "status <> 'revoked' OR (revocation_reason IS NOT NULL "
            "AND revoking_document IS NOT NULL AND revoked_at IS NOT NULL)",
            name="revocation",
        ),
    )

    id: uuid.UUID = id_field()
    record_key: uuid.UUID = Field(default_factory=uuid.uuid4)
    version: int = Field(default=1)
    revision: int = Field(default=1, description="edits of a draft; part of the ETag")
    status: RecordStatus = Field(default=RecordStatus.draft, sa_type=sa.String(16))
    category: RecordCategory = Field(sa_type=sa.String(16))
    source: RecordSource = Field(sa_type=sa.String(32))
    kind: RecordKind = Field(sa_type=sa.String(32))
    issuing_authority_uscc: str | None = Field(default=None, max_length=18)
    data_source_unit_uscc: str | None = Field(default=None, max_length=18)
    penalty_category: PenaltyCategory | None = Field(default=None, sa_type=sa.String(40))
    serious_conditions: list[SeriousCondition] = Field(
        default_factory=list, sa_type=ARRAY(sa.String(32))
    )
    severity: Severity | None = Field(default=None, sa_type=sa.String(16))
    publication_end_date: date | None = None
    in_catalogue: bool = Field(default=False)
    rectification_ordered_date: date | None = None
    rectified_date: date | None = None
    penalty_performed_date: date | None = None
    supersedes_id: uuid.UUID | None = Field(default=None, foreign_key="credit_records.id")
    # deferred: the old version points at the new one, inserted after it in the same transaction
    superseded_by_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Uuid,
            sa.ForeignKey("credit_records.id", deferrable=True, initially="DEFERRED"),
            nullable=True,
        ),
    )
    correction_reason: str | None = Field(default=None, max_length=1000)
    revocation_reason: str | None = Field(default=None, max_length=1000)
    revoking_document: str | None = Field(default=None, max_length=200)
    revoked_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    revoked_at: datetime | None = optional_timestamp_field()
    collected_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    verified_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    verified_at: datetime | None = optional_timestamp_field()
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


# A verified record's content as collected (the example of the OpenAPI document).
RECORD_EXAMPLE: JsonDict = {
    "employer_id": EXAMPLE_EMPLOYER_ID,
    "category": "dishonesty",
    "source": "complaint",
    "kind": "wages",
    "occurred_date": "2026-02-20",
    "title": "拖欠12名农民工工资",
    "issuing_authority": "文水县人力资源和社会保障局",
    "issuing_authority_uscc": "11141121012345671P",
    "decision_number": "文人社监罚字〔2026〕12号",
    "decision_date": "2026-03-10",
    "penalty_category": "fine",
    "fine_amount": "20000.00",
    "punished": True,
    "serious_conditions": ["refused_to_perform"],
    "severity": "serious",
    "rectification": {"ordered_date": "2026-03-10"},
}


class CreditRecordCreate(CreditRecordBase, RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [RECORD_EXAMPLE]})

    rectification: Rectification | None = None


class CreditRecordUpdate(RequestModel):
    """A draft's edit: send only the fields to change (content fields of CreditRecordCreate)."""

    employer_id: uuid.UUID | None = None
    category: RecordCategory | None = None
    source: RecordSource | None = None
    kind: RecordKind | None = None
    occurred_date: date | None = None
    title: str | None = Field(default=None, max_length=200, min_length=1)
    description: str | None = Field(default=None, max_length=4000)
    issuing_authority: str | None = Field(default=None, max_length=200)
    issuing_authority_uscc: str | None = Field(default=None, max_length=40)
    decision_number: str | None = Field(default=None, max_length=100)
    violation_type: str | None = Field(default=None, max_length=200)
    violation_facts: str | None = Field(default=None, max_length=4000)
    legal_basis: str | None = Field(default=None, max_length=1000)
    penalty_category: PenaltyCategory | None = None
    penalty_content: str | None = Field(default=None, max_length=2000)
    fine_amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    decision_date: date | None = None
    penalty_valid_until: date | None = None
    data_source_unit: str | None = Field(default=None, max_length=200)
    data_source_unit_uscc: str | None = Field(default=None, max_length=40)
    remarks: str | None = Field(default=None, max_length=1000)
    punished: bool | None = None
    serious_conditions: list[SeriousCondition] | None = None
    severity: Severity | None = None
    rectification: Rectification | None = None


class CorrectionCreate(CreditRecordCreate):
    """The full content of the new version, and why the old one was wrong: a draft correction
    until a second person verifies it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{**RECORD_EXAMPLE, "reason": "原记录的发生日期录入错误"}]},
    )

    reason: str = Field(
        min_length=1, max_length=1000, schema_extra={"examples": ["原记录的发生日期录入错误"]}
    )


class WithdrawalCreate(RequestModel):
    """Why a draft correction is taken back (its proposer) or turned down (a reviewer)."""

    reason: str = Field(
        min_length=1, max_length=1000, schema_extra={"examples": ["更正依据的处罚决定书号有误"]}
    )


class RevocationCreate(RequestModel):
    reason: str = Field(
        min_length=1, max_length=1000, schema_extra={"examples": ["处罚决定经行政复议被撤销"]}
    )
    revoking_document: str = Field(
        min_length=1, max_length=200, schema_extra={"examples": ["文人社撤字〔2026〕3号"]}
    )


class CreditRecordPublic(CreditRecordBase):
    id: uuid.UUID
    record_key: uuid.UUID = Field(
        description="shared by every version of this record; a record entered from "
        "December 2026 on has its first version's id as its key, an older one a random key"
    )
    version: int
    status: RecordStatus
    publication_end_date: date | None = Field(
        default=None,
        description="公示截止期: decision date + the severity's publication period "
        "(国家发展改革委令第36号)",
    )
    in_catalogue: bool = Field(description="pushed to the city platform (Art 7)")
    rectification: Rectification
    supersedes_id: uuid.UUID | None
    superseded_by_id: uuid.UUID | None
    correction_reason: str | None
    revocation_reason: str | None
    revoking_document: str | None
    revoked_by: uuid.UUID | None
    revoked_at: datetime | None
    collected_by: uuid.UUID | None
    verified_by: uuid.UUID | None
    verified_at: datetime | None
    created_at: datetime
    updated_at: datetime


class HistoryTransition(SQLModel):
    action: str = Field(schema_extra={"examples": ["credit_record.verify"]})
    record_id: uuid.UUID
    actor_type: str
    actor_id: str | None
    actor_name: str | None
    occurred_at: datetime
    changes: dict[str, object]


class CreditRecordHistory(SQLModel):
    record_key: uuid.UUID
    versions: list[CreditRecordPublic] = Field(description="oldest first")
    transitions: list[HistoryTransition] = Field(description="from the audit trail, oldest first")
