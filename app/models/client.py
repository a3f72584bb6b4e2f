"""Machine clients: other agencies' systems and the city platform, authenticated by API key."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from app.models.base import RequestModel, id_field, optional_timestamp_field, timestamp_field
from app.models.labels import LabelledEnum


class ClientSource(LabelledEnum):
    social_insurance = "social_insurance", "社会保险", "social insurance"
    arbitration = "arbitration", "劳动人事争议仲裁", "labour and personnel dispute arbitration"
    labour_relations = "labour_relations", "劳动关系", "labour relations"
    city_platform = "city_platform", "市信用信息共享平台", "city credit-sharing platform"


class Scope(LabelledEnum):
    # intake: send credit records in (issue: credit information)
    intake = "intake", "报送信用信息", "send credit records"
    receipts = "receipts", "平台回执", "the city platform's delivery receipts"


DEFAULT_SCOPES = {
    ClientSource.social_insurance: [Scope.intake],
    ClientSource.arbitration: [Scope.intake],
    ClientSource.labour_relations: [Scope.intake],
    ClientSource.city_platform: [Scope.receipts],
}


class ApiClientBase(SQLModel):
    name: str = Field(max_length=100, min_length=1, schema_extra={"examples": ["县社保中心"]})
    source: ClientSource
    trusted: bool = Field(
        default=False,
        description="its intake records arrive verified; otherwise as drafts for a reviewer",
    )


class ApiClient(ApiClientBase, table=True):
    __tablename__ = "api_clients"

    id: uuid.UUID = id_field()
    source: ClientSource = Field(sa_type=sa.String(32))
    scopes: list[str] = Field(sa_type=ARRAY(sa.String(32)))
    key_prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=64)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = timestamp_field()
    revoked_at: datetime | None = optional_timestamp_field()


class ApiClientCreate(ApiClientBase, RequestModel):
    scopes: list[Scope] | None = Field(
        default=None, description="defaults to what the source needs (intake or receipts)"
    )


class ApiClientPublic(ApiClientBase):
    id: uuid.UUID
    scopes: list[str]
    key_prefix: str
    created_at: datetime
    revoked_at: datetime | None


class ApiClientWithKey(ApiClientPublic):
    api_key: str = Field(description="shown once; store it now, only its hash is kept")
