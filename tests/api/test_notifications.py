"""The inbox through the API: an employer reads its own notices and marks them read; staff see
every employer's, what was sent and when it was read, but do not mark them read."""

from __future__ import annotations

import uuid

from app.models.event import EventSubject
from app.models.user import Role
from tests.conftest import assert_problem
from tests.notifications.support import consume, emit

ZH = {"Accept-Language": "zh-CN"}


async def _told(session, clock, employer_id, n: int = 1) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        payload = {
            "objection_id": str(uuid.uuid4()),
            "handling": "in_house",
            "departments": [],
            "receipt_date": "2026-11-24",
            "due_date": f"2026-12-{i + 1:02d}",
        }
        await emit(
            session,
            "objection.accepted",
            subject=EventSubject.objection,
            employer_id=employer_id,
            payload=payload,
        )
    await consume(session, clock)


async def test_an_employer_reads_only_its_own_and_marks_it_read_once(
    client, session, clock, make_employer, headers_for
):
    own, other = await make_employer(), await make_employer()
    await _told(session, clock, own.id)
    await _told(session, clock, other.id)
    account = await headers_for(Role.employer, employer_id=own.id)

    page = (await client.get("/api/v1/notifications", headers={**account, **ZH})).json()
    [mine] = page["items"]
    assert mine["employer_id"] == str(own.id) and page["next_cursor"] is None
    assert mine["title"] == "异议受理通知" and "2026年12月1日前作出处理决定" in mine["body"]
    assert mine["deadline"] == "2026-12-01" and mine["read_at"] is None
    assert mine["read_by"] is None and mine["deliveries"] is None  # staff only
    english = (await client.get(f"/api/v1/notifications/{mine['id']}", headers=account)).json()
    assert english["title"] == "Objection accepted" and "by 2026-12-01" in english["body"]

    staff = await headers_for(Role.inspector)
    theirs = (
        await client.get(
            "/api/v1/notifications", headers=staff, params={"employer_id": str(other.id)}
        )
    ).json()["items"]
    response = await client.get(f"/api/v1/notifications/{theirs[0]['id']}", headers=account)
    body = assert_problem(response, 404)
    assert body["detail"] == f"notification {theirs[0]['id']} does not exist"
    response = await client.post(f"/api/v1/notifications/{theirs[0]['id']}/read", headers=account)
    assert_problem(response, 404)

    read = await client.post(f"/api/v1/notifications/{mine['id']}/read", headers=account)
    assert read.status_code == 200, read.text
    first = read.json()["read_at"]
    assert first is not None
    again = await client.post(f"/api/v1/notifications/{mine['id']}/read", headers=account)
    assert again.json()["read_at"] == first  # idempotent: the first reading stays

    unread = await client.get("/api/v1/notifications", headers=account, params={"unread": True})
    assert unread.json()["items"] == []


async def test_staff_see_what_was_sent_and_when_it_was_read_but_do_not_mark_it(
    client, session, clock, make_employer, make_user, headers_for
):
    employer = await make_employer()
    await _told(session, clock, employer.id)
    staff = await headers_for(Role.reviewer)
    [sent] = (
        await client.get(
            "/api/v1/notifications", headers=staff, params={"employer_id": str(employer.id)}
        )
    ).json()["items"]
    assert sent["created_at"] and sent["read_at"] is None
    [inbox] = sent["deliveries"]
    assert inbox["channel"] == "api" and inbox["status"] == "sent" and inbox["sent_at"]

    refused = await client.post(f"/api/v1/notifications/{sent['id']}/read", headers=staff)
    body = assert_problem(refused, 403)
    assert body["type"].endswith("/forbidden-role")
    assert "marking a notification read needs the employer role" in body["detail"]

    account = await headers_for(Role.employer, employer_id=employer.id)
    await client.post(f"/api/v1/notifications/{sent['id']}/read", headers=account)
    seen = (await client.get(f"/api/v1/notifications/{sent['id']}", headers=staff)).json()
    assert seen["read_at"] is not None and seen["read_by"] is not None
    read = await client.get(
        "/api/v1/notifications",
        headers=staff,
        params={"employer_id": str(employer.id), "unread": False},
    )
    assert [n["id"] for n in read.json()["items"]] == [sent["id"]]
    by_kind = await client.get(
        "/api/v1/notifications",
        headers=staff,
        params={"employer_id": str(employer.id), "kind": "grade_final"},
    )
    assert by_kind.json()["items"] == []


async def test_pages_follow_the_cursor_newest_first(
    client, session, clock, make_employer, headers_for
):
    employer = await make_employer()
    await _told(session, clock, employer.id, n=5)
    account = await headers_for(Role.employer, employer_id=employer.id)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/notifications", headers=account, params=params)).json()
        seen += [n["id"] for n in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5
    forged = await client.get("/api/v1/notifications", headers=account, params={"cursor": "x"})
    assert assert_problem(forged, 422)["type"].endswith("/cursor-invalid")
