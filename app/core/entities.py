"""Entities read for showing, on the session's driver connection, without the ORM.

`Session.get` costs about 0.3 ms of CPU per row (the identity map, the compiled statement's cache
key, the loading machinery), a sixth of a whole single-row GET (issue 16). The busiest reads
only show what they read, so they take it here instead: one prepared statement on the request's
own connection (so a test's savepoint sees the test's rows), each value passed
through its column type's own result processor (what SQLAlchemy applies to a Core result: JSONB
text parsed, arrays as lists), the entity made as the ORM's loading makes one (an instrumented
instance, the values written into its `__dict__`, no validation: the row is the database's). It
is transient: never in the identity map, never flushed. A route that changes what it read loads
it with `session.get` as before.

tests/core/test_entities.py holds every column of each table read here to what `Session.get`
gives."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import asyncpg
from pydantic import BaseModel
from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import configure_mappers
from sqlmodel import SQLModel

from app.core.db import driver_connection

M = TypeVar("M", bound=SQLModel)


@dataclass(frozen=True)
class _Reader(Generic[M]):
    statement: str
    names: tuple[str, ...]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column position, processor)
    model: type[M]

    def build(self, row: Any) -> M:
        values = list(row)
        for position, process in self.processors:
            values[position] = process(values[position])
        # as the ORM's loading makes an instance: instrumented (transient), its attributes
        # written straight into its __dict__
        entity = self.model.__mapper__.class_manager.new_instance()  # type: ignore[attr-defined]
        entity.__dict__.update(zip(self.names, values, strict=True))
        return cast(M, entity)


_READERS: dict[type[SQLModel], _Reader[Any]] = {}


def _statement(table: Table) -> str:
    (key,) = table.primary_key.columns
    listed = ", ".join(f'"{column.name}"' for column in table.columns)
    return f'SELECT {listed} FROM "{table.name}" WHERE "{key.name}" = $1'


async def _reader(model: type[M], dialect: Dialect, connection: asyncpg.Connection) -> _Reader[M]:
    """Made once per model: the statement, and each column's processor for the type the server
    says it returns (a processor may depend on it, as Numeric's does)."""
    known = _READERS.get(model)
    if known is None:
        # An entity's attributes work once the mappers are configured, which the first ORM
        # query does; a process whose first read is this one does it here.
        configure_mappers()
        table: Table = model.__table__  # type: ignore[attr-defined]
        statement = _statement(table)
        returned = (await connection.prepare(statement)).get_attributes()
        processors = []
        for position, (column, attribute) in enumerate(zip(table.columns, returned, strict=True)):
            impl = column.type.dialect_impl(dialect)
            process = impl.result_processor(dialect, attribute.type.oid)
            if process is not None:
                processors.append((position, process))
        known = _Reader(
            statement=statement,
            names=tuple(column.key for column in table.columns),
            processors=tuple(processors),
            model=model,
        )
        _READERS[model] = known
    return known


async def by_id(session: AsyncSession, model: type[M], entity_id: uuid.UUID) -> M | None:
    """The row of `model`'s table with this primary key, or None; transient, for showing."""
    connection = await driver_connection(session)
    reader = await _reader(model, session.get_bind().dialect, connection)
    row = await connection.fetchrow(reader.statement, entity_id)
    return None if row is None else reader.build(row)


P = TypeVar("P", bound=BaseModel)
_SHOWN: dict[tuple[type[BaseModel], type[SQLModel]], tuple[str, ...]] = {}


def shown(public: type[P], entity: SQLModel, **computed: Any) -> P:
    """The public shape of an entity: the attributes of its own that `public` names, and the
    `computed` ones. Validating them as a dict costs about 60 % of validating the entity with
    an `update` (sqlmodel wraps the entity and asks the wrapper per attribute)."""
    kind = type(entity)
    names = _SHOWN.get((public, kind))
    if names is None:
        names = _SHOWN[public, kind] = tuple(
            name for name in public.model_fields if name in kind.model_fields
        )
    data = {name: getattr(entity, name) for name in names}
    data.update(computed)
    return public.model_validate(data)
