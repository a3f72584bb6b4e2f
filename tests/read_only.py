"""Read-only savepoints: what the read-only pool (app.core.db.create_engine(read_only=True)) is
to a request of a safe method, for the tests, whose requests all run in one transaction that is
rolled back at the end."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session


class _ReadOnlySavepoint(Session):
    """A session in a savepoint of a connection's transaction that refuses writes, as the
    read-only pool's connections do."""


@event.listens_for(_ReadOnlySavepoint, "after_begin")
def _refuse_writes(session: Session, transaction: Any, connection: Any) -> None:
    connection.exec_driver_sql("SET LOCAL transaction_read_only = on")  # undone by the rollback


def read_only_savepoints(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions for the safe methods' requests on `connection`, each in a savepoint that is
    read-only and rolled back (`app.core.db.RequestTransaction`)."""
    return async_sessionmaker(
        bind=connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
        sync_session_class=_ReadOnlySavepoint,
    )
