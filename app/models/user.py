"""Staff and employer accounts."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import model_validator
from sqlmodel import Field, SQLModel

from app.models.base import (
    RequestModel,
    id_field,
    refusal,
    timestamp_field,
)
from app.models.labels import LabelledEnum


class Role(LabelledEnum):
    admin = "admin", "系统管理员", "administrator"  # runs users, clients, rules and calendars
    inspector = "inspector", "监察员", "inspector"  # collects and enters records
    reviewer = "reviewer", "审核员", "reviewer"  # verifies records, decides grades and objections
    auditor = "auditor", "审计员", "auditor"  # reads everything, including the audit trail
    employer = "employer", "用人单位", "employer account"  # bound to one employer


class UserBase(SQLModel):
    username: str = Field(
        max_length=64,
        min_length=3,
        schema_extra={"pattern": r"^[A-Za-z0-9_.@-]+$", "examples": ["wang.inspector"]},
    )
    full_name: str = Field(max_length=100, min_length=1, schema_extra={"examples": ["王晓明"]})
    role: Role
    employer_id: uuid.UUID | None = Field(default=None, foreign_key="employers.id")


class User(UserBase, table=True):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'employer') = (employer_id IS NOT NULL)", name="employer_account_bound"
        ),
    )

    id: uuid.UUID = id_field()
    username: str = Field(max_length=64, unique=True)
    role: Role = Field(sa_type=sa.String(16))
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    # Carried in each token (`gen`): a password change or reset, or disabling the account, counts
    # it up and so ends every token issued before, to the request.
    token_generation: int = Field(default=0)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class UserCreate(UserBase, RequestModel):
    password: str = Field(
        min_length=10, max_length=128, schema_extra={"examples": ["wenshui-2026-Q4"]}
    )

    @model_validator(mode="after")
    def _bound_iff_employer(self) -> UserCreate:
        if (self.role == Role.employer) != (self.employer_id is not None):
            raise refusal(
                "用人单位角色必须有 employer_id，其他角色不能有",
                "employer_id is required for, and only for, the employer role",
            )
        return self


class UserUpdate(RequestModel):
    full_name: str | None = Field(default=None, max_length=100, min_length=1)
    role: Role | None = None
    employer_id: uuid.UUID | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=128)


class UserPublic(UserBase):
    id: uuid.UUID
    is_active: bool
    created_at: datetime
