"""The mixed load of the replicas benchmark (`bench.replicas`): `WORKERS` workers, each with one
request in flight, taking the serve processes in turn (round-robin over every request), for S
seconds; and one grading run started through the API a third of the way in and watched until
it ends. Every response is recorded (process, kind, status, seconds; status 0: no response, a
transport error or a timeout), and every write with the client-side key it carries (an
employer's name, a record's title, an intake item's external id), its status and, for intake,
the item's outcome: the checks afterwards compare them with the database, in SQL.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.employers import uscc
from bench.harness import DIVISION

WORKERS = 16  # requests in flight in all (2 cores shared with the servers)
INTAKE_BATCH = 10
# One worker's round, in order; each worker starts at another place in it. Reads are most of
# the load, as they are of a county's day.
ROUND = (
    "employer", "records", "evaluations", "town", "register", "employer", "records",
    "collect", "evaluations", "employer", "intake", "town", "records", "employer",
)  # fmt: skip
EMPLOYER_NAME = "副本基准登记单位{}有限公司"
RECORD_TITLE = "副本基准记录{}"
EXTERNAL_ID = "RB-{:08d}"


@dataclass(frozen=True)
class Answer:
    server: int
    kind: str
    status: int  # 0: no response
    seconds: float
    error: str = ""  # with no response: the transport error, e.g. "RemoteProtocolError: ..."


@dataclass(frozen=True)
class Write:
    # employer, record, verification, intake, intake_replay (same batch, same Idempotency-Key),
    # intake_resend (the same external ids under a new key)
    kind: str
    key: str
    status: int
    outcome: str | None = None


@dataclass(frozen=True)
class Target:
    servers: list[str]
    inspector: str  # bearer tokens
    reviewer: str
    api_key: str
    employers: list[tuple[str, str]]  # (id, uscc) of the loaded employers
    cycle: int  # the cycle graded, and the year of every record written


@dataclass
class Log:
    answers: list[Answer] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    grading_run: str | None = None
    grading_status: str | None = None
    seconds: float = 0.0


class Load:
    def __init__(self, target: Target, clients: list[httpx.AsyncClient]) -> None:
        self.target, self.clients, self.log = target, clients, Log()
        self.turn = itertools.count()
        self.serial = itertools.count()
        self.random = random.Random(16)

    async def call(
        self, kind: str, method: str, path: str, *, server: int | None = None, **request: Any
    ) -> httpx.Response | None:
        at = next(self.turn) % len(self.clients) if server is None else server
        started = time.perf_counter()
        error = ""
        try:
            response: httpx.Response | None = await self.clients[at].request(
                method, path, **request
            )
        except httpx.TransportError as failed:
            response, error = None, f"{type(failed).__name__}: {failed}".strip(": ")
        status = 0 if response is None else response.status_code
        self.log.answers.append(Answer(at, kind, status, time.perf_counter() - started, error))
        return response

    def staff(self, role: str) -> dict[str, str]:
        token = self.target.inspector if role == "inspector" else self.target.reviewer
        return {"Authorization": f"Bearer {token}"}

    def employer(self) -> tuple[str, str]:
        return self.random.choice(self.target.employers)

    # --- reads ----------------------------------------------------------------------------

    async def read(self, kind: str) -> None:
        employer_id, _ = self.employer()
        path, params = {
            "employer": (f"/api/v1/employers/{employer_id}", {}),
            "records": ("/api/v1/credit-records", {"employer_id": employer_id}),
            "evaluations": ("/api/v1/evaluations", {"cycle": self.target.cycle, "limit": 20}),
            "town": ("/api/v1/employers", {"town": "凤城镇", "limit": 20}),
        }[kind]
        await self.call(kind, "GET", path, params=params, headers=self.staff("reviewer"))

    # --- writes ---------------------------------------------------------------------------

    async def register(self) -> None:
        n = next(self.serial)
        name = EMPLOYER_NAME.format(n)
        body = {
            "uscc": uscc.make(f"91{DIVISION}" + uscc.organisation_code(f"9{n:07d}")), "name": name,
            "subject_type": "enterprise", "legal_representative": "李四", "town": "凤城镇",
            "industry_code": "E4720", "employee_count": 20,
        }  # fmt: skip
        response = await self.call(
            "register", "POST", "/api/v1/employers", json=body, headers=self.staff("inspector")
        )
        self.log.writes.append(Write("employer", name, _status(response)))

    async def collect(self) -> None:
        """A draft collected by the inspector, then verified by the reviewer (Art 8)."""
        title = RECORD_TITLE.format(next(self.serial))
        response = await self.call(
            "collect", "POST", "/api/v1/credit-records",
            json=_record(self.employer()[0], title, self.target.cycle),
            headers=self.staff("inspector"),
        )  # fmt: skip
        self.log.writes.append(Write("record", title, _status(response)))
        if response is None or response.status_code != 201:
            return
        verified = await self.call(
            "verify", "POST", f"/api/v1/credit-records/{response.json()['id']}/verification",
            headers=self.staff("reviewer"),
        )  # fmt: skip
        self.log.writes.append(Write("verification", title, _status(verified)))

    async def intake(self) -> None:
        """A batch of new external ids; every other batch delivered twice more: the same
        request again (the first answer replayed) and the same ids under a new key
        ('unchanged')."""
        n = next(self.serial)
        items = [
            _intake_item(EXTERNAL_ID.format(n * INTAKE_BATCH + i), self.employer()[1],
                         self.target.cycle)
            for i in range(INTAKE_BATCH)
        ]  # fmt: skip
        key = str(uuid.uuid4())
        first = await self.deliver("intake", items, key)
        if n % 2 == 0 and first is not None and first.status_code == 200:
            await self.deliver("intake_replay", items, key)
            await self.deliver("intake_resend", items, str(uuid.uuid4()))

    async def deliver(
        self, kind: str, items: list[dict[str, Any]], key: str
    ) -> httpx.Response | None:
        headers = {"X-API-Key": self.target.api_key, "Idempotency-Key": key}
        response = await self.call(
            kind, "POST", "/api/v1/intake/records", json={"records": items}, headers=headers
        )
        outcomes = {}
        if response is not None and response.status_code == 200:
            outcomes = {o["external_id"]: o["outcome"] for o in response.json()["items"]}
        for item in items:
            self.log.writes.append(
                Write(
                    kind, item["external_id"], _status(response), outcomes.get(item["external_id"])
                )
            )
        return response

    # --- the grading run ------------------------------------------------------------------

    async def grade(self, start_in: float, give_up_after: float) -> None:
        """Start the cycle's run a while into the load; watch it until it ends."""
        await asyncio.sleep(start_in)
        started = await self.call(
            "grading", "POST", "/api/v1/grading-runs", json={"cycle": self.target.cycle},
            headers=self.staff("reviewer"),
        )  # fmt: skip
        if started is None or started.status_code != 202:
            return
        self.log.grading_run = started.json()["id"]
        deadline = time.monotonic() + give_up_after
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            watched = await self.call(
                "grading_watch", "GET", f"/api/v1/grading-runs/{self.log.grading_run}",
                headers=self.staff("reviewer"),
            )  # fmt: skip
            if watched is not None and watched.status_code == 200:
                self.log.grading_status = watched.json()["status"]
                if self.log.grading_status in {"finished", "failed"}:
                    return

    # --- the workers ----------------------------------------------------------------------

    async def worker(self, start: int, deadline: float) -> None:
        for step in itertools.count(start):
            if time.monotonic() >= deadline:
                return
            kind = ROUND[step % len(ROUND)]
            if kind == "register":
                await self.register()
            elif kind == "collect":
                await self.collect()
            elif kind == "intake":
                await self.intake()
            else:
                await self.read(kind)


async def run(target: Target, seconds: float) -> Log:
    """The load for `seconds`, then the grading run's end awaited (at most 120 s more)."""
    limits = httpx.Limits(max_connections=WORKERS, max_keepalive_connections=WORKERS)
    clients = [httpx.AsyncClient(base_url=s, timeout=60, limits=limits) for s in target.servers]
    load = Load(target, clients)
    try:
        began = time.monotonic()
        deadline = began + seconds
        await asyncio.gather(
            *(load.worker(w * 3, deadline) for w in range(WORKERS)),
            load.grade(seconds / 3, give_up_after=seconds + 120),
        )
        load.log.seconds = time.monotonic() - began
    finally:
        for client in clients:
            await client.aclose()
    return load.log


def _status(response: httpx.Response | None) -> int:
    return 0 if response is None else response.status_code


def _record(employer_id: str, title: str, cycle: int) -> dict[str, Any]:
    return {
        "employer_id": employer_id, "category": "dishonesty", "source": "inspection",
        "kind": "wages", "occurred_date": f"{cycle}-05-20", "title": title,
        "decision_number": f"文人社监罚字〔{cycle}〕{title[-6:]}号",
        "decision_date": f"{cycle}-06-10", "penalty_category": "fine",
        "fine_amount": "20000.00", "punished": True, "severity": "general",
    }  # fmt: skip


def _intake_item(external_id: str, employer_uscc: str, cycle: int) -> dict[str, Any]:
    return {
        "external_id": external_id, "uscc": employer_uscc, "category": "dishonesty",
        "kind": "social_insurance", "occurred_date": f"{cycle}-03-01",
        "title": f"未足额缴纳社会保险费 {external_id}",
        "decision_number": f"文社保罚〔{cycle}〕{external_id[3:]}号",
        "decision_date": f"{cycle}-03-10", "penalty_category": "fine", "fine_amount": "5000.00",
        "punished": True, "severity": "general",
    }  # fmt: skip
