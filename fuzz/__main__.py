"""`make fuzz` (or `python -m fuzz [--max-examples N] [--negative-examples N] [--seed N]
[--only CALLER ...]`): the demo county in a database of its own, the app serving it on a
loopback port with its clock pinned, and a schemathesis run per caller (the public, each role,
the intake client; the reviewer and the admin again with data that breaks the schema) with the
checks in schemathesis_run.CHECKS. Prints the share of cases answered 2xx per caller and
overall; exits non-zero when any run found a failure."""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

from app.core.clock import Clock
from app.core.config import Settings
from app.main import create_app
from fuzz import database, server
from fuzz.callers import callers
from fuzz.schemathesis_run import Budget, Outcome, run


def _settings_env(url: str, data_dir: Path) -> dict[str, str]:
    """The server's settings (and the seeding's): fresh secrets, no placeholder needed."""
    return {
        "DATABASE_URL": url,
        "LABOR_CREDIT_ENVIRONMENT": "test",
        "LABOR_CREDIT_DATA_DIR": str(data_dir),
        "LABOR_CREDIT_SECRET_KEY": secrets.token_urlsafe(48),
        "LABOR_CREDIT_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "LABOR_CREDIT_AUDIT_KEY": secrets.token_urlsafe(48),
        "LABOR_CREDIT_LOG_LEVEL": "WARNING",
        "LABOR_CREDIT_DB_POOL_SIZE": "4",
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="fuzz")
    parser.add_argument("--max-examples", type=int, default=20, help="positive cases per operation")
    parser.add_argument(
        "--negative-examples", type=int, default=5, help="negative cases per operation"
    )
    parser.add_argument("--seed", type=int, default=20261126, help="schemathesis's seed")
    parser.add_argument("--only", nargs="+", help="callers to run, e.g. public inspector")
    args = parser.parse_args()
    started = time.monotonic()
    url = database.server_url()
    workdir = Path(tempfile.mkdtemp(prefix="fuzz-"))
    env = _settings_env(url, workdir / "data")
    os.environ.update(env)
    settings = Settings()
    seeded = asyncio.run(database.prepare(url, settings, Clock.pinned(server.PINNED_AT)))
    budget = Budget(args.max_examples, args.negative_examples, args.seed)
    outcomes: list[Outcome] = []
    with server.serving(env, str(workdir / "server.log")) as base_url:
        for caller in callers(create_app(settings), base_url, seeded):
            if args.only is None or caller.name in args.only:
                outcomes.append(run(caller, base_url, budget, workdir))
    print(_summary(outcomes, time.monotonic() - started, workdir))
    sys.exit(1 if any(o.exit_code or not o.cases for o in outcomes) else 0)


def _share(passed: int, cases: int) -> str:
    return f"{passed / cases:.1%}" if cases else "-"


def _row(name: object, operations: object, cases: int, passed: int, result: str) -> str:
    return (
        f"{name!s:<26}{operations!s:>10}{cases:>8}{passed:>8}{_share(passed, cases):>8}  {result}"
    )


def _summary(outcomes: list[Outcome], seconds: float, workdir: Path) -> str:
    lines = ["", "== fuzzing: cases answered 2xx (past validation, into the logic)"]
    lines.append(f"{'caller':<26}{'operations':>10}{'cases':>8}{'2xx':>8}{'share':>8}  result")
    for o in outcomes:
        result = "ok" if o.exit_code == 0 else f"FAILED (schemathesis exit {o.exit_code})"
        result = result if o.cases else "FAILED (no case ran)"
        lines.append(_row(o.caller, o.operations, o.cases, o.passed, result))
    positive = [o for o in outcomes if not o.negative]
    cases, passed = sum(o.cases for o in positive), sum(o.passed for o in positive)
    lines.append(_row("all, positive data", "", cases, passed, ""))
    lines.append(
        "(negative data breaks the schema: a 4xx is its right answer, so its share is low)"
    )
    for o in positive:
        if o.without_2xx:
            lines.append(f"no 2xx as {o.caller}: {', '.join(o.without_2xx)}")
    failed = [o.caller for o in outcomes if o.exit_code or not o.cases]
    verdict = f"FAILED as {', '.join(failed)} (see their FAILURES above)" if failed else "passed"
    lines.append(f"fuzzing {verdict}; {seconds:.0f} s; server log and configs in {workdir}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
