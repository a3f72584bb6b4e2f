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
from sqlalchemy import Column, Select, Table, bindparam, true
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import configure_mappers
from sqlalchemy.sql.cache_key import CacheKey
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine
from sqlmodel import SQLModel

from app.core.db import DriverStatement, driver_connection
from app.core.parsed_cache import ParsedCache

M = TypeVar("M", bound=SQLModel)


@dataclass(frozen=True)
class _Reader(Generic[M]):
    statement: str
    names: tuple[str, ...]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column position, processor)
    model: type[M]

    def build(self, row: Any) -> M:
        return _built(self.model, self.names, self.processors, row)


def _built(
    model: type[M],
    names: tuple[str, ...],
    processors: tuple[tuple[int, Callable[[Any], Any]], ...],
    row: Any,
) -> M:
    """A row as the ORM's loading makes an instance: instrumented (transient), each value through
    its processor, written straight into its __dict__."""
    values = list(row)
    for position, process in processors:
        values[position] = process(values[position])
    entity = model.__mapper__.class_manager.new_instance()  # type: ignore[attr-defined]
    entity.__dict__.update(zip(names, values, strict=True))
    return cast(M, entity)


_READERS: dict[type[SQLModel], _Reader[Any]] = {}


def _statement(table: Table) -> str:
    (key,) = table.primary_key.columns
    listed = ", ".join(f'"{column.name}"' for column in table.columns)
    return f'SELECT {listed} FROM "{table.name}" WHERE "{key.name}" = $1'


async def _processors(
    columns: list[Column[Any]], statement: str, dialect: Dialect, connection: asyncpg.Connection
) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """Each column's result processor for the type the server says the statement returns in its
    place (a processor may depend on it, as Numeric's does), with the column's position; the
    columns are the statement's first."""
    returned = (await connection.prepare(statement)).get_attributes()[: len(columns)]
    processors = []
    for position, (column, attribute) in enumerate(zip(columns, returned, strict=True)):
        impl = column.type.dialect_impl(dialect)
        if _as_given(impl, dialect, attribute.type.oid):
            continue
        process = impl.result_processor(dialect, attribute.type.oid)
        if process is not None:
            processors.append((position, process))
    return tuple(processors)


def _as_given(impl: TypeEngine[Any], dialect: Dialect, oid: int) -> bool:
    """An array of items that need no processing: asyncpg gives it as (nested) lists, which is
    what SQLAlchemy's processor would copy it into (a third of a page of evaluations' rows)."""
    if not isinstance(impl, ARRAY) or impl.as_tuple:
        return False
    return impl.item_type.dialect_impl(dialect).result_processor(dialect, oid) is None


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
        known = _Reader(
            statement=statement,
            names=tuple(column.key for column in table.columns),
            processors=await _processors(list(table.columns), statement, dialect, connection),
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


@dataclass(frozen=True)
class _Beside:
    """A row of a table with the rows of a select beside it, compiled for asyncpg once."""

    statement: DriverStatement
    names: tuple[str, ...]  # the table's columns, each row's first
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]


# by the identity of the select beside, kept with it (so the id stays its own)
_BESIDE: ParsedCache[tuple[str, int], tuple[Select[Any], _Beside]] = ParsedCache(64)


async def by_id_beside(
    session: AsyncSession, model: type[M], entity_id: uuid.UUID, beside: Select[Any]
) -> tuple[M, list[tuple[Any, ...]]] | None:
    """The row of `model`'s table with this primary key, as `by_id` gives it, and in the same
    round trip the rows of `beside`: a select that may refer to the table's columns, joined to
    the row laterally (LEFT JOIN LATERAL … ON true: when it has no row, the entity comes with
    one row of NULLs beside it). None when there is no such row. `beside` is a template, built
    once by its caller (compiled once per identity); its columns come as asyncpg gives them,
    so only of types SQLAlchemy passes through as they are (ids, text, numbers, dates, arrays
    of them). A select nested in it (a scalar subquery, an EXISTS, a subquery it reads from)
    that refers to the row must say `.correlate(table)`: SQLAlchemy correlates a select's own
    clauses to the row, but would give a nested one the whole table as a FROM of its own."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    kept = _BESIDE.get((table.name, id(beside)))
    if kept is not None and kept[0] is beside:
        known = kept[1]
    else:
        configure_mappers()
        (key,) = table.primary_key.columns
        joined = beside.lateral("beside")
        statement = DriverStatement(
            sa_select(*table.columns, *joined.c)
            .select_from(table.outerjoin(joined, true()))
            .where(key == bindparam("entity_id", type_=key.type))
        )
        dialect, connection = session.get_bind().dialect, await driver_connection(session)
        known = _Beside(
            statement=statement,
            names=tuple(column.key for column in table.columns),
            processors=await _processors(list(table.columns), statement.text, dialect, connection),
        )
        _BESIDE.keep((table.name, id(beside)), (beside, known))
    rows = await known.statement.fetch(session, entity_id=entity_id)
    if not rows:
        return None
    width = len(known.names)
    entity = _built(model, known.names, known.processors, rows[0][:width])
    return entity, [row[width:] for row in rows]


@dataclass(frozen=True)
class _Listing:
    """An ORM select of one model's rows, compiled for asyncpg once per shape (its cache key)."""

    compiled: SQLCompiler
    keys: tuple[str, ...]  # the attribute each column of a row goes to
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column position, processor)


def _sent(
    compiled: SQLCompiler, key: CacheKey | None, values: Mapping[str, Any] | None = None
) -> tuple[str, list[Any]]:
    """The statement and the values of a query compiled as `compiled`: a template's `values`, or
    the own values of a query of this shape whose cache key is `key` (SQLAlchemy's extracted
    parameters); an IN list's rendered one bind per item as SQLAlchemy renders it
    (`construct_expanded_state`), each through its type's bind processor."""
    if values is not None:
        given = compiled.construct_params(params=dict(values), escape_names=False)
    else:
        assert key is not None
        given = compiled.construct_params(extracted_parameters=key.bindparams, escape_names=False)
    state = compiled.construct_expanded_state(given)
    processors = cast(Mapping[str, Callable[[Any], Any]], state.processors)
    positional = []
    for name in state.positiontup or ():
        value = state.parameters[name]
        process = processors.get(name)
        positional.append(value if process is None else process(value))
    return state.statement, positional


_LISTINGS: ParsedCache[Any, _Listing] = ParsedCache(512)  # by cache key
# a template's, by its identity (the template kept with it, so the id stays its own)
_TEMPLATES: ParsedCache[int, tuple[Select[Any], _Listing]] = ParsedCache(512)


async def _listing(
    query: Select[Any],
    key: CacheKey | None,
    values: Mapping[str, Any] | None,
    model: type[SQLModel],
    dialect: Dialect,
    connection: Any,
) -> _Listing | None:
    """None for a shape whose binds SQLAlchemy processes element by element (a tuple)."""
    if key is not None:
        known = _LISTINGS.get(key.key)
    else:
        template = _TEMPLATES.get(id(query))
        known = template[1] if template is not None and template[0] is query else None
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
    own = cast(list[Column[Any]], columns)
    statement = _sent(compiled, key, values)[0]
    known = _Listing(
        compiled=compiled,
        keys=tuple(column.key for column in own),
        processors=await _processors(own, statement, dialect, connection),
    )
    if key is not None:
        _LISTINGS.keep(key.key, known)
    else:
        _TEMPLATES.keep(id(query), (query, known))
    return known


async def listed(
    session: AsyncSession,
    model: type[M],
    query: Select[Any],
    values: Mapping[str, Any] | None = None,
) -> list[M]:
    """The rows of `select(model)...` as transient entities, for showing (a list's page): the
    statement compiled once per shape and sent on the session's driver connection, each value
    through its column's result processor as `by_id` does. The ORM's execution and loading cost
    a page of 50 employers a fifth of the request. A query while the session holds unflushed
    changes (which the ORM would flush first), or one SQLAlchemy cannot cache, is read by the
    ORM.

    With `values`, `query` is a template: built once per shape by its caller (module level, or
    cached by which filters are given), its values named binds, given here. Building a query
    costs SQLAlchemy some 100k instructions per comparison (its literal coerced into a bind),
    and its cache key more: a page of credit records built anew spent 0.49M of its 3.8M."""
    if session.new or session.dirty or session.deleted:
        return list((await session.scalars(query, values)).all())
    key = query._generate_cache_key() if values is None else None
    if values is None and key is None:
        return list((await session.scalars(query)).all())
    connection = await driver_connection(session)
    listing = await _listing(query, key, values, model, session.get_bind().dialect, connection)
    if listing is None:
        return list((await session.scalars(query, values)).all())
    statement, positional = _sent(listing.compiled, key, values)
    rows = await connection.fetch(statement, *positional)
    return [_built(model, listing.keys, listing.processors, row) for row in rows]
