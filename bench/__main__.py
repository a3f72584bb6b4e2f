"""`make bench` (or `python -m bench [--intake N] [--import N] [--grading N [N ...]]
[--disclosures N] [--disclosure-seconds S] [--disclosure-connections C] [--push N] [--reads N]
[--read-seconds S] [--replicas SECONDS]`): print each figure and its ratio against the target,
or its verdict."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable

from bench import disclosures, grading, imports_bench, intake, push, reads, replicas

TARGETS = {
    "disclosures": disclosures.TARGET,  # issue 13: the public C list at least half the bare rate
    "push": push.TARGET,  # issue 14: the sender at least half a bare httpx loop's rate
}
# Absolute targets: (figure, at least). Issue 16 §4: intake through the HTTP API at 10,000
# records/s (its ratio to COPY is still printed).
RATES = {"intake": ("api_records_per_s", intake.TARGET_RECORDS_PER_S)}
# Benches judged by a verdict of their own rather than a ratio against a target.
VERDICTS: dict[str, Callable[[dict[str, float]], str]] = {
    "replicas": replicas.verdict,  # issue 16 §5: zero 5xx, zero lost, zero duplicated
}


def verdict(name: str, figures: dict[str, float]) -> str:
    if name in VERDICTS:
        return VERDICTS[name](figures)
    if name in RATES:
        figure, least = RATES[name]
        met = "met" if figures[figure] >= least else "NOT met"
        return f"  target {figure.removeprefix('api_')} >= {least:,}: {met}"
    target = TARGETS.get(name)
    if target is None:
        return ""
    return f"  target ratio >= {target}: {'met' if figures['ratio'] >= target else 'NOT met'}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--intake", type=int, default=100_000, help="records sent (0 = skip)")
    parser.add_argument(
        "--import",
        dest="import_rows",
        type=int,
        default=50_000,
        help="rows in the imported file (0 = skip)",
    )
    parser.add_argument(
        "--grading",
        type=int,
        nargs="+",
        default=[1_000_000],
        help="employers graded (5 records each); several sizes, e.g. 100000 500000 1000000 "
        "(0 = skip)",
    )
    parser.add_argument(
        "--disclosures",
        type=int,
        default=1_000_000,
        help="employers behind the public C list, 2 %% of them C units (0 = skip)",
    )
    parser.add_argument("--disclosure-seconds", type=float, default=30, help="load per server")
    parser.add_argument("--disclosure-connections", type=int, default=64, help="clients")
    parser.add_argument(
        "--push",
        type=int,
        default=10_000,
        help=f"messages drained to the platform simulator, {push.EACH} per employer (0 = skip)",
    )
    parser.add_argument(
        "--reads",
        type=int,
        default=100_000,
        help="employers behind the everyday reads (single rows, first pages, /healthz) as a "
        "signed-in auditor, against a bare FastAPI + asyncpg app (0 = skip)",
    )
    parser.add_argument("--read-seconds", type=float, default=10, help="load per kind and server")
    parser.add_argument(
        "--replicas",
        type=float,
        default=60,
        help="seconds of mixed load on 2 serve processes and 1 scheduler (0 = skip)",
    )
    args = parser.parse_args()
    # Grading first: it reports the process's peak memory, which the others would raise.
    for employers in args.grading:
        if employers:
            print(grading.report(asyncio.run(grading.run(employers))), flush=True)
    if args.reads:
        print(reads.report(asyncio.run(reads.run(args.reads, args.read_seconds))), flush=True)
    results: dict[str, dict[str, float]] = {}
    notes: dict[str, str] = {}
    if args.intake:
        results["intake"] = asyncio.run(intake.run(args.intake))
    if args.import_rows:
        results["import"] = asyncio.run(imports_bench.run(args.import_rows))
    if args.disclosures:
        run = asyncio.run(
            disclosures.run(args.disclosures, args.disclosure_seconds, args.disclosure_connections)
        )
        results["disclosures"] = disclosures.figures(run)
        notes["disclosures"] = disclosures.details(run)
    if args.push:
        pushed = asyncio.run(push.run(args.push))
        results["push"] = push.figures(pushed)
        notes["push"] = push.details(pushed)
    if args.replicas:
        replicated = asyncio.run(replicas.run(args.replicas))
        results["replicas"] = replicated.figures
        notes["replicas"] = replicas.details(replicated)
    for name, figures in results.items():
        shown = json.dumps({k: round(v, 4) for k, v in figures.items()})
        print(f"{name}: {shown}{verdict(name, figures)}")
        if name in notes:
            print(notes[name])


if __name__ == "__main__":
    main()
