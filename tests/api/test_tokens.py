"""Tokens: the claims every token of this service carries, how long one may last, what ends it,
and what a refused one is told (fixed texts, never the JWT library's)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import text

from app.accounts.auth import JWT_ALGORITHM
from app.models.user import Role
from tests.api.test_auth import (
    EXPIRED,
    INVALID,
    INVALID_TYPE,
    ME,
    REVOKED,
    REVOKED_TYPE,
    sign_in,
)
from tests.conftest import PASSWORD, assert_problem

USERS = "/api/v1/users"


def forge(settings, **claims: Any) -> dict[str, str]:
    """A token signed with the service's own key, holding exactly `claims`."""
    token = jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=JWT_ALGORITHM)
    return {"Authorization": f"Bearer {token}"}


def fair(user, clock, **changes: Any) -> dict[str, Any]:
    """The claims the service itself would issue now, with `changes`."""
    now = clock.now()
    claims = {"sub": str(user.id), "role": user.role, "gen": 0, "iat": now}
    return {**claims, "exp": now + timedelta(hours=1), **changes}


async def test_a_token_as_the_service_issues_it_works(client, make_user, settings, clock):
    user = await make_user(Role.admin)
    assert (await client.get(ME, headers=forge(settings, **fair(user, clock)))).status_code == 200


@pytest.mark.parametrize("missing", ["iat", "gen", "sub", "exp"])
async def test_a_token_without_a_claim_the_service_always_issues_is_refused(
    client, make_user, settings, clock, missing
):
    user = await make_user(Role.admin)
    claims = fair(user, clock)
    del claims[missing]
    refused = assert_problem(await client.get(ME, headers=forge(settings, **claims)), 401)
    assert (refused["type"], refused["detail"]) == (INVALID_TYPE, INVALID)


async def test_a_ten_year_token_signed_with_the_right_key_is_refused(
    client, make_user, settings, clock
):
    """exp − iat is at most LABOR_CREDIT_TOKEN_MINUTES: the service never issued this one."""
    user = await make_user(Role.admin)
    claims = fair(user, clock, exp=clock.now() + timedelta(days=3650))
    refused = assert_problem(await client.get(ME, headers=forge(settings, **claims)), 401)
    assert (refused["type"], refused["detail"]) == (INVALID_TYPE, INVALID)
    longest = fair(user, clock, exp=clock.now() + timedelta(minutes=settings.token_minutes))
    assert (await client.get(ME, headers=forge(settings, **longest))).status_code == 200
    longer = fair(
        user, clock, exp=clock.now() + timedelta(minutes=settings.token_minutes, seconds=1)
    )
    assert_problem(await client.get(ME, headers=forge(settings, **longer)), 401)


async def test_a_token_issued_in_the_future_is_refused(client, make_user, settings, clock):
    """By the app's clock; a few seconds ahead (another replica's clock) still count."""
    user = await make_user(Role.admin)
    ahead = clock.now() + timedelta(hours=1)
    claims = fair(user, clock, iat=ahead, exp=ahead + timedelta(minutes=30))
    refused = assert_problem(await client.get(ME, headers=forge(settings, **claims)), 401)
    assert (refused["type"], refused["detail"]) == (INVALID_TYPE, INVALID)
    skewed = clock.now() + timedelta(seconds=20)
    claims = fair(user, clock, iat=skewed, exp=skewed + timedelta(minutes=30))
    assert (await client.get(ME, headers=forge(settings, **claims))).status_code == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"iat": "yesterday"},
        {"gen": "0"},
        {"gen": True},
        {"sub": "not-a-uuid"},
        {"exp": 1.5e9},
    ],
)
async def test_a_claim_of_the_wrong_kind_is_refused_with_the_fixed_text(
    client, make_user, settings, clock, changes
):
    user = await make_user(Role.admin)
    claims = fair(user, clock, **changes)
    refused = assert_problem(await client.get(ME, headers=forge(settings, **claims)), 401)
    assert (refused["type"], refused["detail"]) == (INVALID_TYPE, INVALID)


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "a.b.c",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",  # alg none
        jwt.encode({"sub": "x"}, "someone-else-s-secret-0123456789abcdef", algorithm="HS256"),
    ],
)
async def test_a_refused_token_is_told_fixed_words_in_both_languages(client, token):
    """Never the JWT library's message (which named what it checked and how)."""
    english = assert_problem(
        await client.get(ME, headers={"Authorization": f"Bearer {token}"}), 401
    )
    assert english["detail"] == INVALID
    chinese = await client.get(
        ME, headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh"}
    )
    assert assert_problem(chinese, 401)["detail"] == "令牌无效：不是本服务签发的，或已被改动"


async def test_the_expired_text_is_fixed_too(client, make_user, settings, clock):
    user = await make_user(Role.admin)
    past = clock.now() - timedelta(hours=2)
    claims = fair(user, clock, iat=past, exp=past + timedelta(minutes=30))
    refused = assert_problem(await client.get(ME, headers=forge(settings, **claims)), 401)
    assert refused["detail"] == EXPIRED


async def _patch(client, admin: dict[str, str], user_id, body: dict[str, Any]):
    url = f"{USERS}/{user_id}"
    etag = (await client.get(url, headers=admin)).headers["etag"]
    response = await client.patch(url, json=body, headers={**admin, "If-Match": etag})
    assert response.status_code == 200, response.text
    return response


async def test_a_password_reset_by_an_admin_ends_every_token_issued_before_it(
    client, make_user, headers_for
):
    """Even tokens issued in the same second as the reset (a counter, not a time)."""
    admin = await headers_for(Role.admin)
    user = await make_user(Role.inspector)
    tokens = [(await sign_in(client, user.username)).json()["access_token"] for _ in range(2)]
    before = [{"Authorization": f"Bearer {token}"} for token in tokens]
    assert all([(await client.get(ME, headers=h)).status_code == 200 for h in before])
    await _patch(client, admin, user.id, {"password": "a-new-password-2026"})
    for headers in before:
        refused = assert_problem(await client.get(ME, headers=headers), 401)
        assert (refused["type"], refused["detail"]) == (REVOKED_TYPE, REVOKED)
    assert_problem(await sign_in(client, user.username, PASSWORD), 401)
    fresh = (await sign_in(client, user.username, "a-new-password-2026")).json()["access_token"]
    assert (await client.get(ME, headers={"Authorization": f"Bearer {fresh}"})).status_code == 200


async def test_an_admin_changing_their_own_password_ends_their_other_sessions(
    client, make_user, settings, app
):
    admin = await make_user(Role.admin)
    sessions = [(await sign_in(client, admin.username)).json()["access_token"] for _ in range(2)]
    laptop, phone = ({"Authorization": f"Bearer {token}"} for token in sessions)
    await _patch(client, laptop, admin.id, {"password": "my-own-new-password"})
    assert assert_problem(await client.get(ME, headers=phone), 401)["type"] == REVOKED_TYPE
    assert assert_problem(await client.get(ME, headers=laptop), 401)["type"] == REVOKED_TYPE


async def test_a_change_without_a_new_password_leaves_the_tokens_alone(
    client, make_user, headers_for
):
    admin = await headers_for(Role.admin)
    user = await make_user(Role.inspector)
    token = (await sign_in(client, user.username)).json()["access_token"]
    await _patch(client, admin, user.id, {"full_name": "改了名字"})
    assert (await client.get(ME, headers={"Authorization": f"Bearer {token}"})).status_code == 200


async def test_a_token_from_before_an_account_was_disabled_stays_dead_once_it_is_enabled(
    client, make_user, headers_for
):
    admin = await headers_for(Role.admin)
    user = await make_user(Role.inspector)
    token = (await sign_in(client, user.username)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    await _patch(client, admin, user.id, {"is_active": False})
    assert_problem(await client.get(ME, headers=headers), 401)
    await _patch(client, admin, user.id, {"is_active": True})
    assert assert_problem(await client.get(ME, headers=headers), 401)["type"] == REVOKED_TYPE


async def test_ending_the_tokens_is_audited(client, make_user, headers_for, connection):
    admin = await headers_for(Role.admin)
    user = await make_user(Role.inspector)
    await _patch(client, admin, user.id, {"password": "a-new-password-2026"})
    (changes,) = (
        await connection.execute(
            text("SELECT changes FROM audit_events WHERE resource_id = :id AND action = "
                 "'user.update'"),
            {"id": str(user.id)},
        )
    ).scalars().all()  # fmt: skip
    assert changes["token_generation"] == {"old": 0, "new": 1}
    assert changes["password"] == {"old": "***", "new": "***"}
