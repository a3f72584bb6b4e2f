"""Shared column helpers and the metadata naming convention every table uses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic_core import PydanticCustomError
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The employer's id in the OpenAPI document's example bodies: a real one is the id of a registered
# employer (POST /api/v1/employers answers it), which `make fuzz` draws from the demo county.
EXAMPLE_EMPLOYER_ID = "0196b2a4-3c1d-7e8f-9a0b-1c2d3e4f5a6b"


def id_field() -> Any:
    return Field(default_factory=uuid.uuid4, primary_key=True)


def timestamp_field(**kwargs: Any) -> Any:
    """A row's own timestamp, written by the database (`now()`) when the row is inserted and
    read back in the INSERT's RETURNING: the models never read a clock (docs/architecture.md).
    A service that states the time itself sets it from the app's clock."""
    return Field(
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), **kwargs},
    )


def optional_timestamp_field() -> Any:
    return Field(default=None, sa_type=sa.DateTime(timezone=True))


def refusal(zh: str, en: str) -> PydanticCustomError:
    """What a validator raises: a 422 `value_error` whose message is `en`, or `zh` for a request
    read in Chinese (app.core.validation reads it from the error's ctx)."""
    return PydanticCustomError("value_error", en, {"zh": zh})


def _in_utc(value: datetime) -> datetime:
    """An instant as the database stores it (UTC); one that leaves the calendar there is a 422
    (`0001-01-01T00:00:00+14:00` falls in year 0 in UTC), not a database error. A time without
    an offset is read as UTC."""
    try:
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError as exc:
        raise refusal(
            "时间换算为 UTC 后超出可表示的范围（公元1年至9999年）",
            "the time is outside the years 1 to 9999 once converted to UTC",
        ) from exc


# A timestamp a client sends (a query filter, a body field), checked in UTC.
Instant = Annotated[datetime, AfterValidator(_in_utc)]


class RequestModel(SQLModel):
    """What a client sends: a request body or a part of one. An unknown field is a 422 naming
    it, never dropped (docs/architecture.md): a misspelt `punishd` must not leave `punished` at
    its default. Never a base of a table model: a table is built from stored values."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModelConfig


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A keyset page: pass `next_cursor` back as `cursor` for the next one (null at the end).
    A pydantic generic, parametrised by each list route (`response_model=Page[EmployerPublic]`),
    so the OpenAPI document names the item type (a SQLModel generic leaves `items: {}`)."""

    items: list[T]
    next_cursor: str | None = None
