"""Key rotation for personal data (`labor-credit rotate-data-key`): every ciphertext not under the
current data key is decrypted and encrypted again under it, in batches, each its own transaction.

A batch takes the next rows in id order whose header is not the current key's (skipping rows
another transaction holds), so a run killed at any point loses nothing: the rows it rewrote are
on the current key and the next run continues with the rest. A ciphertext that does not decrypt
(moved, altered, or under a key no longer configured) is left as it is and counted.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core import personal_data
from app.core.personal_data import Column, Keyring


@dataclass
class Batch:
    column: Column
    rekeyed: list[tuple[uuid.UUID, dict[str, int]]] = field(default_factory=list)  # id, old
    unreadable: list[uuid.UUID] = field(default_factory=list)
    last_id: uuid.UUID | None = None  # the next batch starts after it; None: the column is done


@dataclass
class Rotation:
    rekeyed: int = 0
    unreadable: int = 0
    finished: bool = False  # every column walked to its end (not stopped by `max_batches`)
    stale: dict[Column, int] = field(default_factory=dict)  # left on older keys, by column


def _table(column: Column) -> sa.TableClause:
    return sa.table(
        column.table, sa.column("id", sa.Uuid()), sa.column(column.column, sa.LargeBinary())
    )


def _stale(table: sa.TableClause, column: Column, keys: Keyring) -> sa.ColumnElement[bool]:
    blob = table.c[column.column]
    header = sa.literal(keys.header, sa.LargeBinary())
    return sa.and_(blob.is_not(None), sa.func.substr(blob, 1, len(keys.header)) != header)


async def rekey_batch(
    *, session: AsyncSession, column: Column, keys: Keyring, after: uuid.UUID | None, size: int
) -> Batch:
    """Re-encrypt up to `size` rows of `column` after `after` (id order) under the current key."""
    table = _table(column)
    query = sa.select(table.c.id, table.c[column.column]).where(_stale(table, column, keys))
    if after is not None:
        query = query.where(table.c.id > after)
    query = query.order_by(table.c.id).limit(size).with_for_update(skip_locked=True)
    rows = (await session.execute(query)).all()
    batch = Batch(column, last_id=rows[-1][0] if len(rows) == size else None)
    rewritten = []
    for row_id, blob in rows:
        try:
            plain = personal_data.decrypt(blob, keys=keys, column=column, row_id=row_id)
        except personal_data.Unreadable:
            batch.unreadable.append(row_id)
            continue
        new = personal_data.encrypt(plain, keys=keys, column=column, row_id=row_id)
        rewritten.append({"row_id": row_id, "new_blob": new})
        batch.rekeyed.append((row_id, personal_data.version(blob)))
    if rewritten:
        update = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("row_id"))
            .values({column.column: sa.bindparam("new_blob")})
        )
        await session.execute(update, rewritten)
    return batch


async def stale_counts(*, session: AsyncSession, keys: Keyring) -> dict[Column, int]:
    """Rows of each column of personal data not on the current key."""
    counts = {}
    for column in personal_data.COLUMNS:
        table = _table(column)
        query = sa.select(sa.func.count()).select_from(table).where(_stale(table, column, keys))
        counts[column] = int(await session.scalar(query) or 0)
    return counts


Recorder = Callable[[AsyncSession, Batch], Awaitable[None]]


async def rotate(
    *,
    factory: async_sessionmaker[AsyncSession],
    keys: Keyring,
    size: int,
    record: Recorder,
    progress: Callable[[Batch], None],
    max_batches: int | None = None,
) -> Rotation:
    """Every column, batch by batch; `record` writes each batch's audit events in its
    transaction. Stops after `max_batches` batches when given (a later run resumes)."""
    result, batches = Rotation(finished=True), 0
    for column in personal_data.COLUMNS:
        after: uuid.UUID | None = None
        while result.finished:
            if max_batches is not None and batches >= max_batches:
                result.finished = False
                break
            async with factory() as session, session.begin():
                batch = await rekey_batch(
                    session=session, column=column, keys=keys, after=after, size=size
                )
                await record(session, batch)
            batches += 1
            result.rekeyed += len(batch.rekeyed)
            result.unreadable += len(batch.unreadable)
            progress(batch)
            if batch.last_id is None:
                break
            after = batch.last_id
    async with factory() as session:
        result.stale = await stale_counts(session=session, keys=keys)
    return result
