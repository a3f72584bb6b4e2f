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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import asyncpg
from pydantic import BaseModel
from sqlalchemy import Column, Select, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import configure_mappers
from sqlalchemy.sql.cache_key import CacheKey
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import SQLModel

from app.core.db import driver_connection
from app.core.parsed_cache import ParsedCache

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
    # A loaded entity holds its columns in its __dict__ (the instrumented attribute's __get__
    # would look them up there, for 5 % of a list's first page); a name that is not a column
    # (a property) is read as an attribute.
    loaded = entity.__dict__
    data = {name: loaded[name] if name in loaded else getattr(entity, name) for name in names}
    data.update(computed)
    # pydantic's own validator: sqlmodel's model_validate wraps it in per-attribute work that a
    # model without a table does not need (a seventh of a first page of employers)
    return public.__pydantic_validator__.validate_python(data)


@dataclass(frozen=True)
class _Listing:
    """An ORM select of one model's rows, compiled for asyncpg once per shape (its cache key)."""

    compiled: SQLCompiler
    keys: tuple[str, ...]  # the attribute each column of a row goes to
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column position, processor)

    def sent(self, key: CacheKey) -> tuple[str, list[Any]]:
        """The statement and the values of a query of this shape whose cache key is `key`: its
        own values (SQLAlchemy's extracted parameters), an IN list's rendered one bind per item
        as SQLAlchemy renders it (`construct_expanded_state`), each through its type's bind
        processor."""
        given = self.compiled.construct_params(
            extracted_parameters=key.bindparams, escape_names=False
        )
        state = self.compiled.construct_expanded_state(given)
        processors = cast(Mapping[str, Callable[[Any], Any]], state.processors)
        values = []
        for name in state.positiontup or ():
            value = state.parameters[name]
            process = processors.get(name)
            values.append(value if process is None else process(value))
        return state.statement, values


_LISTINGS: ParsedCache[Any, _Listing] = ParsedCache(512)  # by cache key


async def _listing(
    query: Select[Any], key: CacheKey, model: type[SQLModel], dialect: Dialect, connection: Any
) -> _Listing | None:
    """None for a shape whose binds SQLAlchemy processes element by element (a tuple)."""
    known = _LISTINGS.get(key.key)
    if known is not None:
        return known
    configure_mappers()
    table: Table = model.__table__  # type: ignore[attr-defined]
    columns = list(query.selected_columns)
    if not all(isinstance(c, Column) and c.table is table for c in columns):
        raise TypeError(f"entities.listed reads {table.name}'s own columns, not {columns}")
    # as SQLAlchemy compiles for its cache: the key kept, so that a later query of this shape
    # gives its own values (construct_params' extracted_parameters)
    compiled = cast(SQLCompiler, dialect.statement_compiler(dialect, query, cache_key=key))
    if not all(callable(process) for process in compiled._bind_processors.values()):
        return None
    listing = _Listing(
        compiled=compiled, keys=tuple(cast(Column[Any], c).key for c in columns), processors=()
    )
    statement, _ = listing.sent(key)
    returned = (await connection.prepare(statement)).get_attributes()
    processors = []
    for position, (column, attribute) in enumerate(zip(columns, returned, strict=True)):
        process = column.type.dialect_impl(dialect).result_processor(dialect, attribute.type.oid)
        if process is not None:
            processors.append((position, process))
    known = _Listing(compiled=compiled, keys=listing.keys, processors=tuple(processors))
    _LISTINGS.keep(key.key, known)
    return known


async def listed(session: AsyncSession, model: type[M], query: Select[Any]) -> list[M]:
    """The rows of `select(model)...` as transient entities, for showing (a list's page): the
    statement compiled once per shape and sent on the session's driver connection, each value
    through its column's result processor as `by_id` does. The ORM's execution and loading cost
    a page of 50 employers a fifth of the request. A query while the session holds unflushed
    changes (which the ORM would flush first), or one SQLAlchemy cannot cache, is read by the
    ORM."""
    key = query._generate_cache_key()
    if key is None or session.new or session.dirty or session.deleted:
        return list((await session.scalars(query)).all())
    connection = await driver_connection(session)
    listing = await _listing(query, key, model, session.get_bind().dialect, connection)
    if listing is None:
        return list((await session.scalars(query)).all())
    statement, values = listing.sent(key)
    rows = await connection.fetch(statement, *values)
    new_instance = model.__mapper__.class_manager.new_instance  # type: ignore[attr-defined]
    keys, processors = listing.keys, listing.processors
    entities = []
    for row in rows:
        row_values = list(row)
        for position, process in processors:
            row_values[position] = process(row_values[position])
        entity = new_instance()
        entity.__dict__.update(zip(keys, row_values, strict=True))
        entities.append(entity)
    return entities
