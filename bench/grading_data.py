"""Grading benchmark data: N employers and 5×N credit records, streamed into PostgreSQL by COPY.

Rows are produced by generators and consumed by asyncpg's `copy_records_to_table` as they are
made, a chunk of rows per COPY (one transaction each), so the process never holds more than the
row being encoded: memory stays flat however large N is. Everything is seeded, so a size always
yields the same data.

The mix is a county's over three years: mostly basic and good information, one record in five a
dishonesty record, most of those an investigated-and-punished decision dated 2024–2026, a small
share with a serious C condition, a few wage-arrears listings; most versions verified, some
drafts, some corrected (the superseded version and its verified successor) and some revoked.
Superseded and revoked versions are inserted in their final state with every column the check
constraints ask for (migration 0002); the guard trigger only fires on UPDATE and DELETE.
"""

from __future__ import annotations

import itertools
import random
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
from asyncpg.pgproto.pgproto import UUID as PgUUID

from app.employers import uscc
from app.models.credit_record import (
    PenaltyCategory,
    RecordCategory,
    RecordKind,
    RecordSource,
    RecordStatus,
    SeriousCondition,
    Severity,
)
from bench.harness import DIVISION, plain

RECORDS_PER_EMPLOYER = 5
CHUNK_ROWS = 100_000  # rows per COPY (and per transaction)
SEED = 20251231

# Shares of the mix (of all records, then of dishonesty records).
DISHONESTY_SHARE = 0.20
PUNISHED_SHARE = 0.85  # of dishonesty records: an investigated-and-punished decision
SERIOUS_SHARE = 0.025  # of punished records: one of the five serious C conditions
LISTING_SHARE = 0.003  # of dishonesty records: a wage-arrears listing
# Of record versions: the rest are verified.
DRAFT_SHARE, SUPERSEDED_SHARE, REVOKED_SHARE = 0.04, 0.04, 0.02

EMPLOYER_COLUMNS = (
    "id",
    "uscc",
    "name",
    "subject_type",
    "legal_representative",
    "town",
    "industry_code",
    "employee_count",
    "status",
    "checksum_exception",
    "version",
)
RECORD_COLUMNS = (
    "id",
    "record_key",
    "version",
    "revision",
    "status",
    "employer_id",
    "category",
    "source",
    "kind",
    "occurred_date",
    "title",
    "decision_number",
    "decision_date",
    "penalty_category",
    "fine_amount",
    "punished",
    "serious_conditions",
    "severity",
    "in_catalogue",
    "supersedes_id",
    "superseded_by_id",
    "correction_reason",
    "revocation_reason",
    "revoking_document",
    "revoked_at",
    "verified_at",
)
# Indexes into a record row, for the corrected and revoked variants.
_ID, _VERSION, _STATUS, _TITLE = 0, 2, 4, 10
_SUPERSEDES, _SUPERSEDED_BY, _CORRECTION = 19, 20, 21
_REVOCATION, _REVOKING_DOCUMENT, _REVOKED_AT, _VERIFIED_AT = 22, 23, 24, 25

Row = tuple[object, ...]

_MIXER = 0x9E3779B97F4A7C15F39CC0605CEDC835  # odd: multiplying by it permutes 128-bit integers
_MASK = (1 << 128) - 1
_TOWNS = ("凤城镇", "开栅镇", "南庄镇", "南安镇", "刘胡兰镇", "下曲镇", "孝义镇", "西槽头乡")
_INDUSTRIES = ("C1311", "E4720", "F5211", "H6210", "C3011", "A0111", "G5430", "K7010")
# Plain strings, not enum members: a member's `.value` costs a descriptor call per row.
_BASIC, _GOOD, _DISHONESTY = (c.value for c in RecordCategory)
_GOOD_AND_BASIC = (
    (_BASIC, RecordKind.registration.value, "用人单位登记信息", False),
    (_BASIC, RecordKind.inspection_record.value, "日常巡视检查记录", False),
    (_BASIC, RecordKind.other_basic.value, "书面审查材料报送", False),
    (_GOOD, RecordKind.honour.value, "劳动保障诚信示范单位", True),
    (_GOOD, RecordKind.credit_commitment.value, "劳动保障信用承诺", False),
)
_VIOLATIONS = (
    (RecordKind.internal_rules.value, "规章制度违反法律法规"),
    (RecordKind.labour_contract.value, "未依法订立书面劳动合同"),
    (RecordKind.labour_dispatch.value, "违法使用被派遣劳动者"),
    (RecordKind.child_labour.value, "使用童工"),
    (RecordKind.female_juvenile_protection.value, "违反女职工特殊劳动保护规定"),
    (RecordKind.working_hours.value, "违法延长劳动者工作时间"),
    (RecordKind.wages.value, "克扣或无故拖欠劳动者工资"),
    (RecordKind.social_insurance.value, "未依法缴纳社会保险费"),
    (RecordKind.other_violation.value, "其他违反劳动保障法律法规行为"),
)
_LISTING = RecordKind.wage_arrears_listing.value
_SOURCES = tuple(s.value for s in RecordSource)
_FINE = PenaltyCategory.fine.value
_PENALTIES = (
    PenaltyCategory.warning.value,
    _FINE,
    _FINE,
    PenaltyCategory.circulated_criticism.value,
    PenaltyCategory.suspension.value,
)
_FINES = tuple(Decimal(f"{n}000.00") for n in (2, 5, 10, 20, 50))
_SEVERITIES = tuple(s.value for s in (Severity.light, Severity.general, Severity.general))
_SERIOUS, _LIGHT = Severity.serious.value, Severity.light.value
_VERIFIED, _DRAFT = RecordStatus.verified.value, RecordStatus.draft.value
_SUPERSEDED, _REVOKED = RecordStatus.superseded.value, RecordStatus.revoked.value
_INSPECTION = RecordSource.inspection.value
_CONDITIONS = tuple([c.value] for c in SeriousCondition)
_VERIFIED_TIME = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
_REVOKED_TIME = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
# Decisions dated 2024-01-01 .. 2026-10-31; listings from 2023 (a term is three years).
_FIRST, _LAST = date(2024, 1, 1), date(2026, 10, 31)
_DAYS = tuple(_FIRST + timedelta(days=d) for d in range((_LAST - _FIRST).days + 1))
_BEFORE = tuple(timedelta(days=d) for d in range(60))  # occurred before the decision
_LISTING_DAYS = tuple(date(2023, 1, 1) + timedelta(days=d) for d in range(365 * 3 + 300))


def employer_id(index: int) -> uuid.UUID:
    """The id of employer `index`: scattered like uuid4, yet computable without a lookup.

    asyncpg's own UUID type (a uuid.UUID) is built ten times faster than the standard one."""
    return PgUUID((((index + 1) * _MIXER) & _MASK).to_bytes(16))


def employer_rows(first: int, stop: int) -> Iterator[Row]:
    for i in range(first, stop):
        yield (
            employer_id(i),
            uscc.make(f"91{DIVISION}{i:09d}"),
            f"文水县基准单位{i}有限公司",
            "enterprise",
            "张三",
            _TOWNS[i % len(_TOWNS)],
            _INDUSTRIES[i % len(_INDUSTRIES)],
            5 + i % 300,
            "active",
            False,
            1,
        )


@dataclass
class RecordMaker:
    """One record (or a corrected pair) at a time; records of an employer are scattered."""

    employers: int
    rng: random.Random

    def _uuid(self) -> uuid.UUID:
        return PgUUID(self.rng.getrandbits(128).to_bytes(16))

    def units(self) -> Iterator[tuple[Row, ...]]:
        """Endless: each unit is one version, or a superseded version and its successor."""
        rng = self.rng
        for n in itertools.count():
            row = self._content(n)
            status = rng.random()
            if status < DRAFT_SHARE:
                yield (self._draft(row),)
            elif status < DRAFT_SHARE + SUPERSEDED_SHARE:
                yield self._corrected(row)
            elif status < DRAFT_SHARE + SUPERSEDED_SHARE + REVOKED_SHARE:
                yield (self._revoked(row),)
            else:
                yield (row,)

    def _content(self, n: int) -> Row:
        """A verified version 1 of record `n`."""
        random = self.rng.random
        employer = employer_id(int(random() * self.employers))
        source = _SOURCES[n % len(_SOURCES)]
        if random() >= DISHONESTY_SHARE:
            category, kind, title, honour = _GOOD_AND_BASIC[n % len(_GOOD_AND_BASIC)]
            day = _DAYS[int(random() * len(_DAYS))]
            return self._row(
                employer, category, source, kind, day, f"{title} {n}",
                None, None, None, None, False, [], None, honour,
            )  # fmt: skip
        if random() < LISTING_SHARE:
            day = _LISTING_DAYS[int(random() * len(_LISTING_DAYS))]
            return self._row(
                employer, _DISHONESTY, _INSPECTION, _LISTING, day,
                f"列入拖欠农民工工资失信联合惩戒对象名单 {n}", f"文人社失惩字〔{day.year}〕{n}号",
                day, None, None, True, [], _SERIOUS, True,
            )  # fmt: skip
        kind, title = _VIOLATIONS[n % len(_VIOLATIONS)]
        day = _DAYS[int(random() * len(_DAYS))]
        occurred = day - _BEFORE[n % len(_BEFORE)]
        if random() >= PUNISHED_SHARE:  # found, ordered to rectify, not punished
            return self._row(
                employer, _DISHONESTY, source, kind, occurred,
                f"{title} {n}", None, None, None, None, False, [], _LIGHT, False,
            )  # fmt: skip
        penalty = _PENALTIES[n % len(_PENALTIES)]
        fine = _FINES[n % len(_FINES)] if penalty == _FINE else None
        serious = _CONDITIONS[n % len(_CONDITIONS)] if random() < SERIOUS_SHARE else []
        severity = _SERIOUS if serious or n % 4 == 0 else _SEVERITIES[n % len(_SEVERITIES)]
        return self._row(
            employer, _DISHONESTY, source, kind, occurred,
            f"{title} {n}", f"文人社监罚字〔{day.year}〕{n}号", day, penalty, fine, True,
            serious, severity, True,
        )  # fmt: skip

    def _row(self, employer: uuid.UUID, *content: object) -> Row:
        head = (self._uuid(), self._uuid(), 1, 1, _VERIFIED, employer)
        return head + content + (None, None, None, None, None, None, _VERIFIED_TIME)

    def _corrected(self, row: Row) -> tuple[Row, Row]:
        """Version 1 superseded by a verified version 2 (a reviewer's correction)."""
        successor_id = self._uuid()
        old = list(row)
        old[_STATUS], old[_SUPERSEDED_BY] = _SUPERSEDED, successor_id
        new = list(row)
        new[_ID], new[_VERSION], new[_SUPERSEDES] = successor_id, 2, row[_ID]
        new[_TITLE] = f"{row[_TITLE]}（更正）"
        new[_CORRECTION] = "更正登记错误（基准数据）"
        return tuple(old), tuple(new)

    def _draft(self, row: Row) -> Row:
        draft = list(row)
        draft[_STATUS], draft[_VERIFIED_AT] = _DRAFT, None
        return tuple(draft)

    def _revoked(self, row: Row) -> Row:
        revoked = list(row)
        revoked[_STATUS] = _REVOKED
        revoked[_REVOCATION] = "处罚决定被依法撤销（基准数据）"
        revoked[_REVOKING_DOCUMENT] = "文人社撤字〔2026〕1号"
        revoked[_REVOKED_AT] = _REVOKED_TIME
        return tuple(revoked)


@dataclass
class Chunks:
    """Chunks of rows from `units`, never splitting a unit: a corrected pair references itself
    both ways, so both versions go in the same transaction."""

    units: Iterator[tuple[Row, ...]]
    emitted: int = 0

    def take(self, rows: int) -> Iterator[Row]:
        """At least `rows` rows (a pair may add one)."""
        stop = self.emitted + rows
        while self.emitted < stop:
            for row in next(self.units):
                self.emitted += 1
                yield row


@dataclass
class Generated:
    employers: int
    records: int
    seconds: float
    analyze_seconds: float

    @property
    def rows_per_s(self) -> float:
        return (self.employers + self.records) / self.seconds


async def generate(url: str, employers: int, *, seed: int = SEED) -> Generated:
    """Load `employers` employers and RECORDS_PER_EMPLOYER times as many records; analyze."""
    conn = await asyncpg.connect(plain(url))
    try:
        started = time.perf_counter()
        async with _bulk_load(conn):
            for first in range(0, employers, CHUNK_ROWS):
                await conn.copy_records_to_table(
                    "employers",
                    columns=EMPLOYER_COLUMNS,
                    records=employer_rows(first, min(first + CHUNK_ROWS, employers)),
                )
            chunks = Chunks(RecordMaker(employers, random.Random(seed)).units())
            target = employers * RECORDS_PER_EMPLOYER
            while chunks.emitted < target:
                await conn.copy_records_to_table(
                    "credit_records",
                    columns=RECORD_COLUMNS,
                    records=chunks.take(min(CHUNK_ROWS, target - chunks.emitted)),
                )
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        await conn.execute("VACUUM (ANALYZE) employers, credit_records")
        return Generated(employers, chunks.emitted, seconds, time.perf_counter() - started)
    finally:
        await conn.close()


# Indexes that back no constraint; rebuilt from their own definitions after the load.
_SECONDARY_INDEXES = """
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i
WHERE i.indrelid IN ('employers'::regclass, 'credit_records'::regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""
# Every foreign key of the loaded rows, checked at once when row-by-row checks were skipped.
_DANGLING = """
SELECT (SELECT count(*) FROM credit_records r
        WHERE NOT EXISTS (SELECT 1 FROM employers e WHERE e.id = r.employer_id))
     + (SELECT count(*) FROM credit_records r WHERE r.supersedes_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM credit_records o WHERE o.id = r.supersedes_id))
     + (SELECT count(*) FROM credit_records r WHERE r.superseded_by_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM credit_records n WHERE n.id = r.superseded_by_id))
"""


@asynccontextmanager
async def _bulk_load(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """The usual bulk-load discipline, leaving the schema exactly as migrated.

    Row-by-row foreign-key checks cost more than the COPY itself (six keys per record, two of
    them self-references), so a superuser session skips them (session_replication_role =
    replica) and checks every key in one set-based query afterwards. Secondary indexes are
    dropped and rebuilt by sorting, which beats a random-order insert into each of them. Check
    constraints and unique constraints stay in force throughout.
    """
    indexes = await conn.fetch(_SECONDARY_INDEXES)
    for index in indexes:
        await conn.execute(f"DROP INDEX {index['name']}")
    try:
        await conn.execute("SET session_replication_role = replica")
        keys_checked = False
    except asyncpg.InsufficientPrivilegeError:
        keys_checked = True
    try:
        yield
    finally:
        await conn.execute("RESET session_replication_role")
        await conn.execute("SET maintenance_work_mem = '256MB'")
        for index in indexes:
            await conn.execute(index["definition"])
    if not keys_checked and (dangling := await conn.fetchval(_DANGLING)):
        raise RuntimeError(f"generated data has {dangling} dangling foreign keys")
