"""Employers (用人单位, Art 3), keyed by their unified social credit code."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import model_validator
from sqlmodel import Field, SQLModel

from app.models.base import RequestModel, id_field, refusal, timestamp_field
from app.models.labels import LabelledEnum


class SubjectType(LabelledEnum):
    """The subjects of Art 3."""

    enterprise = "enterprise", "企业", "enterprise"
    individual_economic_organisation = (
        "individual_economic_organisation",
        "个体经济组织",
        "individual economic organisation",
        "个体工商户",
    )
    private_non_enterprise_unit = (
        "private_non_enterprise_unit",
        "民办非企业单位",
        "private non-enterprise unit",
    )
    partnership = (
        "partnership",
        "会计师事务所、律师事务所等合伙组织",
        "partnership (accounting firm, law firm, ...)",
        "合伙组织",
    )
    foundation = "foundation", "基金会", "foundation"
    # with labour-contract employees
    public_institution = "public_institution", "事业单位", "public institution"
    social_organisation = "social_organisation", "社会团体", "social organisation"


class EmployerStatus(LabelledEnum):
    active = "active", "存续", "active"
    deregistered = "deregistered", "已注销", "deregistered"  # never deleted (Art 8)


class IndustrySection(LabelledEnum):
    """GB/T 4754-2017 sections (门类): the letter an industry code starts with."""

    A = "A", "农、林、牧、渔业", "agriculture, forestry, animal husbandry and fishery"
    B = "B", "采矿业", "mining"
    C = "C", "制造业", "manufacturing"
    D = "D", "电力、热力、燃气及水生产和供应业", "electricity, heat, gas and water supply"
    E = "E", "建筑业", "construction"
    F = "F", "批发和零售业", "wholesale and retail trade"
    G = "G", "交通运输、仓储和邮政业", "transport, storage and post"
    H = "H", "住宿和餐饮业", "accommodation and catering"
    I = "I", "信息传输、软件和信息技术服务业", "information transmission, software and IT services"  # noqa: E741
    J = "J", "金融业", "finance"
    K = "K", "房地产业", "real estate"
    L = "L", "租赁和商务服务业", "leasing and business services"
    M = "M", "科学研究和技术服务业", "scientific research and technical services"
    N = "N", "水利、环境和公共设施管理业", "water conservancy, environment and public facilities"
    O = "O", "居民服务、修理和其他服务业", "resident, repair and other services"  # noqa: E741
    P = "P", "教育", "education"
    Q = "Q", "卫生和社会工作", "health and social work"
    R = "R", "文化、体育和娱乐业", "culture, sports and entertainment"
    S = "S", "公共管理、社会保障和社会组织", "public administration and social organisations"
    T = "T", "国际组织", "international organisations"


ID_NUMBER_PATTERN = r"^[0-9]{17}[0-9Xx]$"
PHONE_PATTERN = r"^\+?[0-9-]{7,20}$"
PHONE_MAX = 20  # the masked copy keeps the length: employers.contact_phone_masked is 20 long
INDUSTRY_PATTERN = r"^[A-T]([0-9]{2,4})?$"  # GB/T 4754: section letter, optional class digits
# Patterns go in as schema_extra `pattern`: sqlmodel passes `regex` to pydantic 2, which ignores it.


class EmployerBase(SQLModel):
    name: str = Field(
        max_length=200, min_length=2, schema_extra={"examples": ["文水县宏达建筑工程有限公司"]}
    )
    subject_type: SubjectType
    legal_representative: str = Field(
        max_length=100, min_length=1, schema_extra={"examples": ["张建国"]}
    )
    town: str = Field(max_length=50, min_length=1, schema_extra={"examples": ["凤城镇"]})
    industry_code: str = Field(
        max_length=5,
        schema_extra={"pattern": INDUSTRY_PATTERN, "examples": ["E4720"]},
        description="GB/T 4754 industry code",
    )
    address: str | None = Field(default=None, max_length=300)
    employee_count: int = Field(default=0, ge=0, le=10_000_000)


class Employer(EmployerBase, table=True):
    __tablename__ = "employers"
    __table_args__ = (
        sa.Index(
            "ix_employers_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ),
        sa.Index(
            "ix_employers_uscc_prefix", "uscc", postgresql_ops={"uscc": "varchar_pattern_ops"}
        ),
        sa.Index("ix_employers_name_id", "name", "id"),
        sa.Index("ix_employers_town", "town"),
    )

    id: uuid.UUID = id_field()
    uscc: str = Field(max_length=18, unique=True)
    subject_type: SubjectType = Field(sa_type=sa.String(40))
    status: EmployerStatus = Field(default=EmployerStatus.active, sa_type=sa.String(16))
    legal_representative_id_number_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    legal_representative_id_number_masked: str | None = Field(default=None, max_length=18)
    contact_phone_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    contact_phone_masked: str | None = Field(default=None, max_length=20)
    checksum_exception: bool = Field(default=False)
    checksum_exception_reason: str | None = Field(default=None, max_length=500)
    version: int = Field(default=1)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class EmployerCreate(EmployerBase, RequestModel):
    uscc: str = Field(
        max_length=40,
        schema_extra={"examples": ["91141121MA0K2LRN3U"]},
        description="normalised (spaces, hyphens, full-width, case) then checked against "
        "GB 32100: length, alphabet, registration authority and category (positions 1–2), "
        "division code (3–8), organisation code check (17), check character (18)",
    )
    legal_representative_id_number: str | None = Field(
        default=None, schema_extra={"pattern": ID_NUMBER_PATTERN}
    )
    contact_phone: str | None = Field(
        default=None, max_length=PHONE_MAX, schema_extra={"pattern": PHONE_PATTERN}
    )
    checksum_exception: bool = Field(
        default=False,
        description="reviewer only, with a reason: register a real code that fails the "
        "category, division, organisation-check or check-character rule (never length or "
        "alphabet); the audit trail records the rules waived",
    )
    checksum_exception_reason: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _exception_needs_reason(self) -> EmployerCreate:
        if self.checksum_exception and not (self.checksum_exception_reason or "").strip():
            raise refusal(
                "checksum_exception 需要在 checksum_exception_reason 中说明理由",
                "checksum_exception requires checksum_exception_reason",
            )
        return self


class EmployerUpdate(RequestModel):
    name: str | None = Field(default=None, max_length=200, min_length=2)
    subject_type: SubjectType | None = None
    legal_representative: str | None = Field(default=None, max_length=100, min_length=1)
    legal_representative_id_number: str | None = Field(
        default=None, schema_extra={"pattern": ID_NUMBER_PATTERN}
    )
    town: str | None = Field(default=None, max_length=50, min_length=1)
    industry_code: str | None = Field(
        default=None, max_length=5, schema_extra={"pattern": INDUSTRY_PATTERN}
    )
    address: str | None = Field(default=None, max_length=300)
    contact_phone: str | None = Field(
        default=None, max_length=PHONE_MAX, schema_extra={"pattern": PHONE_PATTERN}
    )
    employee_count: int | None = Field(default=None, ge=0, le=10_000_000)
    status: EmployerStatus | None = None


class EmployerPublic(EmployerBase):
    id: uuid.UUID
    uscc: str
    status: EmployerStatus
    legal_representative_id_number: str | None = Field(
        default=None, description="masked (1411**********1234) except for admins"
    )
    contact_phone: str | None = Field(default=None, description="masked except for admins")
    unreadable_fields: list[str] = Field(
        default_factory=list,
        description="personal data whose stored ciphertext does not decrypt for this employer "
        "(moved from another row, altered, or under a key no longer configured): shown masked, "
        "even to admins; the service logs it",
    )
    checksum_exception: bool
    version: int
    created_at: datetime
    updated_at: datetime
