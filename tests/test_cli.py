"""The `labor-credit` command on a database of its own: the commands commit for real."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from app import cli, demo
from app.accounts import auth
from app.core.config import get_settings
from app.employers import uscc
from app.models.employer import SubjectType
from tests.conftest import SECRETS_ENV

Cli = Callable[..., Awaitable[str]]


@pytest.fixture
async def database(fresh_database_url, monkeypatch, tmp_path) -> AsyncIterator[str]:
    """Point the CLI (get_settings / DATABASE_URL) at a throwaway database, with an audit key
    and a checkpoints file of its own."""
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    for name, value in SECRETS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LABOR_CREDIT_AUDIT_CHECKPOINTS_FILE", str(tmp_path / "checkpoints.jsonl"))
    get_settings.cache_clear()
    yield fresh_database_url
    get_settings.cache_clear()


@pytest.fixture
def labor_credit(database, capsys) -> Cli:
    """Run `labor-credit *argv` as the shell would; return what it printed."""

    async def run(*argv: str) -> str:
        capsys.readouterr()
        try:
            await asyncio.to_thread(cli.main, list(argv))  # the CLI runs its own event loop
        except SystemExit as exit_:
            exit_.printed = capsys.readouterr().out  # type: ignore[attr-defined]
            raise
        return str(capsys.readouterr().out)

    return run


async def fetch(url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(make_url(url).render_as_string(hide_password=False))
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def test_migrate(labor_credit, database):
    assert (await labor_credit("migrate")).strip() == "database at head"
    assert len(await fetch(database, "SELECT version_num FROM alembic_version")) == 1


async def test_create_user_with_a_password(labor_credit, database):
    out = await labor_credit(
        "create-user", "--username", "first.admin", "--role", "admin", "--password", "a-long-secret"
    )
    assert re.fullmatch(r"created admin account first\.admin \([0-9a-f-]{36}\)\n", out)
    (user,) = await fetch(database, "SELECT id, role, password_hash FROM users")
    assert user["role"] == "admin"
    assert auth.verify_password("a-long-secret", user["password_hash"])
    (event,) = await fetch(database, "SELECT actor_type, actor_name, action FROM audit_events")
    assert tuple(event) == ("system", "cli", "user.create")


async def test_create_user_prompts_for_the_password(labor_credit, database, monkeypatch):
    prompts: list[str] = []

    def typed(prompt: str) -> str:
        prompts.append(prompt)
        return "typed-at-the-prompt"

    monkeypatch.setattr(cli.getpass, "getpass", typed)
    await labor_credit("create-user", "--username", "wang.inspector", "--role", "inspector")
    assert prompts and "password" in prompts[0]
    (user,) = await fetch(database, "SELECT password_hash FROM users")
    assert auth.verify_password("typed-at-the-prompt", user["password_hash"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--username", "x.user", "--role", "admin", "--password", "short"], "password"),
        (
            ["--username", "x.user", "--role", "employer", "--password", "long-enough-1"],
            "employer_id",
        ),
    ],
)
async def test_create_user_refuses_bad_input_with_a_message(labor_credit, argv, message):
    with pytest.raises(SystemExit) as exit_:
        await labor_credit("create-user", *argv)
    assert str(exit_.value.code).startswith("error: ")
    assert message in str(exit_.value.code)


async def test_create_user_twice_is_an_error(labor_credit):
    argv = [
        "create-user",
        "--username",
        "dup.user",
        "--role",
        "auditor",
        "--password",
        "long-enough-1",
    ]
    await labor_credit(*argv)
    with pytest.raises(SystemExit) as exit_:
        await labor_credit(*argv)
    assert exit_.value.code == "error: 用户名 'dup.user' 已被使用 / username 'dup.user' is taken"


async def test_create_client_prints_its_key_once(labor_credit, database):
    out = await labor_credit(
        "create-client", "--name", "县社保中心", "--source", "social_insurance"
    )
    (key,) = re.findall(r"lc_[0-9a-f]{12}_[A-Za-z0-9_-]+", out)
    assert out.count(key) == 1
    assert "['intake']" in out
    (row,) = await fetch(database, "SELECT key_hash, api_clients::text AS whole FROM api_clients")
    assert row["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in row["whole"]


async def test_audit_verify_exit_codes(labor_credit, database):
    for name in ("one.user", "two.user", "three.user"):
        await labor_credit(
            "create-user", "--username", name, "--role", "auditor", "--password", "long-enough-1"
        )
    intact = json.loads(await labor_credit("audit", "verify"))
    assert intact["intact"] is True and intact["checked"] == 3

    seqs = [r["seq"] for r in await fetch(database, "SELECT seq FROM audit_events ORDER BY seq")]
    conn = await asyncpg.connect(database)
    try:  # an insider with the table owner's rights, behind the trigger's back
        await conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable")
        await conn.execute("UPDATE audit_events SET actor_name = 'nobody' WHERE seq = $1", seqs[1])
        await conn.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_immutable")
    finally:
        await conn.close()

    with pytest.raises(SystemExit) as exit_:
        await labor_credit("audit", "verify")
    assert exit_.value.code == 1
    broken = json.loads(cli_output_of(exit_))
    assert broken["intact"] is False
    assert broken["first_broken_seq"] == seqs[1]


async def test_audit_checkpoint_then_a_deleted_tail(labor_credit, database, tmp_path, capsys):
    for name in ("one.user", "two.user", "three.user"):
        await labor_credit(
            "create-user", "--username", name, "--role", "auditor", "--password", "long-enough-1"
        )
    line = (await labor_credit("audit", "checkpoint")).strip()
    signed = json.loads(line)
    seqs = [r["seq"] for r in await fetch(database, "SELECT seq FROM audit_events ORDER BY seq")]
    assert (signed["seq"], signed["count"]) == (seqs[-1], 3) and len(signed["signature"]) == 64
    kept = Path(get_settings().audit_checkpoints_path)
    assert kept.read_text().splitlines() == [line]  # noqa: ASYNC240  (where an auditor copies it)
    auditors_copy = tmp_path / "kept-by-the-auditor.jsonl"
    auditors_copy.write_text(line + "\n")
    kept.unlink()  # noqa: ASYNC240  (the service's file gone too: the auditor's copy tells)

    conn = await asyncpg.connect(database)
    try:  # the newest event deleted behind the triggers' back
        await conn.execute("ALTER TABLE audit_events DISABLE TRIGGER ALL")
        await conn.execute("DELETE FROM audit_events WHERE seq = $1", seqs[-1])
        await conn.execute("ALTER TABLE audit_events ENABLE TRIGGER ALL")
    finally:
        await conn.close()
    assert json.loads(await labor_credit("audit", "verify"))["intact"] is True  # chain alone

    with pytest.raises(SystemExit) as exit_:
        await labor_credit("audit", "verify", "--checkpoints", str(auditors_copy))
    assert exit_.value.code == 1
    found = json.loads(cli_output_of(exit_))
    print(f"labor-credit audit verify: {cli_output_of(exit_)}")
    assert [f["kind"] for f in found["findings"]] == ["tail_deleted"]
    assert found["reason"].startswith(
        f"events deleted from the end: the trail ends at seq {seqs[-2]}, but the checkpoint of "
    )


def cli_output_of(exit_: pytest.ExceptionInfo[SystemExit]) -> str:
    """What the command printed before exiting (kept on the exception by `labor_credit`)."""
    return str(getattr(exit_.value, "printed", ""))


async def test_demo_seed_is_believable_and_idempotent(labor_credit, database):
    first = await labor_credit("demo-seed")
    assert "300 employers and 7 accounts added" in first
    assert "(loaded now)" in first and "open C notices" in first
    rows = await fetch(database, "SELECT uscc, subject_type, town FROM employers")
    assert len(rows) == 300
    for row in rows:
        assert uscc.validate(row["uscc"]) == row["uscc"]
        assert row["uscc"][2:8] == "141121"  # Wenshui county's division code
    assert {row["subject_type"] for row in rows} == {t.value for t in SubjectType}
    accounts = await fetch(database, "SELECT username, role FROM users ORDER BY role")
    assert {(a["username"], a["role"]) for a in accounts} == {
        (username, role.value) for username, role, _ in demo.ACCOUNTS
    }
    [(graded,)] = await fetch(database, "SELECT count(DISTINCT cycle) FROM grading_runs")
    assert graded == 3
    audit_events = len(await fetch(database, "SELECT 1 FROM audit_events"))

    second = await labor_credit("demo-seed")
    assert "0 employers and 0 accounts added" in second
    assert "loaded before, left as it is" in second
    assert len(await fetch(database, "SELECT 1 FROM employers")) == 300
    assert len(await fetch(database, "SELECT 1 FROM audit_events")) == audit_events


async def test_import_a_file_with_a_progress_bar(labor_credit, database, tmp_path, capsys):
    from app.intake import files as import_files
    from app.intake import templates

    await labor_credit("create-user", "--username", "li.inspector", "--role", "inspector",
                       "--password", "long-enough-1")  # fmt: skip
    code = uscc.make("91141121" + uscc.organisation_code("MA0K0000"))
    await fetch(
        database,
        "INSERT INTO employers (id, uscc, name, subject_type, legal_representative, town, "
        "industry_code, employee_count, status, checksum_exception, version) VALUES "
        "(gen_random_uuid(), $1, '文水县导入测试有限公司', 'enterprise', '张三', '凤城镇', "
        "'C1311', 5, 'active', false, 1)",
        code,
    )
    keys = [key for key, _ in import_files.COLUMNS]
    # as a clerk writes them: labels, a Chinese date
    good = {"uscc": code, "category": "失信", "source": "劳动保障监察", "kind": "工资",
            "occurred_date": "2026年3月1日", "title": "拖欠工资"}  # fmt: skip
    rows = [templates.header_cells(), [good.get(k, "") for k in keys],
            [{**good, "uscc": "91350100M000100Y4Z"}.get(k, "") for k in keys]]  # fmt: skip
    path = tmp_path / "records.csv"
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
    out = await labor_credit("import", str(path), "--user", "li.inspector")
    assert re.search(r"finished, 1 created, 1 rejected of 2 rows", out), out
    # the spreadsheet's row 3 (the header is row 1), said in Chinese
    assert "第3行 统一社会信用代码: 统一社会信用代码第18位不是允许的字符" in out, out
    (record,) = await fetch(database, "SELECT r.status, u.username FROM credit_records r "
                            "JOIN users u ON u.id = r.collected_by")  # fmt: skip
    assert tuple(record) == ("draft", "li.inspector")


async def test_import_needs_an_account_that_may_import(labor_credit, tmp_path):
    await labor_credit("create-user", "--username", "zhao.auditor", "--role", "auditor",
                       "--password", "long-enough-1")  # fmt: skip
    path = tmp_path / "records.csv"
    path.write_text("uscc,category,source,kind,occurred_date,title\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        await labor_credit("import", str(path), "--user", "zhao.auditor")
    assert "needs the inspector or reviewer role; your role is auditor" in str(exit_.value.code)


NOTICES = Path(__file__).parent / "calendar" / "notices"
TEST_NOTICE_2027 = (NOTICES / "2027-test.txt").read_text(encoding="utf-8")  # not a real notice


@pytest.fixture
async def without_2027(labor_credit, database) -> str:
    """The migrated database with the calendar ending in 2026, whatever chinesecalendar ships."""
    await labor_credit("migrate")
    await fetch(database, "DELETE FROM calendar_years WHERE year > 2026")
    return str(NOTICES / "2027-test.txt")  # a test notice, not the State Council's


async def test_calendar_load_prints_the_notice_and_saves_it(labor_credit, database, without_2027):
    out = await labor_credit("calendar", "load", without_2027, "--year", "2027", "--yes")
    assert "2027 from 国务院办公厅关于2027年部分节假日安排的通知: 28 days off, 6 make-up" in out
    assert "二、春节 (line 6)\n  off      2027-02-05..2027-02-12 8 days\n" in out
    assert "  workday  2027-01-30 Sat\n  workday  2027-02-20 Sat\n" in out
    assert "saved 2027: version 1" in out
    (year,) = await fetch(database, "SELECT source, notice, loaded_by FROM calendar_years "
                          "WHERE year = 2027")  # fmt: skip
    assert tuple(year) == ("admin", "国务院办公厅关于2027年部分节假日安排的通知", "cli")
    days = await fetch(database, "SELECT kind, count(*) AS n FROM calendar_days WHERE year = 2027 "
                       "GROUP BY kind ORDER BY kind")  # fmt: skip
    assert [tuple(d) for d in days] == [("off", 28), ("workday", 6)]

    # loaded already: refused unless --replace
    with pytest.raises(SystemExit) as exit_:
        await labor_credit("calendar", "load", without_2027, "--year", "2027", "--yes")
    assert "calendar 2027 is loaded already" in str(exit_.value.code)
    out = await labor_credit("calendar", "load", without_2027, "--year", "2027", "--yes",
                             "--replace")  # fmt: skip
    assert "saved 2027: version 2" in out


@pytest.mark.parametrize(("answer", "saved"), [("y", True), ("", False), ("n", False)])
async def test_calendar_load_asks_before_saving(
    labor_credit, database, without_2027, monkeypatch, answer, saved
):
    prompts: list[str] = []

    def typed(prompt: str) -> str:
        prompts.append(prompt)
        return answer

    monkeypatch.setattr("builtins.input", typed)
    if saved:
        assert "saved 2027" in await labor_credit(
            "calendar", "load", without_2027, "--year", "2027"
        )
    else:
        with pytest.raises(SystemExit) as exit_:
            await labor_credit("calendar", "load", without_2027, "--year", "2027")
        assert exit_.value.code == "not saved"
        assert "28 days off" in cli_output_of(exit_)  # shown before the question
    assert prompts == ["保存？[y/N] "]
    rows = await fetch(database, "SELECT 1 FROM calendar_years WHERE year = 2027")
    assert len(rows) == (1 if saved else 0)


async def test_calendar_load_of_the_wrong_year_names_the_problems(
    labor_credit, database, without_2027, tmp_path
):
    with pytest.raises(SystemExit) as exit_:  # the 2027 test notice given as 2028
        await labor_credit("calendar", "load", without_2027, "--year", "2028", "--yes")
    message = str(exit_.value.code)
    assert message.startswith("error: the notice for 2028 has problems; nothing saved:")
    assert "这是2027年的通知，不是2028年的" in message
    assert "2028-01-01 is a Saturday, not a Friday" in message
    assert await fetch(database, "SELECT 1 FROM calendar_years WHERE year = 2028") == []

    gbk = tmp_path / "2027-gbk.txt"  # saved on a Chinese Windows desktop
    gbk.write_bytes(TEST_NOTICE_2027.encode("gb18030"))
    out = await labor_credit("calendar", "load", str(gbk), "--year", "2027", "--yes")
    assert "saved 2027: version 1" in out


async def test_openapi_writes_the_served_document_without_a_database(client, tmp_path, capsys):
    out = tmp_path / "api" / "openapi.json"
    cli.main(["openapi", "--out", str(out)])
    served = (await client.get("/openapi.json")).json()
    assert json.loads(out.read_text(encoding="utf-8")) == served
    cli.main(["openapi"])  # to standard output by default
    assert json.loads(capsys.readouterr().out) == served


def test_scheduler_without_a_database_url_refuses(monkeypatch, tmp_path, capsys):
    """It would start an embedded database of its own, empty, and report itself leader of it:
    the scheduler of a service on a PostgreSQL server that forgot DATABASE_URL."""
    for name in ("DATABASE_URL", "LABOR_CREDIT_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LABOR_CREDIT_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as exit_:
            cli.main(["scheduler"])
    finally:
        get_settings.cache_clear()
    message = str(exit_.value.code)
    assert exit_.value.code not in (0, None)
    assert "DATABASE_URL" in message and "--embedded" in message
    assert list(tmp_path.iterdir()) == []  # no embedded server was started
