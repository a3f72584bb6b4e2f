"""The calendar API (/api/v1/calendar) and `labor-credit calendar show`.

No test depends on which years the installed chinesecalendar ships (docs/law.md §8): 2026 is
always there, and the tests of a year not loaded yet make 2027 and later uncovered themselves,
in their own rolled-back transaction (`last_loaded_2026`).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.models.evaluation import Evaluation, EvaluationOrigin, EvaluationStatus
from app.models.problem import PROBLEM_BASE
from app.models.user import Role
from tests.conftest import AUDIT_KEY, assert_problem

URL = "/api/v1/calendar"
PROBLEMS = PROBLEM_BASE

# Test data for 2027, a year the tests uncover first (not a real notice).
LOAD_2027: dict[str, Any] = {
    "days_off": ["2027-01-01", "2027-01-02", "2027-01-03", "2027-02-08", "2027-02-09"],
    "make_up_workdays": ["2027-02-06"],
    "notice": "测试通知〔2026〕1号",
}


@pytest.fixture
async def last_loaded_2026(connection: AsyncConnection) -> None:
    """The calendar ends with 2026, whether or not the installed chinesecalendar ships 2027 or
    later: those years are taken off (their days go too, ON DELETE CASCADE) in the test's
    transaction, which the app's requests join and which is rolled back."""
    await connection.execute(text("DELETE FROM calendar_years WHERE year > 2026"))
    last = await connection.scalar(text("SELECT max(year) FROM calendar_years"))
    assert last == 2026


def _package_years() -> list[int]:
    return sorted({d.year for d in chinese_calendar.holidays})


async def test_a_signed_in_employer_reads_the_2026_notice(client, headers_for) -> None:
    r = await client.get(f"{URL}/2026", headers=await headers_for(Role.employer))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["year"] == 2026
    assert body["make_up_workdays"] == [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ]
    assert len(body["days_off"]) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert body["days_off"][:3] == ["2026-01-01", "2026-01-02", "2026-01-03"]
    assert body["source"] == "chinesecalendar"
    assert r.headers["etag"] == '"1"'


async def test_reading_needs_a_sign_in(client) -> None:
    r = await client.get(f"{URL}/2026")
    assert r.status_code == 401


@pytest.mark.usefixtures("last_loaded_2026")
async def test_a_year_not_loaded_is_a_404_naming_it(client, headers_for) -> None:
    r = await client.get(f"{URL}/2031", headers=await headers_for(Role.inspector))
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert "2031" in r.json()["detail"]
    assert r.json()["year"] == 2031


async def test_list_of_covered_years(client, headers_for) -> None:
    r = await client.get(URL, headers=await headers_for(Role.auditor))
    assert r.status_code == 200
    assert r.json()["next_cursor"] is None
    years = [row["year"] for row in r.json()["items"]]
    package_years = _package_years()  # every year the installed package knows, and only those
    assert years == package_years == list(range(package_years[0], package_years[-1] + 1))
    assert years[0] <= 2015
    assert 2026 in years


async def test_working_days_gives_the_due_date(client, headers_for) -> None:
    headers = await headers_for(Role.employer)
    r = await client.get(
        f"{URL}/working-days", params={"start": "2026-09-30", "days": 3}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"start": "2026-09-30", "days": 3, "due": "2026-10-10"}


@pytest.mark.usefixtures("last_loaded_2026")
async def test_working_days_into_an_uncovered_year_is_refused(client, headers_for) -> None:
    headers = await headers_for(Role.reviewer)
    r = await client.get(
        f"{URL}/working-days", params={"start": "2026-12-28", "days": 5}, headers=headers
    )
    assert r.status_code == 409
    problem = r.json()
    assert problem["type"] == PROBLEMS + "calendar-year-missing"
    assert problem["year"] == 2027
    assert "2027" in problem["detail"]


@pytest.mark.parametrize("days", [0, -1, 367])
async def test_working_days_bad_count_is_a_422(client, headers_for, days: int) -> None:
    headers = await headers_for(Role.reviewer)
    r = await client.get(
        f"{URL}/working-days", params={"start": "2026-01-05", "days": days}, headers=headers
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["query", "days"]


@pytest.mark.usefixtures("last_loaded_2026")
@pytest.mark.parametrize("role", [Role.inspector, Role.reviewer, Role.auditor, Role.employer])
async def test_only_an_admin_loads_a_year(client, headers_for, role: Role) -> None:
    r = await client.put(f"{URL}/2027", json=LOAD_2027, headers=await headers_for(role))
    assert r.status_code == 403
    r = await client.get(f"{URL}/2027", headers=await headers_for(Role.admin))
    assert r.status_code == 404


@pytest.mark.usefixtures("last_loaded_2026")
@pytest.mark.parametrize(
    ("change", "loc", "kind"),
    [
        ({"days_off": ["2026-12-31"]}, ["body", "days_off", 0], "calendar.outside_year"),
        (
            {"make_up_workdays": ["2028-01-08"]},
            ["body", "make_up_workdays", 0],
            "calendar.outside_year",
        ),
        (
            {"days_off": ["2027-01-01", "2027-01-02", "2027-01-01"]},
            ["body", "days_off", 2],
            "calendar.duplicate",
        ),
        (
            {"make_up_workdays": ["2027-02-06", "2027-02-06"]},
            ["body", "make_up_workdays", 1],
            "calendar.duplicate",
        ),
        (
            {"make_up_workdays": ["2027-01-02"]},  # a Saturday already listed as a day off
            ["body", "make_up_workdays", 0],
            "calendar.both",
        ),
        (
            {"make_up_workdays": ["2027-01-04"]},  # a Monday
            ["body", "make_up_workdays", 0],
            "calendar.workday_not_weekend",
        ),
        ({"days_off": []}, ["body", "days_off"], "too_short"),
        ({"days_off": ["2027-02-30"]}, ["body", "days_off", 0], "date_from_datetime_parsing"),
        ({"notice": "  "}, ["body", "notice"], "value_error"),
        ({"notice": "x" * 101}, ["body", "notice"], "string_too_long"),
    ],
)
async def test_a_bad_load_is_a_precise_422_and_changes_nothing(
    client, headers_for, change: dict[str, Any], loc: list[Any], kind: str
) -> None:
    admin = await headers_for(Role.admin)
    r = await client.put(f"{URL}/2027", json={**LOAD_2027, **change}, headers=admin)
    assert r.status_code == 422, r.text
    problem = r.json()
    days = kind.startswith("calendar.")  # the days' own rules; the rest is the schema's
    assert problem["type"] == PROBLEMS + ("calendar-days-invalid" if days else "validation")
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [(loc, kind)]
    assert (await client.get(f"{URL}/2027", headers=admin)).status_code == 404


async def test_a_year_outside_the_sane_range_is_a_422(client, headers_for) -> None:
    r = await client.put(f"{URL}/1999", json=LOAD_2027, headers=await headers_for(Role.admin))
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["path", "year"]


@pytest.mark.usefixtures("last_loaded_2026")
async def test_put_then_get_round_trip_is_audited(client, headers_for) -> None:
    admin = await headers_for(Role.admin)
    r = await client.put(f"{URL}/2027", json=LOAD_2027, headers=admin)
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"1"'

    r = await client.get(f"{URL}/2027", headers=await headers_for(Role.employer))
    body = r.json()
    assert body["days_off"] == LOAD_2027["days_off"]
    assert body["make_up_workdays"] == LOAD_2027["make_up_workdays"]
    assert body["notice"] == LOAD_2027["notice"]
    assert body["source"] == "admin"
    assert body["loaded_by"].startswith("admin-")
    years = [row["year"] for row in (await client.get(URL, headers=admin)).json()["items"]]
    assert years[-1] == 2027

    r = await client.get(
        "/api/v1/audit-events",
        params={"resource_type": "calendar_year", "resource_id": "2027"},
        headers=admin,
    )
    (event,) = r.json()["items"]
    assert event["action"] == "calendar.load"
    assert event["actor_name"] == body["loaded_by"]
    assert event["changes"]["days_off"] == {"old": None, "new": LOAD_2027["days_off"]}
    assert event["changes"]["notice"] == {"old": None, "new": LOAD_2027["notice"]}


async def test_replacing_a_year_changes_a_computed_deadline(client, headers_for) -> None:
    admin = await headers_for(Role.admin)
    query = {"start": "2026-09-30", "days": 3}
    before = await client.get(f"{URL}/working-days", params=query, headers=admin)
    assert before.json()["due"] == "2026-10-10"  # the make-up Saturday counts

    current = (await client.get(f"{URL}/2026", headers=admin)).json()
    load = {
        "days_off": current["days_off"],
        "make_up_workdays": [d for d in current["make_up_workdays"] if d != "2026-10-10"],
        "notice": "国办发明电〔2025〕7号（更正）",
    }
    r = await client.put(f"{URL}/2026", json=load, headers={**admin, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'

    after = await client.get(f"{URL}/working-days", params=query, headers=admin)
    assert after.json()["due"] == "2026-10-12"  # an ordinary Saturday now: Monday instead

    r = await client.get(
        "/api/v1/audit-events",
        params={"resource_type": "calendar_year", "resource_id": "2026"},
        headers=admin,
    )
    (event,) = r.json()["items"]
    assert event["changes"]["make_up_workdays"] == {
        "old": current["make_up_workdays"],
        "new": load["make_up_workdays"],
    }
    assert event["changes"]["source"] == {"old": "chinesecalendar", "new": "admin"}
    assert "days_off" not in event["changes"]  # unchanged


async def test_a_stale_if_match_is_refused(client, headers_for) -> None:
    admin = await headers_for(Role.admin)
    current = (await client.get(f"{URL}/2026", headers=admin)).json()
    load = {
        "days_off": current["days_off"],
        "make_up_workdays": current["make_up_workdays"],
        "notice": "国办发明电〔2025〕7号",
    }
    r = await client.put(f"{URL}/2026", json=load, headers={**admin, "If-Match": '"7"'})
    assert r.status_code == 412
    assert (await client.get(f"{URL}/2026", headers=admin)).json()["version"] == 1


async def test_replacing_a_loaded_year_needs_if_match(client, headers_for) -> None:
    admin = await headers_for(Role.admin)
    current = (await client.get(f"{URL}/2026", headers=admin)).json()
    load = {
        "days_off": current["days_off"],
        "make_up_workdays": current["make_up_workdays"],
        "notice": "国办发明电〔2025〕7号",
    }
    problem = assert_problem(await client.put(f"{URL}/2026", json=load, headers=admin), 428)
    assert problem["type"] == PROBLEMS + "if-match-required"
    assert "calendar 2026" in problem["detail"]
    create_only = {**admin, "If-None-Match": "*"}
    problem = assert_problem(await client.put(f"{URL}/2026", json=load, headers=create_only), 412)
    assert problem["type"] == PROBLEMS + "calendar-year-exists"
    assert (await client.get(f"{URL}/2026", headers=admin)).json()["version"] == 1
    r = await client.put(f"{URL}/2026", json=load, headers={**admin, "If-Match": 'W/"1"'})
    assert (r.status_code, r.headers["etag"]) == (200, '"2"')


@pytest.mark.usefixtures("last_loaded_2026")
async def test_a_new_year_needs_no_if_match_and_if_none_match_star_guards_it(
    client, headers_for
) -> None:
    admin = await headers_for(Role.admin)
    guessed = await client.put(f"{URL}/2027", json=LOAD_2027, headers={**admin, "If-Match": '"1"'})
    assert assert_problem(guessed, 412)["type"] == PROBLEMS + "calendar-year-not-loaded-yet"
    odd = await client.put(f"{URL}/2027", json=LOAD_2027, headers={**admin, "If-None-Match": '"1"'})
    assert assert_problem(odd, 422)["errors"][0]["loc"] == ["header", "if-none-match"]
    assert (await client.get(f"{URL}/2027", headers=admin)).status_code == 404
    first = await client.put(f"{URL}/2027", json=LOAD_2027, headers={**admin, "If-None-Match": "*"})
    assert (first.status_code, first.headers["etag"]) == (200, '"1"')
    second = await client.put(
        f"{URL}/2027", json=LOAD_2027, headers={**admin, "If-None-Match": "*"}
    )
    assert assert_problem(second, 412)["type"] == PROBLEMS + "calendar-year-exists"


NOTICES = Path(__file__).parents[1] / "calendar" / "notices"
TEST_NOTICE_2027 = (NOTICES / "2027-test.txt").read_text(encoding="utf-8")  # not a real notice


@pytest.mark.usefixtures("last_loaded_2026")
async def test_a_notice_is_shown_without_saving(client, headers_for) -> None:
    admin = await headers_for(Role.admin)
    r = await client.post(f"{URL}/2027/notice", json={"text": TEST_NOTICE_2027}, headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["saved"] is False
    assert body["year"] == 2027 and body["version"] == 1 and body["source"] == "admin"
    assert len(body["days_off"]) == 28
    assert body["days_off"][:3] == ["2027-01-01", "2027-01-02", "2027-01-03"]
    assert body["make_up_workdays"] == [
        "2027-01-30", "2027-02-20", "2027-04-25", "2027-05-08", "2027-09-26", "2027-10-09"
    ]  # fmt: skip
    assert body["holiday_names"]["2027-10-09"] == "国庆节"
    assert "etag" not in r.headers
    assert (await client.get(f"{URL}/2027", headers=admin)).status_code == 404
    r = await client.get(
        "/api/v1/audit-events",
        params={"resource_type": "calendar_year", "resource_id": "2027"},
        headers=admin,
    )
    assert r.json()["items"] == []


@pytest.mark.usefixtures("last_loaded_2026")
async def test_a_confirmed_notice_is_saved_as_get_shows_it(client, headers_for) -> None:
    admin = await headers_for(Role.admin)
    shown = await client.post(f"{URL}/2027/notice", json={"text": TEST_NOTICE_2027}, headers=admin)
    r = await client.post(
        f"{URL}/2027/notice", json={"text": TEST_NOTICE_2027, "confirm": True}, headers=admin
    )
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["saved"] is True and r.headers["etag"] == '"1"'
    got = await client.get(f"{URL}/2027", headers=await headers_for(Role.employer))
    assert got.json() == {k: v for k, v in saved.items() if k != "saved"}
    for field in ("days_off", "make_up_workdays", "holiday_names", "notice", "source"):
        assert got.json()[field] == shown.json()[field]
    assert got.json()["notice"] == "国务院办公厅关于2027年部分节假日安排的通知"
    r = await client.get(
        f"{URL}/working-days", params={"start": "2026-12-31", "days": 5}, headers=admin
    )
    assert r.json()["due"] == "2027-01-08"
    r = await client.get(
        "/api/v1/audit-events",
        params={"resource_type": "calendar_year", "resource_id": "2027"},
        headers=admin,
    )
    (event,) = r.json()["items"]
    assert event["action"] == "calendar.load"
    assert event["changes"]["days_off"]["new"] == saved["days_off"]


@pytest.mark.usefixtures("last_loaded_2026")
async def test_a_loaded_year_is_replaced_only_when_asked(client, headers_for) -> None:
    admin = await headers_for(Role.admin)
    load = {"text": TEST_NOTICE_2027, "confirm": True}
    assert (await client.post(f"{URL}/2027/notice", json=load, headers=admin)).status_code == 200
    r = await client.post(f"{URL}/2027/notice", json=load, headers=admin)
    problem = assert_problem(r, 409)
    assert problem["type"] == PROBLEMS + "calendar-year-loaded"
    assert problem["year"] == 2027 and problem["version"] == 1
    assert '"replace": true' in problem["detail"]
    # a preview of a loaded year is answered: what the replacement would be
    r = await client.post(f"{URL}/2027/notice", json={"text": TEST_NOTICE_2027}, headers=admin)
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["saved"] is False

    r = await client.post(f"{URL}/2027/notice", json={**load, "replace": True}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.headers["etag"] == '"2"'


@pytest.mark.usefixtures("last_loaded_2026")
async def test_a_year_a_deadline_was_counted_on_keeps_its_days(
    client, headers_for, session
) -> None:
    admin = await headers_for(Role.admin)
    load = {"text": TEST_NOTICE_2027, "confirm": True}
    assert (await client.post(f"{URL}/2027/notice", json=load, headers=admin)).status_code == 200
    session.add(
        Evaluation(
            employer_id=uuid.uuid4(), cycle=2026, grade="C", computed_grade="C",
            status=EvaluationStatus.notice, origin=EvaluationOrigin.batch, rule_set_version=1,
            representation_deadline=date(2027, 1, 8),
        )
    )  # fmt: skip
    await session.flush()
    # the test notice with 中秋 moved a day: the days change
    moved = TEST_NOTICE_2027.replace("9月15日（星期三）", "9月16日（星期四）")
    r = await client.post(
        f"{URL}/2027/notice", json={**load, "text": moved, "replace": True}, headers=admin
    )
    problem = assert_problem(r, 409)
    assert problem["type"] == PROBLEMS + "calendar-year-in-use"
    assert problem["representation_deadlines"] == 1
    assert problem["first_deadline"] == problem["last_deadline"] == "2027-01-08"
    assert "2027-01-08" in problem["detail"]
    got = (await client.get(f"{URL}/2027", headers=admin)).json()
    assert "2027-09-15" in got["days_off"] and got["version"] == 1
    # PUT is refused the same way
    r = await client.put(f"{URL}/2027", json=LOAD_2027, headers={**admin, "If-Match": '"1"'})
    assert assert_problem(r, 409)["type"] == PROBLEMS + "calendar-year-in-use"
    # the same days again change no deadline
    r = await client.post(f"{URL}/2027/notice", json={**load, "replace": True}, headers=admin)
    assert r.status_code == 200, r.text


async def test_the_published_notice_over_the_seeded_year(client, headers_for) -> None:
    admin = await headers_for(Role.admin)
    seeded = (await client.get(f"{URL}/2025", headers=admin)).json()
    text = (NOTICES / "2025.txt").read_text(encoding="utf-8")
    r = await client.post(
        f"{URL}/2025/notice", json={"text": text, "confirm": True, "replace": True}, headers=admin
    )
    assert r.status_code == 200, r.text
    got = (await client.get(f"{URL}/2025", headers=admin)).json()
    assert got["days_off"] == seeded["days_off"]
    assert got["make_up_workdays"] == seeded["make_up_workdays"]
    assert (got["source"], got["notice"]) == ("admin", "国办发明电〔2024〕12号")
    assert got["holiday_names"]["2025-10-06"] == "国庆节、中秋节"


@pytest.mark.usefixtures("last_loaded_2026")
@pytest.mark.parametrize("role", [Role.inspector, Role.reviewer, Role.auditor, Role.employer])
async def test_only_an_admin_loads_a_notice(client, headers_for, role: Role) -> None:
    load = {"text": TEST_NOTICE_2027, "confirm": True}
    r = await client.post(f"{URL}/2027/notice", json=load, headers=await headers_for(role))
    assert_problem(r, 403)
    r = await client.get(f"{URL}/2027", headers=await headers_for(Role.admin))
    assert r.status_code == 404


@pytest.mark.usefixtures("last_loaded_2026")
@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"text": TEST_NOTICE_2027, "confirm": True, "year": 2027}, ["body", "year"],
         "extra_forbidden"),
        ({"text": ""}, ["body", "text"], "string_too_short"),
        ({"confirm": True}, ["body", "text"], "missing"),
        ({"text": "元旦放假三天", "confirm": True}, ["body", "text"],
         "calendar.notice.no_holidays"),
    ],
)  # fmt: skip
async def test_a_bad_notice_request_is_a_422(
    client, headers_for, body: dict[str, Any], loc: list[Any], kind: str
) -> None:
    admin = await headers_for(Role.admin)
    r = await client.post(f"{URL}/2027/notice", json=body, headers=admin)
    problem = assert_problem(r, 422)
    notice = kind.startswith("calendar.notice.")
    assert problem["type"] == PROBLEMS + ("notice-unreadable" if notice else "validation")
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [(loc, kind)]
    assert (await client.get(f"{URL}/2027", headers=admin)).status_code == 404


@pytest.mark.usefixtures("last_loaded_2026")
async def test_the_notice_of_another_year_is_a_422_naming_each_line(client, headers_for) -> None:
    admin = await headers_for(Role.admin)
    text = (NOTICES / "2026.txt").read_text(encoding="utf-8")
    body = {"text": text, "confirm": True}
    chinese = {**admin, "Accept-Language": "zh"}
    problem = assert_problem(
        await client.post(f"{URL}/2027/notice", json=body, headers=chinese), 422
    )
    errors = problem["errors"]
    assert {tuple(e["loc"]) for e in errors} == {("body", "text")}
    assert errors[0]["type"] == "calendar.notice.other_year"
    assert "这是2026年的通知，不是2027年的" in errors[0]["msg"]
    weekday = errors[1]
    assert weekday["type"] == "calendar.notice.weekday"
    assert weekday["msg"].startswith(
        "第7行「一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。"
    )
    english = assert_problem(await client.post(f"{URL}/2027/notice", json=body, headers=admin), 422)
    weekday = english["errors"][1]
    assert weekday["msg"].startswith(
        "line 7 「一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。"
    )
    assert "2027-01-01 is a Friday, not a Thursday" in weekday["msg"]
    assert (await client.get(f"{URL}/2027", headers=admin)).status_code == 404


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "LABOR_CREDIT_ENVIRONMENT": "test",
           "LABOR_CREDIT_AUDIT_KEY": AUDIT_KEY}  # fmt: skip
    command = [sys.executable, "-c", "from app.cli import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


async def test_cli_calendar_show(database_url: str) -> None:
    shown = await asyncio.to_thread(_cli, database_url, "calendar", "show", "2026")
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert "2026: source chinesecalendar" in out
    assert "days off (33):" in out
    assert "2026-02-15..2026-02-23" in out
    assert "9 days  春节" in out
    assert "make-up workdays (6):" in out
    assert "2026-10-10 Sat  国庆节" in out

    # The CLI reads the suite's database as migrated (not a test's transaction): the first
    # year the installed package has no data for is not covered there.
    uncovered = str(_package_years()[-1] + 1)
    missing = await asyncio.to_thread(_cli, database_url, "calendar", "show", uncovered)
    assert missing.returncode == 1
    assert uncovered in missing.stderr
