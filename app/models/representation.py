"""A representation (陈述申辩) against a proposed C: the statements filed while the notice's window
is open, each with who filed it and when. Staff may file for the employer (a walk-in, a letter,
a call they took down); the employer's own account files its own; neither locks out the other.
Statements are kept as filed (append-only, Art 8) and numbered in the order they came in.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import RequestModel, id_field
from app.models.labels import LabelledEnum
from app.models.user import Role


class RepresentationChannel(LabelledEnum):
    """How the employer made its case."""

    online = "online", "网上提交", "online, by the employer's own account"
    in_person = "in_person", "当面陈述", "in person at the bureau, taken down by staff"
    letter = "letter", "书面材料", "in writing, by post or by hand, entered by staff"
    phone = "phone", "电话陈述", "by telephone, taken down by staff"


STAFF_CHANNELS = (RepresentationChannel.in_person, RepresentationChannel.letter,
                  RepresentationChannel.phone)  # fmt: skip


class FilerSide(LabelledEnum):
    employer = "employer", "用人单位", "the employer's own account"
    bureau = "bureau", "人社局工作人员", "bureau staff, filing for the employer"


class Filer(SQLModel):
    """Who filed a statement or a file, as the reader may see it: an employer account reading
    what bureau staff filed for it sees only that the bureau did (no staff member's name)."""

    side: FilerSide
    user_id: uuid.UUID | None = Field(
        description="null when an employer account reads what bureau staff filed"
    )
    name: str | None = Field(
        description="the account's full name; null when an employer account reads what bureau "
        "staff filed"
    )
    role: Role | None = Field(
        description="the filer's role when filing; null when an employer account reads what "
        "bureau staff filed"
    )


class RepresentationStatement(SQLModel, table=True):
    __tablename__ = "representation_statements"
    __table_args__ = (
        sa.UniqueConstraint("evaluation_id", "seq"),
        sa.CheckConstraint("seq >= 1", name="seq_positive"),
        sa.CheckConstraint(
            "filer_role IN ('employer', 'admin', 'inspector', 'reviewer')", name="filer_role_known"
        ),
        sa.CheckConstraint(
            "channel IN ('online', 'in_person', 'letter', 'phone')", name="channel_known"
        ),
        # the employer's account files online, itself; staff say how the employer made its case
        # (null only for a statement staff filed before channels were recorded, migration 0017)
        sa.CheckConstraint(
            "(filer_role = 'employer') = (channel IS NOT DISTINCT FROM 'online')",
            name="channel_of_filer",
        ),
        sa.CheckConstraint(
            "filer_role <> 'employer' OR presented_by IS NULL", name="presented_by_staff"
        ),
    )

    id: uuid.UUID = id_field()
    evaluation_id: uuid.UUID = Field(foreign_key="evaluations.id")
    seq: int = Field(description="1 for the first statement of the evaluation, then 2, ...")
    text: str = Field(max_length=4000)
    filed_by: uuid.UUID = Field(foreign_key="users.id")
    filer_role: Role = Field(sa_type=sa.String(16))
    channel: RepresentationChannel | None = Field(default=None, sa_type=sa.String(16))
    presented_by: str | None = Field(default=None, max_length=100)
    filed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))  # the app's clock


class RepresentationCreate(RequestModel):
    """陈述申辩: one statement of the employer's case against a proposed C."""

    text: str = Field(
        min_length=1,
        max_length=4000,
        schema_extra={"examples": ["拖欠工资已于评价前全部支付，附银行转账凭证，请求不评为C级"]},
    )
    channel: RepresentationChannel | None = Field(
        default=None,
        description="staff filing for the employer: how the employer made its case (`in_person`, "
        "`letter` or `phone`; required); an employer account files `online` itself and may leave "
        "it out",
    )
    presented_by: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="staff only, optional: who presented the case for the employer, with their "
        "capacity, as the letter or the record of the visit names them",
        schema_extra={"examples": ["李四（委托代理人）"]},
    )


class RepresentationStatementPublic(SQLModel):
    id: uuid.UUID
    evaluation_id: uuid.UUID
    seq: int = Field(description="its place among the evaluation's statements, from 1")
    text: str
    filed_by: Filer
    channel: RepresentationChannel | None = Field(
        description="how the employer made its case; null for a statement staff filed before "
        "channels were recorded"
    )
    presented_by: str | None
    filed_at: datetime
