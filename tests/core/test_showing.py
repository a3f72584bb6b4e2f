"""An entity's public shape as a model and as data (app.core.showing): the data is the JSON the
model serialises to, byte for byte: its fields in the model's order, defaults filled, computed
fields last; a field neither the entity has nor the caller gives is refused by name."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import BaseModel, Field, computed_field
from pydantic_core import to_json
from sqlmodel import SQLModel

from app.core import showing
from app.models.base import Page


class _Thing(SQLModel):
    id: uuid.UUID
    amount: Decimal
    status: str
    when: datetime
    hidden: str
    parent_id: uuid.UUID | None = None


class _ThingPublic(SQLModel):
    status: str
    id: uuid.UUID
    tags: list[str] = Field(default_factory=list)
    shown_as: str = "plain"
    amount: Decimal
    when: datetime
    day: date
    parent_id: uuid.UUID | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def open(self) -> bool:
        return self.status == "open"


def _thing(status: str = "open", parent_id: uuid.UUID | None = None) -> _Thing:
    return _Thing(
        id=uuid.uuid4(), amount=Decimal("100.50"), status=status,
        when=datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC), hidden="never shown",
        parent_id=parent_id,
    )  # fmt: skip


@pytest.mark.parametrize(("status", "parent_id"), [("open", None), ("closed", uuid.uuid4())])
def test_the_data_is_the_models_json_byte_for_byte(status: str, parent_id: uuid.UUID) -> None:
    thing = _thing(status, parent_id)
    model = showing.model(_ThingPublic, thing, day=date(2026, 3, 4))
    data = showing.data(_ThingPublic, thing, day=date(2026, 3, 4))
    assert list(data) == [
        "status", "id", "tags", "shown_as", "amount", "when", "day", "parent_id", "open"
    ]  # fmt: skip
    assert (data["id"], data["parent_id"]) == (str(thing.id), parent_id and str(parent_id))
    assert data["open"] is (status == "open")
    assert to_json(data) == model.__pydantic_serializer__.to_json(model)
    page: Page[_ThingPublic] = Page(items=[model], next_cursor="c")
    assert to_json({"items": [data], "next_cursor": "c"}) == page.model_dump_json().encode()


def test_a_given_value_overrides_the_entitys_and_a_default() -> None:
    data = showing.data(_ThingPublic, _thing(), day=date(2026, 3, 4), status="x", shown_as="y")
    assert (data["status"], data["shown_as"], data["open"]) == ("x", "y", True)


def test_a_field_neither_had_nor_given_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="'day'"):
        showing.data(_ThingPublic, _thing())


def test_a_plain_pydantic_public_model_works_too() -> None:
    class Brief(BaseModel):
        id: uuid.UUID
        status: str

    thing = _thing()
    assert showing.data(Brief, thing) == {"id": str(thing.id), "status": "open"}
    assert showing.model(Brief, thing) == Brief(id=thing.id, status="open")
