"""Reading the list: one listing, filtered pages, and the public shape with its persons.

Employers see only their own listings, and not drafts (a draft is not in force until a second
reviewer verifies it, as a draft credit record is not there for its employer); responsible
persons' ID numbers are shown in full to admins only (Art 8), masked to everyone else.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.blacklist import rules
from app.core import access, pagination, personal_data
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.i18n import Text
from app.models.blacklist import (
    BlacklistEntry,
    BlacklistEntryPublic,
    BlacklistPerson,
    ListingStatus,
    ResponsiblePersonPublic,
)
from app.models.user import Role


async def get(*, session: AsyncSession, entry_id: uuid.UUID, actor: Actor) -> BlacklistEntry:
    """An employer sees only its own listings, drafts excepted; anything else is simply not
    there."""
    entry = await session.get(BlacklistEntry, entry_id)
    if actor.role == Role.employer and entry and entry.status == ListingStatus.draft:
        entry = None
    return access.visible(
        actor, entry, missing=Text(f"失信名单条目 {entry_id}", f"blacklist entry {entry_id}")
    )


async def list_(
    *,
    session: AsyncSession,
    actor: Actor,
    employer_id: uuid.UUID | None = None,
    status: ListingStatus | None = None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[BlacklistEntry], str | None]:
    """Newest listing first; `status=draft` lists those awaiting a second reviewer."""
    query = select(BlacklistEntry)
    if (employer_id := access.own_employer(actor, employer_id)) is not None:
        query = query.where(BlacklistEntry.employer_id == employer_id)
    if actor.role == Role.employer:
        query = query.where(BlacklistEntry.status != ListingStatus.draft)
    if status is not None:
        query = query.where(BlacklistEntry.status == status)
    if cursor:
        day, after_id = pagination.decode_as(cursor, date.fromisoformat, uuid.UUID)
        key = func.row(BlacklistEntry.listed_on, BlacklistEntry.id)
        query = query.where(key < func.row(day, after_id))
    order = (col(BlacklistEntry.listed_on).desc(), col(BlacklistEntry.id).desc())
    rows = list((await session.scalars(query.order_by(*order).limit(limit + 1))).all())
    return pagination.page(rows, limit, lambda e: [e.listed_on.isoformat(), str(e.id)])


async def public(
    *,
    session: AsyncSession,
    entries: Sequence[BlacklistEntry],
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> list[BlacklistEntryPublic]:
    """The listings with their persons (one query); ID numbers in full for admins only, and
    whether each may leave the list early today."""
    ids = [e.id for e in entries]
    rows = await session.scalars(
        select(BlacklistPerson)
        .where(col(BlacklistPerson.entry_id).in_(ids))
        .order_by(col(BlacklistPerson.entry_id), col(BlacklistPerson.position))
    )
    persons: dict[uuid.UUID, list[ResponsiblePersonPublic]] = {i: [] for i in ids}
    keys = personal_data.keyring(settings)
    for person in rows:
        number, unreadable = person.id_number_masked, list[str]()
        if actor.role == Role.admin:
            plain = personal_data.reveal(
                person.id_number_enc,
                keys=keys,
                column=personal_data.LISTED_PERSON_ID_NUMBER,
                row_id=person.id,
            )
            if plain is None:
                unreadable.append("id_number")
            else:
                number = plain
        persons[person.entry_id].append(
            ResponsiblePersonPublic(
                name=person.name, role=person.role, id_number=number, unreadable_fields=unreadable
            )
        )
    on = clock.today()
    return [
        BlacklistEntryPublic.model_validate(
            entry,
            update={
                "responsible_persons": persons[entry.id],
                "early_removal_eligible_from": rules.eligible_from(entry, settings),
                "early_removal_eligible": rules.eligible(entry, settings, on),
                "early_removal_missing": rules.missing(entry, settings, on),
            },
        )
        for entry in entries
    ]
