"""Staff and employer accounts (admins manage them)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from app.accounts import auth
from app.accounts.errors import (
    AccountEmployerUnknown,
    EmployerAccountBinding,
    UsernameTaken,
)
from app.audit import service as audit
from app.core import pagination
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.errors import DoesNotExist, NullNotAllowed, check_if_match
from app.core.i18n import Text
from app.models.employer import Employer
from app.models.user import Role, User, UserCreate, UserUpdate

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_AUDITED = ("username", "full_name", "role", "employer_id", "is_active")


def etag(user: User) -> str:
    """The account as last changed: every change sets `updated_at` (to the microsecond)."""
    return f'"{(user.updated_at - _EPOCH) // timedelta(microseconds=1)}"'


async def get(*, session: AsyncSession, user_id: uuid.UUID, for_update: bool = False) -> User:
    user = await session.get(User, user_id, with_for_update=for_update)
    if user is None:
        raise DoesNotExist(Text(f"用户 {user_id} 不存在", f"user {user_id} does not exist"))
    return user


async def actor_for(*, session: AsyncSession, username: str) -> Actor:
    """The acting user for command-line work done in an account's name."""
    user = await session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        raise DoesNotExist(Text(f"没有有效的账号 {username!r}", f"no active account {username!r}"))
    return _actor(user)


async def actor_for_id(*, session: AsyncSession, user_id: uuid.UUID) -> Actor:
    """The user a background job works for (an import keeps its uploader's name and role)."""
    return _actor(await get(session=session, user_id=user_id))


def _actor(user: User) -> Actor:
    return Actor(
        kind="user",
        id=user.id,
        name=user.username,
        role=Role(user.role),
        employer_id=user.employer_id,
    )


async def list_(
    *, session: AsyncSession, role: Role | None, limit: int, cursor: str | None
) -> tuple[list[User], str | None]:
    query = select(User)
    if role:
        query = query.where(User.role == role)
    if cursor:
        (after,) = pagination.decode_as(cursor, str)
        query = query.where(User.username > after)
    rows = list((await session.scalars(query.order_by(User.username).limit(limit + 1))).all())
    return pagination.page(rows, limit, lambda u: [u.username])


async def create(*, session: AsyncSession, data: UserCreate, actor: Actor) -> User:
    if await session.scalar(select(User.id).where(User.username == data.username)):
        raise UsernameTaken(
            Text(f"用户名 {data.username!r} 已被使用", f"username {data.username!r} is taken")
        )
    await _check_employer(session, data.employer_id)
    user = User(
        **data.model_dump(exclude={"password"}), password_hash=auth.hash_password(data.password)
    )
    session.add(user)
    await session.flush()
    await audit.record(
        session=session,
        actor=actor,
        action="user.create",
        resource_type="user",
        resource_id=user.id,
        changes=audit.created({k: getattr(user, k) for k in _AUDITED}),
    )
    return user


async def update(
    *,
    session: AsyncSession,
    user_id: uuid.UUID,
    data: UserUpdate,
    if_match: str | None,
    actor: Actor,
    clock: Clock,
) -> User:
    """Only with the ETag of the account as it was read (If-Match)."""
    user = await get(session=session, user_id=user_id, for_update=True)
    check_if_match(if_match, etag(user), Text("账号", "account"))
    before = {k: getattr(user, k) for k in _AUDITED}
    values = data.model_dump(exclude_unset=True)
    password = values.pop("password", None)
    for key in ("full_name", "role", "is_active"):
        if key in values and values[key] is None:
            raise NullNotAllowed(key)
    for key, value in values.items():
        setattr(user, key, value)
    if (user.role == Role.employer) != (user.employer_id is not None):
        raise EmployerAccountBinding(
            ["body", "employer_id"],
            Text(
                "用人单位角色必须有 employer_id，其他角色不能有",
                "employer_id is required for, and only for, the employer role",
            ),
        )
    await _check_employer(session, user.employer_id)
    changes = audit.diff(before, {k: getattr(user, k) for k in _AUDITED})
    if password:
        user.password_hash = auth.hash_password(password)
        changes["password"] = {"old": "***", "new": "***"}
    if password or (before["is_active"] and not user.is_active):
        end_sessions(user, changes)
    user.updated_at = clock.now()
    await session.flush()
    await audit.record(
        session=session,
        actor=actor,
        action="user.update",
        resource_type="user",
        resource_id=user.id,
        changes=changes,
    )
    return user


def end_sessions(user: User, changes: audit.Changes) -> None:
    """Every token issued to `user` so far stops working (auth checks the generation it carries),
    whenever it was issued: a counter, not a time, so even one issued the same second ends."""
    changes["token_generation"] = {"old": user.token_generation, "new": user.token_generation + 1}
    user.token_generation += 1


async def _check_employer(session: AsyncSession, employer_id: uuid.UUID | None) -> None:
    if employer_id and await session.get(Employer, employer_id) is None:
        raise AccountEmployerUnknown(
            ["body", "employer_id"],
            Text(f"用人单位 {employer_id} 不存在", f"employer {employer_id} does not exist"),
            "unknown",
        )
