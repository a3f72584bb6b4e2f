"""The public C list's benchmark data: N employers, 2 % of them C units with a published
disclosure of 1–3 items, written by COPY straight into the tables, as `disclosure.service.reflect`
would have left them.

Each C unit gets its verified dishonesty records of the cycle (general or serious, 1–3; some
units also a light one, which is never published), a final C of the cycle resting on them, one
published disclosure (the unit's name, USCC, legal representative and town as registered; list
status black when an item is serious, else yellow) and one item per general or serious record,
its fields derived by `disclosure.rules` exactly as `reflect` derives them. The cycle is the
current year and every decision falls between its first day and today, so every item is shown
today (a general item is published 12 months). Not written: the `disclosure.published` event and
the audit row `reflect` adds (the public list reads neither). Everything is seeded.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import asyncpg
from asyncpg.pgproto.pgproto import UUID as PgUUID

from app.core.config import Settings
from app.demo import names
from app.disclosure import rules
from app.employers import uscc
from app.models.credit_record import Severity
from app.models.disclosure import ListStatus
from bench import grading_data
from bench.harness import DIVISION, plain

SEED = 20261201
C_SHARE = 0.02
CHUNK_ROWS = 100_000
# about fifteen towns of the county (the demo's and a few more)
TOWNS = (*names.TOWNS, "苍儿会乡", "城关街道", "东城街道", "经济开发区")
WORDS = (
    *names.WORDS,
    "晋丰",
    "隆盛",
    "嘉禾",
    "天诚",
    "润泽",
    "博远",
    "锦程",
    "通达",
    "万隆",
    "金鼎",
    "盛世",
    "华诚",
    "聚源",
    "正大",
    "恒信",
    "宏图",
    "东方",
    "三晋",
    "吕梁",
    "惠民",
)
TRADES = (
    *names.TRADES,
    "建材",
    "煤业",
    "纺织",
    "餐饮服务",
    "汽车维修",
    "电子科技",
    "印刷包装",
    "养殖",
)
SUFFIXES = ("有限公司", "有限公司", "有限责任公司", "股份有限公司", "专业合作社")
# name fragments the benchmark searches by (each a trade or a word: many pages of C units)
FRAGMENTS = ("建筑", "机械", "食品", "物流", "商贸", "宏达", "鑫盛", "煤业")
VIOLATIONS = (
    ("wages", "克扣或无故拖欠劳动者工资", "《保障农民工工资支付条例》第五十四条"),
    ("social_insurance", "未依法缴纳社会保险费", "《中华人民共和国社会保险法》第八十六条"),
    ("labour_contract", "未依法订立书面劳动合同", "《中华人民共和国劳动合同法》第八十二条"),
    ("working_hours", "违法延长劳动者工作时间", "《劳动保障监察条例》第二十五条"),
    ("labour_dispatch", "违法使用被派遣劳动者", "《劳务派遣暂行规定》第二十条"),
)
PENALTIES = (
    ("fine", "罚款{n}元"),
    ("fine", "罚款{n}元"),
    ("warning", "警告"),
    ("circulated_criticism", "通报批评"),
)
FINES = (5000, 10000, 20000, 50000)
SERIOUS_SHARE = 0.15  # of published items
LIGHT_SHARE = 0.2  # of C units: also a light record (never published)
RULE = "C.punished_threshold"

EMPLOYER_COLUMNS = grading_data.EMPLOYER_COLUMNS
RECORD_COLUMNS = (
    "id", "record_key", "version", "revision", "status", "employer_id", "category", "source",
    "kind", "occurred_date", "title", "decision_number", "violation_type", "legal_basis",
    "penalty_category", "penalty_content", "fine_amount", "decision_date", "punished",
    "serious_conditions", "severity", "in_catalogue", "verified_at",
)  # fmt: skip
EVALUATION_COLUMNS = (
    "id", "employer_id", "cycle", "grade", "computed_grade", "status", "origin",
    "rule_set_version", "fired_rules", "evidence_counts", "evidence_ids", "effective_from",
)  # fmt: skip
DISCLOSURE_COLUMNS = (
    "id", "employer_id", "evaluation_id", "cycle", "status", "list_status", "employer_name",
    "uscc", "legal_representative", "town", "published_at", "version",
)  # fmt: skip
ITEM_COLUMNS = (
    "id", "disclosure_id", "record_id", "record_key", "penalty_date", "decision_number",
    "violation", "legal_basis", "result", "severity", "publication_end_date",
    "repair_available_from", "disputed",
)  # fmt: skip

Row = tuple[object, ...]
_MASK64 = (1 << 64) - 1


def employer(i: int) -> Row:
    """Employer `i` (deterministic: the C units' disclosures copy it without a lookup)."""
    x = ((i + 1) * 0x9E3779B97F4A7C15F39CC0605CEDC835 >> 64) & _MASK64
    x, town = divmod(x, len(TOWNS))
    x, first = divmod(x, len(WORDS))
    x, second = divmod(x, len(WORDS))
    x, trade = divmod(x, len(TRADES))
    x, suffix = divmod(x, len(SUFFIXES))
    x, surname = divmod(x, len(names.SURNAMES))
    x, given = divmod(x, len(names.GIVEN))
    if first == second:
        second = (second + 1) % len(WORDS)
    return (
        grading_data.employer_id(i),
        uscc.make(f"91{DIVISION}{i:09d}"),
        f"文水县{WORDS[first]}{WORDS[second]}{TRADES[trade]}{SUFFIXES[suffix]}",
        "enterprise",
        names.SURNAMES[surname] + names.GIVEN[given],
        TOWNS[town],
        "C1311",
        5 + x % 300,
        "active",
        False,
        1,
    )


def employer_rows(first: int, stop: int) -> Iterator[Row]:
    for i in range(first, stop):
        yield employer(i)


@dataclass
class Unit:
    """A C unit's rows: its records, its final C, its disclosure and items."""

    records: list[Row] = field(default_factory=list)
    evaluation: Row = ()
    disclosure: Row = ()
    items: list[Row] = field(default_factory=list)


@dataclass
class Loaded:
    employers: int
    c_units: int
    items: int
    seconds: float
    c_indexes: list[int]


def _uuid(rng: random.Random) -> uuid.UUID:
    return PgUUID(rng.getrandbits(128).to_bytes(16))


def make_unit(
    index: int, serial: int, rng: random.Random, *, cycle: int, today: date, now: datetime,
    settings: Settings,
) -> Unit:  # fmt: skip
    employer_id, code, name, _, representative, town = employer(index)[:6]
    unit = Unit()
    first_day = date(cycle, 1, 1)
    span = (today - first_day).days
    shown: list[SimpleNamespace] = []
    count = 1 + (rng.random() < 0.4) + (rng.random() < 0.15)
    for k in range(count):
        kind, violation, basis = VIOLATIONS[rng.randrange(len(VIOLATIONS))]
        category, content = PENALTIES[rng.randrange(len(PENALTIES))]
        fine = FINES[rng.randrange(len(FINES))] if category == "fine" else None
        decided = first_day + timedelta(days=rng.randint(0, span))
        record = SimpleNamespace(
            id=_uuid(rng),
            record_key=_uuid(rng),
            kind=kind,
            occurred_date=decided - timedelta(days=rng.randint(0, 30)),
            title=f"{violation}（{serial}-{k}）",
            decision_number=f"文人社监罚字〔{cycle}〕{serial * 3 + k}号",
            violation_type=violation,
            legal_basis=basis,
            penalty_category=category,
            penalty_content=content.format(n=fine),
            fine_amount=Decimal(fine) if fine else None,
            decision_date=decided,
            severity=Severity.serious if rng.random() < SERIOUS_SHARE else Severity.general,
            publication_end_date=None,
        )
        shown.append(record)
    light = None
    if rng.random() < LIGHT_SHARE:
        decided = first_day + timedelta(days=rng.randint(0, span))
        light = SimpleNamespace(
            id=_uuid(rng), record_key=_uuid(rng), kind="labour_contract",
            occurred_date=decided, title=f"未依法订立书面劳动合同（{serial}-L）",
            decision_number=None, violation_type=None, legal_basis=None,
            penalty_category=None, penalty_content=None, fine_amount=None,
            decision_date=None, severity=Severity.light, publication_end_date=None,
        )  # fmt: skip
    for r in [*shown, *([light] if light else [])]:
        unit.records.append(
            (
                r.id,
                r.record_key,
                1,
                1,
                "verified",
                employer_id,
                "dishonesty",
                "inspection",
                r.kind,
                r.occurred_date,
                r.title,
                r.decision_number,
                r.violation_type,
                r.legal_basis,
                r.penalty_category,
                r.penalty_content,
                r.fine_amount,
                r.decision_date,
                r.severity is not Severity.light,
                [],
                r.severity.value,
                True,
                now,
            )
        )
    last = max(r.decision_date for r in shown)
    start = datetime.combine(last, day_time(9), tzinfo=ZoneInfo(settings.timezone))
    start = min(start.astimezone(UTC), now - timedelta(hours=1))
    room = max(0.0, min((now - start).total_seconds() - 60, 30 * 86400.0))
    published_at = start + timedelta(seconds=rng.random() * room)
    evaluation_id, disclosure_id = _uuid(rng), _uuid(rng)
    evidence = [r.id for r in shown]
    unit.evaluation = (
        evaluation_id, employer_id, cycle, "C", "C", "final", "event", 1, [RULE],
        [len(evidence)], evidence, last,
    )  # fmt: skip
    serious = any(r.severity is Severity.serious for r in shown)
    status = rules.list_status(listed=False, serious_item=serious, settings=settings)
    unit.disclosure = (
        disclosure_id, employer_id, evaluation_id, cycle, "published", ListStatus(status).value,
        name, code, representative, town, published_at, 1,
    )  # fmt: skip
    for r in sorted(shown, key=lambda r: (r.decision_date, r.id)):
        decided = rules.penalty_date(r)
        unit.items.append(
            (
                _uuid(rng),
                disclosure_id,
                r.id,
                r.record_key,
                decided,
                r.decision_number,
                rules.violation(r),
                r.legal_basis,
                rules.result(r),
                r.severity.value,
                rules.publication_end_date(r, settings),
                rules.repair_available_from(r.severity, decided, settings),
                False,
            )
        )
    return unit


async def load(
    url: str, employers: int, *, today: date, now: datetime, settings: Settings | None = None,
    c_units: int | None = None, seed: int = SEED,
) -> Loaded:  # fmt: skip
    """Employers by COPY (indexes rebuilt after), then the C units' rows; VACUUM ANALYZE."""
    settings = settings or Settings()
    c_count = round(employers * C_SHARE) if c_units is None else c_units
    rng = random.Random(seed)
    c_indexes = sorted(rng.sample(range(employers), c_count))
    cycle = today.year
    units = [
        make_unit(i, n, rng, cycle=cycle, today=today, now=now, settings=settings)
        for n, i in enumerate(c_indexes)
    ]
    conn = await asyncpg.connect(plain(url))
    try:
        started = time.perf_counter()
        async with grading_data._bulk_load(conn):
            for first in range(0, employers, CHUNK_ROWS):
                await conn.copy_records_to_table(
                    "employers",
                    columns=EMPLOYER_COLUMNS,
                    records=employer_rows(first, min(first + CHUNK_ROWS, employers)),
                )
            await conn.copy_records_to_table(
                "credit_records",
                columns=RECORD_COLUMNS,
                records=(r for u in units for r in u.records),
            )
        for table, columns, rows in (
            ("evaluations", EVALUATION_COLUMNS, (u.evaluation for u in units)),
            ("disclosures", DISCLOSURE_COLUMNS, (u.disclosure for u in units)),
            ("disclosure_items", ITEM_COLUMNS, (i for u in units for i in u.items)),
        ):
            await conn.copy_records_to_table(table, columns=columns, records=rows)
        await conn.execute(
            "VACUUM (ANALYZE) employers, credit_records, evaluations, disclosures, disclosure_items"
        )
        seconds = time.perf_counter() - started
    finally:
        await conn.close()
    return Loaded(employers, c_count, sum(len(u.items) for u in units), seconds, c_indexes)
