"""Warning ahead (docs/law.md §8): from LABOR_CREDIT_CALENDAR_WARNING_FROM (default 10-01) a
calendar that lacks next year is a warning in /readyz (still ready), the
`calendar_next_year_missing` gauge, GET /api/v1/stats/calendar and the daily job's log.

No test depends on which years the installed chinesecalendar ships: 2026 is always there, and
each test makes 2027 and later uncovered in its own rolled-back transaction (`last_loaded_2026`)
and pins the app's clock in 2026 (or 2027).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker

from app.calendar import jobs as calendar_jobs
from app.core.clock import Clock
from app.core.config import Settings
from app.core.jobs import Context
from app.models.policy import WENSHUI_2022
from app.models.user import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")
STATS = "/api/v1/stats/calendar"
GAUGE = re.compile(r"^calendar_next_year_missing (\S+)$", re.MULTILINE)

# Test data for 2027, a year the tests uncover first (not a real notice).
LOAD_2027: dict[str, Any] = {
    "days_off": ["2027-01-01", "2027-01-02", "2027-01-03", "2027-02-08", "2027-02-09"],
    "make_up_workdays": ["2027-02-06"],
    "notice": "测试通知〔2026〕1号",
}

pytestmark = pytest.mark.usefixtures("last_loaded_2026", "policy_extended")


@pytest.fixture
async def policy_extended(connection: AsyncConnection) -> None:
    """No Art 18 warning beside the calendar's (tests/grading/test_policies.py)."""
    await connection.execute(
        text("INSERT INTO policy_extensions (id, policy_id, document) VALUES "
             f"(gen_random_uuid(), '{WENSHUI_2022}', '延期')")
    )  # fmt: skip


@pytest.fixture
async def last_loaded_2026(connection: AsyncConnection) -> None:
    """The calendar ends with 2026: later years are taken off (their days go too, ON DELETE
    CASCADE) in the test's transaction, which the app's requests join and which is rolled back."""
    await connection.execute(text("DELETE FROM calendar_years WHERE year > 2026"))
    assert await connection.scalar(text("SELECT max(year) FROM calendar_years")) == 2026


def _pin(app: FastAPI, *when: int) -> None:
    app.state.clock = Clock.pinned(datetime(*when, tzinfo=SHANGHAI))


async def _gauge(client: httpx.AsyncClient) -> float:
    found = GAUGE.search((await client.get("/metrics")).text)
    assert found, "calendar_next_year_missing is not in /metrics"
    return float(found.group(1))


async def _readyz(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get("/readyz")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    return body


async def test_before_the_warning_day_a_missing_next_year_is_no_warning(
    app, client, headers_for
) -> None:
    _pin(app, 2026, 9, 30, 23, 59)
    assert (await _readyz(client))["warnings"] == []
    assert await _gauge(client) == 0
    r = await client.get(STATS, headers=await headers_for(Role.auditor))
    assert r.status_code == 200, r.text
    assert r.json() == {
        "first_year": r.json()["first_year"],  # whatever the seed's first year is
        "last_year": 2026,
        "year": 2027,
        "covered": False,
        "warn_from": "2026-10-01",
        "warning": None,
    }


async def test_from_the_warning_day_readyz_stays_ready_and_warns(app, client, headers_for) -> None:
    _pin(app, 2026, 10, 1, 0, 5)
    warnings = (await _readyz(client))["warnings"]
    assert len(warnings) == 1
    assert "2027年" in warnings[0]
    assert "PUT /api/v1/calendar/2027" in warnings[0]
    assert await _gauge(client) == 1
    body = (await client.get(STATS, headers=await headers_for(Role.inspector))).json()
    assert (body["year"], body["covered"], body["warning"]) == (2027, False, warnings[0])


async def test_loading_next_year_ends_the_warning(app, client, headers_for) -> None:
    _pin(app, 2026, 11, 20, 9, 0)
    assert (await _readyz(client))["warnings"]
    admin = await headers_for(Role.admin)
    r = await client.put("/api/v1/calendar/2027", json=LOAD_2027, headers=admin)
    assert r.status_code in (200, 201), r.text
    assert (await _readyz(client))["warnings"] == []
    assert await _gauge(client) == 0
    body = (await client.get(STATS, headers=admin)).json()
    assert (body["last_year"], body["year"], body["covered"], body["warning"]) == (
        2027,
        2027,
        True,
        None,
    )


async def test_a_calendar_lacking_this_very_year_warns_at_once(app, client) -> None:
    _pin(app, 2027, 3, 1, 10, 0)  # before 10-01, but 2027 itself is missing
    warnings = (await _readyz(client))["warnings"]
    assert len(warnings) == 1 and "PUT /api/v1/calendar/2027" in warnings[0]
    assert await _gauge(client) == 1


async def test_the_warning_day_is_configurable(app, client, settings: Settings) -> None:
    app.state.settings = settings.model_copy(update={"calendar_warning_from": "12-15"})
    _pin(app, 2026, 12, 14, 12, 0)
    assert (await _readyz(client))["warnings"] == []
    _pin(app, 2026, 12, 15, 0, 0)
    assert len((await _readyz(client))["warnings"]) == 1


async def test_the_statistics_are_for_staff(client, headers_for) -> None:
    assert (await client.get(STATS)).status_code == 401
    r = await client.get(STATS, headers=await headers_for(Role.employer))
    assert r.status_code == 403


# --- the daily job --------------------------------------------------------------------------


def _context(connection: AsyncConnection, settings: Settings, *when: int) -> Context:
    factory = async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    clock = Clock.pinned(datetime(*when, tzinfo=SHANGHAI))
    return Context(factory=factory, settings=settings, clock=clock)


async def _run_check(context: Context, settings: Settings) -> str | None:
    (job,) = calendar_jobs.jobs(settings)
    assert job.name == "calendar_coverage_check"
    return await job.work(context)


async def test_the_daily_job_logs_the_missing_year_in_the_warning_period(
    connection, settings, caplog
) -> None:
    context = _context(connection, settings, 2026, 10, 2, 9, 0)
    with caplog.at_level(logging.WARNING, logger=calendar_jobs.__name__):
        line = await _run_check(context, settings)
    assert line is not None and "2027" in line
    (warned,) = [r for r in caplog.records if r.name == calendar_jobs.__name__]
    assert warned.levelno == logging.WARNING
    assert warned.year == 2027
    assert "2027" in warned.getMessage()


async def test_the_daily_job_is_quiet_before_the_warning_day_and_once_loaded(
    app, client, connection, settings, headers_for, caplog
) -> None:
    with caplog.at_level(logging.WARNING, logger=calendar_jobs.__name__):
        early = await _run_check(_context(connection, settings, 2026, 9, 1, 9, 0), settings)
        _pin(app, 2026, 11, 20, 9, 0)
        r = await client.put(
            "/api/v1/calendar/2027", json=LOAD_2027, headers=await headers_for(Role.admin)
        )
        assert r.status_code in (200, 201), r.text
        loaded = await _run_check(_context(connection, settings, 2026, 11, 20, 9, 0), settings)
    assert early == "calendar does not cover 2027 yet; a warning from 2026-10-01"
    assert loaded == "calendar covers 2027"
    assert [r for r in caplog.records if r.name == calendar_jobs.__name__] == []
