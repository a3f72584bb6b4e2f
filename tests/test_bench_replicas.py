"""The replicas benchmark for a few seconds on a small county (a database of this module's own,
committed for real): two serve processes and a scheduler on it, the mixed load sent to both,
and the checks in SQL find every acknowledged write once, the duplicate deliveries answered as
the first or 'unchanged', one record event per verified version and the grading run finished
once: the verdict is met, and the counts agree with each other."""

from __future__ import annotations

import asyncio
import dataclasses

from app.core import migrations
from bench import replicas
from tests.conftest import throwaway_database

SECONDS, EMPLOYERS = 3.0, 200


async def test_the_bench_loses_and_doubles_nothing_on_two_replicas(database_url: str) -> None:
    async with throwaway_database(database_url, "replicas") as url:
        await asyncio.to_thread(migrations.upgrade, url)
        found = await replicas.run_on(url, SECONDS, employers=EMPLOYERS)
    figures = found.figures
    assert replicas.met(figures), figures
    assert replicas.verdict(figures).endswith(": met")
    # both processes served every kind of request the load sends, and only 2xx
    kinds = {kind for _, kind, _ in found.per_process}
    assert {"employer", "records", "evaluations", "town", "register", "collect", "verify",
            "intake", "intake_replay", "intake_resend", "grading"} <= kinds  # fmt: skip
    assert figures["process_1_requests_per_s"] > 0 and figures["process_2_requests_per_s"] > 0
    assert set(found.statuses) <= {200, 201, 202}, found.statuses
    assert sum(found.statuses.values()) == figures["requests"]
    # writes were made and delivered again, and the counts agree
    assert figures["writes_acknowledged"] > 0 and figures["duplicate_deliveries"] > 0
    assert figures["record_events"] <= figures["record_versions"]
    assert figures["evaluations_current"] >= EMPLOYERS
    assert (figures["grading_runs"], figures["grading_completed_events"]) == (1, 1)


def test_the_report_names_each_request_left_unanswered_with_its_transport_error() -> None:
    found = replicas.Run(
        figures={}, per_process=[(0, "intake", 3), (1, "employer", 5)],
        latency={"intake": (50.0, 90.0), "employer": (10.0, 20.0)}, statuses={0: 1, 200: 7},
        unanswered=[(0, "intake", "RemoteProtocolError: Server disconnected", 1)], jobs=[],
        seconds=1.0, employers=2,
    )  # fmt: skip
    lines = replicas.details(found).splitlines()
    assert "  no answer: process 1 intake x1: RemoteProtocolError: Server disconnected" in lines
    answered = replicas.details(dataclasses.replace(found, unanswered=[]))
    assert "no answer" not in answered
