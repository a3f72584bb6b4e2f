"""Migration 0016 (listing review): listings entered before it were verified at entry and stay
as they were, in force or ended; a downgrade refuses to drop drafts."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from app.core import migrations
from tests.conftest import new_uscc

BEFORE = "0014"


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _listing(conn: asyncpg.Connection, *, status: str) -> uuid.UUID:
    """A listing as 0014 wrote it: its record verified at once; `removed` ended early."""
    employer, record, entry = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await conn.execute(
        "INSERT INTO employers (id, uscc, name, subject_type, legal_representative, town, "
        "industry_code, employee_count, status, checksum_exception, version) VALUES "
        "($1, $2, $3, 'enterprise', '张三', '凤城镇', 'C1311', 10, 'active', false, 1)",
        employer, new_uscc(), f"文水县迁移{entry.hex[:6]}有限公司",
    )  # fmt: skip
    await conn.execute(
        "INSERT INTO credit_records (id, record_key, version, revision, status, employer_id, "
        "category, source, kind, occurred_date, decision_date, title, punished, "
        "serious_conditions, in_catalogue, verified_at) VALUES ($1, $2, 1, 1, 'verified', $3, "
        "'dishonesty', 'inspection', 'wage_arrears_listing', $4, $4, '列入名单', true, '{}', "
        "true, now())",
        record, uuid.uuid4(), employer, date(2025, 3, 1),
    )  # fmt: skip
    await conn.execute(
        "INSERT INTO blacklist_entries (id, employer_id, decision_number, listed_on, "
        "payment_order_number, payment_deadline, amount_owed, workers_affected, ground, status, "
        "expires_on, credit_record_id, version) VALUES ($1, $2, '文人社失惩字〔2025〕1号', "
        "'2025-03-01', '文人社监令字〔2025〕7号', '2025-01-30', 86000, 12, "
        "'arrears_over_threshold', 'listed', '2028-03-01', $3, 1)",
        entry, employer, record,
    )  # fmt: skip
    if status == "removed":
        await conn.execute(
            "UPDATE blacklist_entries SET status = 'removed', arrears_paid_on = '2026-05-01', "
            "commitment_received_on = '2026-11-20', removed_on = '2026-11-26', "
            "removal_kind = 'early', removal_reason = '已足额支付', "
            "removal_document = '文人社失移字〔2026〕1号', removed_at = now(), version = 2 "
            "WHERE id = $1",
            entry,
        )
    return entry


async def test_listings_before_review_stay_as_they_were(fresh_database_url):
    url = fresh_database_url
    await asyncio.to_thread(migrations.upgrade, url, BEFORE)
    conn = await asyncpg.connect(_plain(url))
    try:
        listed = await _listing(conn, status="listed")
        removed = await _listing(conn, status="removed")
        await asyncio.to_thread(migrations.upgrade, url)
        for entry, status in ((listed, "listed"), (removed, "removed")):
            row = await conn.fetchrow(
                "SELECT status, credit_record_id IS NOT NULL AS has_record, verified_by, "
                "verified_at = created_at AS verified_at_entry FROM blacklist_entries "
                "WHERE id = $1",
                entry,
            )
            assert dict(row) == {
                "status": status, "has_record": True, "verified_by": None,
                "verified_at_entry": True,
            }  # fmt: skip
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError, match="never changes"):
            await conn.execute("UPDATE blacklist_entries SET version = 3 WHERE id = $1", removed)
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await conn.execute("UPDATE blacklist_entries SET amount_owed = 1 WHERE id = $1", listed)
        await asyncio.to_thread(migrations.downgrade, url, BEFORE)  # no draft: possible
        await asyncio.to_thread(migrations.upgrade, url)
        await conn.execute(
            "INSERT INTO blacklist_entries SELECT (jsonb_populate_record(NULL::blacklist_entries, "
            "to_jsonb(e) || jsonb_build_object('id', gen_random_uuid(), 'status', 'draft', "
            "'credit_record_id', NULL, 'verified_at', NULL))).* FROM blacklist_entries e "
            "WHERE id = $1",
            listed,
        )
        with pytest.raises(Exception, match="draft or revoked"):
            await asyncio.to_thread(migrations.downgrade, url, BEFORE)
    finally:
        await conn.close()
