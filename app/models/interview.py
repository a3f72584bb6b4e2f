"""Interviews (约谈, Art 13(2)) of a unit's principal and directly responsible persons.

Art 13(2) enters each interview in the employer's credit record: the interview service creates a
`basic` record of kind `interview` in the same transaction, as a **draft** collected by the
officer who entered it. Unlike a listing, an interview is not a decision: the record is that
officer's account of what was said and promised, which is exactly what Art 8 wants checked by a
second person, and a basic record does not move a grade, so nothing is lost while it waits for
verification.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import ConfigDict, StringConstraints
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from app.models.base import EXAMPLE_EMPLOYER_ID, RequestModel, id_field, timestamp_field
from app.models.blacklist import PartyRole

OfficerName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class InterviewedPerson(RequestModel):
    name: str = Field(min_length=1, max_length=100, schema_extra={"examples": ["张建国"]})
    role: PartyRole
    position: str | None = Field(
        default=None,
        max_length=100,
        description="title in the unit",
        schema_extra={"examples": ["项目经理"]},
    )


class InterviewPeople(SQLModel):
    """Who took part: validated lists here, JSONB and an array in the table."""

    persons: list[InterviewedPerson] = Field(
        min_length=1, max_length=20, description="the unit's persons interviewed, with roles"
    )
    officers: list[OfficerName] = Field(
        min_length=1, max_length=10, description="the bureau's officers who held it"
    )


class InterviewBase(SQLModel):
    employer_id: uuid.UUID = Field(foreign_key="employers.id")
    interviewed_on: date
    subject: str = Field(
        min_length=1,
        max_length=150,
        description="what the interview was about; the credit record's title is `约谈: <subject>`",
        schema_extra={"examples": ["拖欠农民工工资问题"]},
    )
    location: str | None = Field(default=None, max_length=200)
    summary: str = Field(
        min_length=1,
        max_length=2000,
        schema_extra={"examples": ["告知评为C级的原因及后果，要求限期整改"]},
    )
    commitments: str | None = Field(
        default=None, max_length=1500, description="what the unit committed to (整改承诺)"
    )
    evaluation_id: uuid.UUID | None = Field(
        default=None,
        description="the grade that led to the interview: an evaluation of the same employer",
    )


class Interview(InterviewBase, table=True):
    __tablename__ = "interviews"
    __table_args__ = (
        sa.Index("ix_interviews_employer", "employer_id", "interviewed_on"),
        sa.Index("ix_interviews_interviewed", "interviewed_on", "id"),
        sa.CheckConstraint(
            "jsonb_typeof(persons) = 'array' AND jsonb_array_length(persons) BETWEEN 1 AND 20",
            name="persons",
        ),
        sa.CheckConstraint("cardinality(officers) BETWEEN 1 AND 10", name="officers"),
    )

    id: uuid.UUID = id_field()
    persons: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONB)
    officers: list[str] = Field(default_factory=list, sa_type=ARRAY(sa.String(50)))
    credit_record_id: uuid.UUID = Field(foreign_key="credit_records.id")
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = timestamp_field()


class InterviewCreate(InterviewBase, InterviewPeople, RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "employer_id": EXAMPLE_EMPLOYER_ID,
                    "interviewed_on": "2026-11-20",
                    "subject": "拖欠农民工工资问题",
                    "location": "县人社局三楼会议室",
                    "persons": [
                        {"name": "张建国", "role": "legal_representative"},
                        {"name": "王强", "role": "directly_responsible", "position": "项目经理"},
                    ],
                    "officers": ["李文斌", "张海燕"],
                    "summary": "告知评为C级的原因及后果，要求限期整改",
                    "commitments": "30日内足额支付拖欠工资",
                }
            ]
        },
    )


class InterviewPublic(InterviewBase, InterviewPeople):
    id: uuid.UUID
    credit_record_id: uuid.UUID = Field(description="the interview's entry in the credit record")
    created_by: uuid.UUID | None
    created_at: datetime
