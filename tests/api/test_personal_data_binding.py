"""A ciphertext of personal data belongs to its row and column: copied elsewhere through SQL, it
shows no one's number in full, the read still answers (masked, the field named in
`unreadable_fields`) and the service logs it."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.models.user import Role
from tests.api.test_blacklist import BASE as LISTINGS
from tests.api.test_blacklist import VERIFIER, _list
from tests.api.test_employers import EMPLOYERS, register

OTHER_NUMBER, OTHER_PHONE = "14112119751231002X", "13900001111"


@pytest.fixture
async def admin(headers_for):
    return await headers_for(Role.admin)


@pytest.fixture
async def staff(headers_for):  # the listings' four eyes, and an admin who sees numbers in full
    found = {role: await headers_for(role) for role in (Role.reviewer, Role.admin)}
    found[VERIFIER] = await headers_for(Role.reviewer)
    return found


async def _copy(connection, table: str, source_column: str, target_column: str, source, target):
    await connection.execute(
        text(
            f"UPDATE {table} SET {target_column} = "
            f"(SELECT {source_column} FROM {table} WHERE id = :source) WHERE id = :target"
        ),
        {"source": uuid.UUID(str(source)), "target": uuid.UUID(str(target))},
    )


def _unreadable_logged(caplog, row_id) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.getMessage() == "personal data unreadable" and getattr(r, "row_id", "") == str(row_id)
    ]


async def test_an_id_number_copied_to_another_employer_does_not_show_there(
    client, admin, connection, caplog
):
    theirs = await register(client, admin)  # 141121199001011234
    mine = await register(
        client, admin, legal_representative_id_number=OTHER_NUMBER, contact_phone=OTHER_PHONE
    )
    column = "legal_representative_id_number_enc"
    await _copy(connection, "employers", column, column, theirs["id"], mine["id"])
    with caplog.at_level(logging.ERROR, logger="app.core.personal_data"):
        response = await client.get(f"{EMPLOYERS}/{mine['id']}", headers=admin)
    assert response.status_code == 200, response.text
    shown = response.json()
    assert shown["legal_representative_id_number"] == "1411**********002X"  # its own, masked
    assert shown["legal_representative_id_number"] != theirs["legal_representative_id_number"]
    assert shown["unreadable_fields"] == ["legal_representative_id_number"]
    assert shown["contact_phone"] == OTHER_PHONE  # the other field of the row still reads
    (logged,) = _unreadable_logged(caplog, mine["id"])
    assert (logged.table, logged.column) == ("employers", column)  # type: ignore[attr-defined]
    listed = await client.get(EMPLOYERS, params={"q": mine["name"]}, headers=admin)
    assert listed.status_code == 200, listed.text
    assert [e["unreadable_fields"] for e in listed.json()["items"]] == [
        ["legal_representative_id_number"]
    ]
    intact = (await client.get(f"{EMPLOYERS}/{theirs['id']}", headers=admin)).json()
    assert intact["unreadable_fields"] == []


async def test_a_phone_copied_into_the_id_number_column_of_its_own_row_does_not_show(
    client, admin, connection
):
    mine = await register(client, admin)
    await _copy(
        connection,
        "employers",
        "contact_phone_enc",
        "legal_representative_id_number_enc",
        mine["id"],
        mine["id"],
    )
    shown = (await client.get(f"{EMPLOYERS}/{mine['id']}", headers=admin)).json()
    assert shown["legal_representative_id_number"] == "1411**********1234"
    assert shown["unreadable_fields"] == ["legal_representative_id_number"]


async def test_a_new_number_over_an_unreadable_one_is_written_and_audited(
    client, admin, connection
):
    theirs = await register(client, admin)
    mine = await register(client, admin, contact_phone=OTHER_PHONE)
    await _copy(
        connection, "employers", "contact_phone_enc", "contact_phone_enc", theirs["id"], mine["id"]
    )
    url = f"{EMPLOYERS}/{mine['id']}"
    etag = (await client.get(url, headers=admin)).headers["etag"]
    changed = await client.patch(
        url, json={"contact_phone": "13911112222"}, headers={**admin, "If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["contact_phone"] == "13911112222"
    assert changed.json()["unreadable_fields"] == []


async def test_a_listed_person_s_id_number_copied_to_another_person_does_not_show_there(
    client, staff, make_employer, connection, clock
):
    employer = await make_employer()
    entry = await _list(
        client, staff[Role.reviewer], staff[VERIFIER], employer.id, clock.today() - timedelta(1)
    )
    first, second = (
        await connection.execute(
            text("SELECT id FROM blacklist_persons WHERE entry_id = :id ORDER BY position"),
            {"id": uuid.UUID(entry["id"])},
        )
    ).scalars()
    await _copy(connection, "blacklist_persons", "id_number_enc", "id_number_enc", first, second)
    response = await client.get(f"{LISTINGS}/{entry['id']}", headers=staff[Role.admin])
    assert response.status_code == 200, response.text
    persons = response.json()["responsible_persons"]
    assert [p["id_number"] for p in persons] == ["14112119800101123X", "1411**********2345"]
    assert [p["unreadable_fields"] for p in persons] == [[], ["id_number"]]


async def test_listed_persons_stay_append_only_but_for_their_ciphertext(
    client, staff, make_employer, connection, clock
):
    """The database lets `rotate-data-key` rewrite a ciphertext, and nothing else of a person."""
    employer = await make_employer()
    entry = await _list(
        client, staff[Role.reviewer], staff[VERIFIER], employer.id, clock.today() - timedelta(1)
    )
    with pytest.raises(DBAPIError, match="append-only"):
        async with connection.begin_nested():
            await connection.execute(
                text(
                    "UPDATE blacklist_persons SET id_number_masked = '1411**********0000', "
                    "id_number_enc = id_number_enc WHERE entry_id = :id"
                ),
                {"id": uuid.UUID(entry["id"])},
            )
