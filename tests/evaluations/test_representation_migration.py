"""Migration 0017 moves the one representation an evaluation held into its statement 1, with
its filer and time; files get their uploader's role; downgrading puts the text back."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text

from app.core import migrations
from app.core.db import create_engine

BEFORE = "0014"
EVALUATION, CLERK, OWNER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


async def _run(url: str, *statements: tuple[str, dict[str, object]]) -> list[list[tuple]]:
    """Each statement in one transaction; the rows each query returned."""
    engine = create_engine(url, pool_size=1)
    answers = []
    try:
        async with engine.begin() as conn:
            for sql, params in statements:
                result = await conn.execute(text(sql), params)
                answers.append([tuple(row) for row in result.all()] if result.returns_rows else [])
    finally:
        await engine.dispose()
    return answers


USER = (
    "INSERT INTO users (id, full_name, username, role, password_hash, is_active, failed_logins, "
    "created_at, updated_at) VALUES (:id, :name, :name, :role, 'x', true, 0, now(), now())"
)
NOTICE = (
    "INSERT INTO evaluations (id, employer_id, cycle, grade, computed_grade, status, origin, "
    "rule_set_version, fired_rules, representation_deadline, representation, represented_at, "
    "represented_by, created_at, updated_at) VALUES (:id, :employer, 2025, 'C', 'C', 'notice', "
    "'batch', 1, ARRAY['C.child_or_forced_labour'], '2026-12-03', '窗口代录的申辩', "
    "'2026-11-27T02:00:00Z', :clerk, now(), now())"
)
FILE = (
    "INSERT INTO representation_attachments (id, evaluation_id, file_name, content_type, "
    "size_bytes, sha256, uploaded_by) VALUES (:id, :evaluation, 'a.pdf', 'application/pdf', 3, "
    ":sha, :by)"
)


async def test_the_single_representation_becomes_statement_one(fresh_database_url):  # type: ignore[no-untyped-def]
    url = fresh_database_url
    await asyncio.to_thread(migrations.upgrade, url, BEFORE)
    await _run(
        url,
        (USER, {"id": CLERK, "name": "clerk", "role": "inspector"}),
        (NOTICE, {"id": EVALUATION, "employer": uuid.uuid4(), "clerk": CLERK}),
        (FILE, {"id": uuid.uuid4(), "evaluation": EVALUATION, "sha": "a" * 64, "by": CLERK}),
    )
    await asyncio.to_thread(migrations.upgrade, url)
    [statements, files, columns] = await _run(
        url,
        ("SELECT seq, text, filed_by, filer_role, channel, filed_at::text "
         "FROM representation_statements WHERE evaluation_id = :e", {"e": EVALUATION}),
        ("SELECT uploader_role FROM representation_attachments", {}),
        ("SELECT column_name FROM information_schema.columns WHERE table_name = 'evaluations' "
         "AND column_name LIKE 'represent%' ORDER BY 1", {}),
    )  # fmt: skip
    assert statements == [(1, "窗口代录的申辩", CLERK, "inspector", None, "2026-11-27 02:00:00+00")]
    assert files == [("inspector",)]
    # the text moved out; the first filing's time and filer stay
    assert columns == [("representation_deadline",), ("represented_at",), ("represented_by",)]

    await asyncio.to_thread(migrations.downgrade, url, BEFORE)
    [back] = await _run(
        url, ("SELECT representation FROM evaluations WHERE id = :e", {"e": EVALUATION})
    )
    assert back == [("窗口代录的申辩",)]
