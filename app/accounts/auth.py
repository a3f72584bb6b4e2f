"""Logins, tokens and API keys: argon2 passwords, short-lived JWTs, hashed scoped keys."""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
import uuid
from datetime import timedelta
from typing import Any

import jwt
from pwdlib import PasswordHash
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from app.accounts import throttle
from app.accounts.errors import (
    AccountInactive,
    ApiKeyInvalid,
    ClientRevoked,
    InvalidCredentials,
    SignInsThrottled,
    TokenExpired,
    TokenInvalid,
    TokenRevoked,
)
from app.audit import service as audit
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import driver_connection
from app.core.i18n import Text
from app.models.client import ApiClient
from app.models.user import Role, User

log = logging.getLogger(__name__)

_hasher = PasswordHash.recommended()
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")
JWT_ALGORITHM = "HS256"
CLAIMS = ("sub", "iat", "exp", "gen")  # every token this service issues has them
CLOCK_SKEW_SECONDS = 60  # a token issued this far in the future still counts (replicas' clocks)
KEY_PREFIX = "lc_"
WRONG = Text("用户名或密码错误", "wrong username or password")
# What a refused token is told: fixed texts, never the JWT library's words (the log has the why).
TOKEN_INVALID = Text(
    "令牌无效：不是本服务签发的，或已被改动",
    "invalid token: not issued by this service, or altered",
)
TOKEN_EXPIRED = Text("令牌已过期，请重新登录", "the token has expired: sign in again")
TOKEN_REVOKED = Text(
    "令牌签发之后，账号的密码被修改或重设，或账号被停用过：请重新登录",
    "since this token was issued the account's password was changed or reset, or the account "
    "was disabled: sign in again",
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher.verify(password, password_hash)


async def login(
    *,
    session: AsyncSession,
    username: str,
    password: str,
    address: str,
    settings: Settings,
    clock: Clock,
    request_id: str | None,
) -> str:
    """Check a password from a client `address`; return a JWT. Failures are counted by address
    (app.accounts.throttle), never against the account: a name that exists and one that does
    not are refused alike, at the same cost."""
    attempt = throttle.Attempt(address, username)
    now = clock.now()
    wait = await throttle.blocked_for(session, attempt, now=now)
    if wait is not None:
        log.warning("sign-in refused: too many failures", extra={"address": address})
        raise SignInsThrottled(
            Text(
                f"这个地址登录失败次数过多；请在 {wait} 秒后再试",
                "too many failed sign-ins from this address; try again later",
            ),
            retry_after=wait,
        )
    user = await session.scalar(select(User).where(User.username == username))
    # the same cost whether or not the account exists, or is disabled
    right = verify_password(password, user.password_hash if user else _DUMMY_HASH)
    if user is None or not user.is_active or not right:
        blocked = await throttle.count_failure(session, attempt, settings=settings, now=now)
        log.warning(
            "sign-in failed",
            extra={"address": address, "account": user.username if user else None},
        )
        if user is not None:
            await _audit_failure(session, user, address, blocked, request_id)
        raise InvalidCredentials(WRONG)
    await throttle.forget_name(session, attempt)
    return issue_token(user, settings, clock)


async def _audit_failure(
    session: AsyncSession, user: User, address: str, blocked: int | None, request_id: str | None
) -> None:
    changes: audit.Changes = {"address": {"old": None, "new": address}}
    if blocked is not None:
        changes["address_held_seconds"] = {"old": None, "new": blocked}
    actor = Actor(kind="user", id=user.id, name=user.username, request_id=request_id)
    await audit.record(
        session=session,
        actor=actor,
        action="auth.login_failed",
        resource_type="user",
        resource_id=user.id,
        changes=changes,
    )


def issue_token(user: User, settings: Settings, clock: Clock) -> str:
    """A JWT for `user`, issued now by the app's clock, valid for `token_minutes` and until the
    account's token generation moves on (a password change or reset, disabling)."""
    now = clock.now()
    claims = {
        "sub": str(user.id),
        "role": user.role,
        "gen": user.token_generation,
        "iat": now,
        "exp": now + timedelta(minutes=settings.token_minutes),
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=JWT_ALGORITHM)


async def actor_from_token(
    *,
    session: AsyncSession,
    token: str,
    settings: Settings,
    clock: Clock,
    request_id: str | None,
) -> Actor:
    user_id, generation = _check_claims(token, settings, clock)
    # Read on every request, never cached: a disabled account or a changed password is refused
    # at once, by every replica. One prepared statement on the request's driver connection.
    driver = await driver_connection(session)
    user = await driver.fetchrow(_ACCOUNT, user_id)
    if user is None or not user["is_active"]:
        raise AccountInactive(
            Text(
                "这个令牌所属的账号已停用或不存在",
                "the account behind this token is disabled or gone",
            )
        )
    if generation != user["token_generation"]:
        log.warning("token refused: superseded", extra={"user_id": str(user_id)})
        raise TokenRevoked(TOKEN_REVOKED)
    return Actor(
        kind="user",
        id=user_id,
        name=user["username"],
        role=Role(user["role"]),
        employer_id=user["employer_id"],
        request_id=request_id,
    )


_ACCOUNT = (
    "SELECT username, role, employer_id, is_active, token_generation FROM users WHERE id = $1"
)


def _check_claims(token: str, settings: Settings, clock: Clock) -> tuple[uuid.UUID, int]:
    """The account and token generation a token names, once its signature and times hold.

    The times are judged by the app's clock (PyJWT would judge them by the wall clock): issued
    no later than now (give or take CLOCK_SKEW_SECONDS), lasting no longer than `token_minutes`
    (a token signed with the right key but a longer life was not issued here), and refused on or
    after `exp` (RFC 7519 §4.1.4)."""
    try:
        user_id, issued, expires, generation = _signed_claims(
            token, settings.secret_key.get_secret_value()
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise _invalid(f"{type(exc).__name__}: {exc}") from None
    now = int(clock.now().timestamp())
    if issued > now + CLOCK_SKEW_SECONDS:
        raise _invalid(f"issued {issued - now} s in the future")
    if not 0 < expires - issued <= settings.token_minutes * 60:
        raise _invalid(f"lasts {expires - issued} s, not up to {settings.token_minutes} min")
    if expires <= now:
        raise TokenExpired(TOKEN_EXPIRED)
    return user_id, generation


@functools.lru_cache(maxsize=4096)
def _signed_claims(token: str, secret: str) -> tuple[uuid.UUID, int, int, int]:
    """The claims of a token whose signature holds under `secret`: the same token always has
    the same, so the signature is checked once per token and process (a front end sends its
    token with every call), not once per request. Only valid tokens are kept (a refusal
    raises); the times and the account are still judged on every request."""
    claims = jwt.decode(
        token,
        secret,
        algorithms=[JWT_ALGORITHM],
        options={"require": list(CLAIMS), "verify_exp": False, "verify_iat": False},
    )
    user_id = uuid.UUID(str(claims["sub"]))
    issued, expires, generation = (_integer(claims[name]) for name in ("iat", "exp", "gen"))
    return user_id, issued, expires, generation


def _integer(value: Any) -> int:
    """A NumericDate or counter as this service writes it: a whole number."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not a whole number")
    return value


def _invalid(reason: str) -> TokenInvalid:
    log.warning("token refused: invalid", extra={"reason": reason})
    return TokenInvalid(TOKEN_INVALID)


def new_api_key() -> tuple[str, str, str]:
    """Return (key, prefix, sha256). Keys are 256-bit random, so a plain digest is enough."""
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, key_digest(key)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def actor_from_api_key(*, session: AsyncSession, key: str, request_id: str | None) -> Actor:
    parts = key.split("_")
    if len(parts) < 3 or not key.startswith(KEY_PREFIX):
        raise ApiKeyInvalid(Text("API 密钥格式不对", "malformed API key"))
    client = await session.scalar(select(ApiClient).where(ApiClient.key_prefix == parts[1]))
    if client is None or not hmac.compare_digest(client.key_hash, key_digest(key)):
        raise ApiKeyInvalid(Text("没有这个 API 密钥", "unknown API key"))
    if client.revoked_at is not None:
        raise ClientRevoked(Text("这个 API 密钥已被吊销", "this API key was revoked"))
    return Actor(
        kind="client",
        id=client.id,
        name=client.name,
        source=client.source,
        scopes=frozenset(client.scopes),
        trusted=client.trusted,
        request_id=request_id,
    )
