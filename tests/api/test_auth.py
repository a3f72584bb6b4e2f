"""Sign-in: passwords, JWTs with expiry, lockout after repeated failures, API keys."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import jwt
import pytest
from sqlalchemy import text

from app.accounts import auth
from app.accounts.auth import JWT_ALGORITHM
from app.core.clock import Clock
from app.models.client import ClientSource
from app.models.user import Role
from tests import declared_problems
from tests.conftest import PASSWORD, assert_problem

TOKEN = "/api/v1/auth/token"
ME = "/api/v1/auth/me"
# What a refused token is told, whatever the JWT library said (fixed texts, nothing of the token).
INVALID = "invalid token: not issued by this service, or altered"
EXPIRED = "the token has expired: sign in again"
REVOKED = (
    "since this token was issued the account's password was changed or reset, or the account "
    "was disabled: sign in again"
)
INVALID_TYPE, EXPIRED_TYPE, REVOKED_TYPE = (
    "/problems/token-invalid",
    "/problems/token-expired",
    "/problems/token-revoked",
)


async def sign_in(client, username: str, password: str = PASSWORD):
    return await client.post(TOKEN, data={"username": username, "password": password})


@pytest.fixture
def client_at(app):  # type: ignore[no-untyped-def]
    """A client whose requests come from `address` (what the throttle counts by)."""

    def at(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(
            app=declared_problems.Recorder(app), client=(address, 40000)
        )
        return httpx.AsyncClient(
            transport=transport, base_url="http://test", headers={"Accept-Language": "en"}
        )

    return at


async def counted(connection) -> int:
    return (await connection.execute(text("SELECT count(*) FROM sign_in_failures"))).scalar_one()


async def test_sign_in_returns_a_working_token(client, make_user, settings, clock):
    user = await make_user(Role.reviewer)
    response = await sign_in(client, user.username)
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == settings.token_minutes * 60
    claims = jwt.decode(  # its times are the app's clock's, not this process's wall clock
        token["access_token"],
        settings.secret_key.get_secret_value(),
        algorithms=[JWT_ALGORITHM],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["exp"] - claims["iat"] == settings.token_minutes * 60
    assert abs(claims["iat"] - clock.now().timestamp()) < 60
    me = await client.get(ME, headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.json() == {
        "kind": "user",
        "id": str(user.id),
        "name": user.username,
        "role": "reviewer",
        "employer_id": None,
    }


async def test_an_employer_account_token_names_its_employer(client, make_user, make_employer):
    employer = await make_employer()
    user = await make_user(Role.employer, employer_id=employer.id)
    token = (await sign_in(client, user.username)).json()["access_token"]
    me = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert me.json()["employer_id"] == str(employer.id)


async def test_wrong_password_is_401_counted_and_audited(client, make_user, connection):
    user = await make_user(Role.inspector)
    response = await sign_in(client, user.username, "wrong-password")
    assert assert_problem(response, 401)["detail"] == "wrong username or password"
    assert await counted(connection) == 2  # this name from this address, and this address
    event = (
        await connection.execute(
            text(
                "SELECT actor_id, action, resource_type, changes, request_id FROM audit_events "
                "WHERE resource_id = :id"
            ),
            {"id": str(user.id)},
        )
    ).one()
    assert event.action == "auth.login_failed"
    assert event.resource_type == "user"
    assert event.changes == {"address": {"old": None, "new": "127.0.0.1"}}
    assert event.request_id == response.headers["x-request-id"]


async def test_unknown_account_gets_the_same_answer_as_a_wrong_password(client):
    response = await sign_in(client, "nobody-here")
    assert assert_problem(response, 401)["detail"] == "wrong username or password"


async def test_a_good_sign_in_clears_the_count_for_its_name(client, make_user, connection):
    user = await make_user(Role.inspector)
    await sign_in(client, user.username, "wrong-password")
    assert (await sign_in(client, user.username)).status_code == 200
    assert await counted(connection) == 1  # the address's own count stays


async def _fail(client, username: str, times: int) -> None:
    for _ in range(times):
        assert_problem(await sign_in(client, username, "wrong-password"), 401)


async def test_failures_hold_back_the_address_not_the_account(client_at, make_user, settings):
    """A stranger who knows a name cannot lock its owner out: the guessing address waits, and
    the owner signs in from elsewhere."""
    user = await make_user(Role.admin)
    async with client_at("203.0.113.7") as stranger, client_at("10.1.2.3") as owner:
        await _fail(stranger, user.username, settings.login_max_failures)
        held = await sign_in(stranger, user.username)  # even the right password
        assert_problem(held, 429)
        retry_after = int(held.headers["retry-after"])
        assert 0 < retry_after <= settings.login_lock_minutes * 60
        assert (await sign_in(owner, user.username)).status_code == 200


@pytest.mark.parametrize("known", [True, False])
async def test_an_unknown_name_is_counted_and_refused_exactly_like_a_known_one(
    client_at, make_user, settings, known
):
    username = (await make_user(Role.inspector)).username if known else "no-such-account"
    async with client_at("198.51.100.9") as guesser:
        answers = []
        for _ in range(settings.login_max_failures + 1):
            r = await sign_in(guesser, username, "wrong-password")
            answers.append((r.status_code, r.json()["type"], r.json()["detail"]))
    assert [status for status, _, _ in answers] == [401] * settings.login_max_failures + [429]
    assert answers[-1][2] == "too many failed sign-ins from this address; try again later"


async def test_spraying_many_names_from_one_address_holds_it_back(
    app, client_at, make_user, settings
):
    app.state.settings = settings.model_copy(update={"login_address_max_failures": 4})
    user = await make_user(Role.reviewer)
    async with client_at("192.0.2.44") as sprayer, client_at("192.0.2.45") as colleague:
        for n in range(4):  # one guess per name: no name reaches its own limit
            assert_problem(await sign_in(sprayer, f"guess-{n}", "wrong-password"), 401)
        assert_problem(await sign_in(sprayer, user.username), 429)
        assert (await sign_in(colleague, user.username)).status_code == 200


async def test_the_hold_ends_by_the_app_clock(app, client_at, make_user, clock, settings):
    user = await make_user(Role.inspector)
    async with client_at("203.0.113.80") as c:
        await _fail(c, user.username, settings.login_max_failures)
        assert_problem(await sign_in(c, user.username), 429)
        minutes = settings.login_lock_minutes
        app.state.clock = Clock.pinned(clock.now() + timedelta(minutes=minutes, seconds=1))
        assert (await sign_in(c, user.username)).status_code == 200


async def test_failures_outside_the_window_start_a_new_count(
    app, client_at, make_user, clock, settings
):
    user = await make_user(Role.inspector)
    async with client_at("203.0.113.81") as c:
        await _fail(c, user.username, settings.login_max_failures - 1)
        later = clock.now() + timedelta(minutes=settings.login_lock_minutes, seconds=1)
        app.state.clock = Clock.pinned(later)
        await _fail(c, user.username, settings.login_max_failures - 1)  # not yet held back
        assert (await sign_in(c, user.username)).status_code == 200


async def test_a_disabled_account_cannot_sign_in(client, make_user):
    user = await make_user(Role.inspector, is_active=False)
    assert_problem(await sign_in(client, user.username), 401)


async def test_an_expired_token_is_401(client, make_user, settings, clock):
    user = await make_user(Role.admin)
    issued = clock.now() - timedelta(hours=2)
    claims = {
        "sub": str(user.id),
        "role": "admin",
        "iat": issued,
        "exp": issued + timedelta(hours=1),
    }
    token = jwt.encode(
        {**claims, "gen": 0}, settings.secret_key.get_secret_value(), algorithm=JWT_ALGORITHM
    )
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    problem = assert_problem(response, 401)
    assert (problem["type"], problem["detail"]) == (EXPIRED_TYPE, EXPIRED)


async def test_token_expiry_is_judged_by_the_app_clock_not_the_wall_clock(
    app, client, make_user, settings
):
    """A token the app's clock issued a minute ago works though the wall clock has it expired
    for years; a token the wall clock still has valid is refused once the app's clock has
    passed its expiry."""
    user = await make_user(Role.admin)
    shanghai = ZoneInfo("Asia/Shanghai")
    app.state.clock = past = Clock.pinned(datetime(2020, 3, 2, 9, 0, tzinfo=shanghai))
    issued_then = auth.issue_token(user, settings, past)
    app.state.clock = Clock.pinned(datetime(2020, 3, 2, 9, 1, tzinfo=shanghai))
    me = await client.get(ME, headers={"Authorization": f"Bearer {issued_then}"})
    assert me.status_code == 200, me.text
    assert me.json()["id"] == str(user.id)

    expires = datetime(2098, 12, 31, 23, 0, tzinfo=shanghai)  # long after any wall clock here
    claims = {"sub": str(user.id), "gen": 0, "iat": expires - timedelta(hours=1), "exp": expires}
    far_ahead = jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=JWT_ALGORITHM)
    headers = {"Authorization": f"Bearer {far_ahead}"}
    app.state.clock = Clock.pinned(expires - timedelta(minutes=1))
    assert (await client.get(ME, headers=headers)).status_code == 200
    app.state.clock = Clock.pinned(expires)  # on `exp` it has expired (RFC 7519 §4.1.4)
    refused = assert_problem(await client.get(ME, headers=headers), 401)
    assert (refused["type"], refused["detail"]) == (EXPIRED_TYPE, EXPIRED)


async def test_a_token_with_a_malformed_expiry_is_401(client, make_user, settings):
    user = await make_user(Role.admin)
    claims = {"sub": str(user.id), "gen": 0, "iat": 1_700_000_000, "exp": "tomorrow"}
    token = jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=JWT_ALGORITHM)
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert assert_problem(response, 401)["detail"] == INVALID


async def test_a_token_signed_with_another_key_is_401(client, make_user, clock):
    user = await make_user(Role.admin)
    claims = {"sub": str(user.id), "exp": clock.now() + timedelta(hours=1)}
    token = jwt.encode(claims, "someone-else-s-secret-0123456789abcdef", algorithm=JWT_ALGORITHM)
    assert_problem(await client.get(ME, headers={"Authorization": f"Bearer {token}"}), 401)


async def test_a_token_without_expiry_is_401(client, make_user, settings):
    user = await make_user(Role.admin)
    token = jwt.encode(
        {"sub": str(user.id)}, settings.secret_key.get_secret_value(), algorithm=JWT_ALGORITHM
    )
    assert_problem(await client.get(ME, headers={"Authorization": f"Bearer {token}"}), 401)


async def test_a_token_of_a_disabled_account_stops_working(client, make_user, headers_for):
    admin = await headers_for(Role.admin)
    user = await make_user(Role.inspector)
    token = (await sign_in(client, user.username)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get(ME, headers=headers)).status_code == 200
    url = f"/api/v1/users/{user.id}"
    etag = (await client.get(url, headers=admin)).headers["etag"]
    disabled = await client.patch(
        url, json={"is_active": False}, headers={**admin, "If-Match": etag}
    )
    assert disabled.status_code == 200, disabled.text
    assert_problem(await client.get(ME, headers=headers), 401)


# --- API keys -----------------------------------------------------------------------------


async def test_an_api_key_is_shown_once_and_only_its_sha256_is_stored(
    client, headers_for, connection
):
    admin = await headers_for(Role.admin)
    response = await client.post(
        "/api/v1/clients", json={"name": "县社保中心", "source": "social_insurance"}, headers=admin
    )
    assert response.status_code == 201, response.text
    created = response.json()
    key = created["api_key"]
    row = (
        await connection.execute(
            text("SELECT key_hash, api_clients::text AS whole_row FROM api_clients WHERE id = :id"),
            {"id": created["id"]},
        )
    ).one()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in row.whole_row
    secret = key.split("_", 2)[2]  # token_urlsafe may itself hold "_": split the prefix only
    assert secret not in row.whole_row  # the secret part is nowhere
    listed = await client.get("/api/v1/clients", headers=admin)
    assert "api_key" not in listed.text and key not in listed.text
    me = await client.get(ME, headers={"X-API-Key": key})
    assert me.json()["kind"] == "client" and me.json()["id"] == created["id"]


async def test_a_revoked_key_is_401(client, headers_for, make_api_client):
    client_id, key = await make_api_client()
    assert (await client.get(ME, headers={"X-API-Key": key})).status_code == 200
    revoked = await client.post(
        f"/api/v1/clients/{client_id}/revocation", headers=await headers_for(Role.admin)
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    problem = assert_problem(await client.get(ME, headers={"X-API-Key": key}), 401)
    assert "revoked" in problem["detail"]


async def test_a_key_with_a_known_prefix_but_wrong_secret_is_401(client, make_api_client):
    _, key = await make_api_client()
    forged = key[: key.rindex("_") + 1] + "A" * 43
    assert_problem(await client.get(ME, headers={"X-API-Key": forged}), 401)


@pytest.mark.parametrize(
    ("source", "scopes"),
    [
        (ClientSource.social_insurance, ["intake"]),
        (ClientSource.arbitration, ["intake"]),
        (ClientSource.labour_relations, ["intake"]),
        (ClientSource.city_platform, ["receipts"]),
    ],
)
async def test_a_client_gets_the_scopes_its_source_needs(client, headers_for, source, scopes):
    response = await client.post(
        "/api/v1/clients",
        json={"name": "系统", "source": source.value},
        headers=await headers_for(Role.admin),
    )
    assert response.json()["scopes"] == scopes


async def test_an_api_key_does_not_reach_staff_routes(client, make_api_client):
    _, key = await make_api_client()
    response = await client.get("/api/v1/employers", headers={"X-API-Key": key})
    problem = assert_problem(response, 403)
    assert problem["type"] == "/problems/client-scope-missing"
    assert problem["detail"] == "reading employers is for signed-in staff, not for API clients"
