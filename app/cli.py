"""The `labor-credit` command: serve, migrate, accounts, clients, audit check and checkpoints,
demo data, the OpenAPI document, data key rotation, the city platform's simulator."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import clients, users
from app.audit import checkpoints, verification
from app.audit import service as audit
from app.calendar import notice
from app.calendar import service as working_days
from app.core import actors, migrations, personal_data, rekeying
from app.core.clock import Clock
from app.core.config import SettingsRefused, get_settings
from app.core.db import create_engine, database_url, session_factory
from app.core.errors import AppError
from app.models.calendar import FIRST_YEAR, LAST_YEAR, CalendarYearPublic
from app.models.client import ApiClientCreate, ClientSource
from app.models.user import Role, UserCreate


def _run_in_session(work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    """Migrate, then run `work` in one transaction, committed if it returns."""
    url = database_url(get_settings())
    migrations.upgrade(url)

    async def run() -> Any:
        engine = create_engine(url, pool_size=2)
        try:
            async with session_factory(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def serve(args: argparse.Namespace) -> None:
    settings = get_settings()
    simulator = None
    if args.platform_sim:  # make run: the city platform's simulator beside the service
        simulator, settings = _start_platform_sim(settings, args.platform_sim_port)
    try:
        _serve(args, settings)
    finally:  # (killed by SIGTERM, the simulator sees its parent gone and stops by itself)
        if simulator is not None:
            simulator.terminate()
            simulator.wait(timeout=10)


GC_YOUNG_THRESHOLD = 10_000  # net allocations of tracked objects between young collections


def _serve(args: argparse.Namespace, settings: Any) -> None:
    import uvicorn

    from app.core.observability import configure_logging, route_templates
    from app.main import create_app

    configure_logging(settings.log_level)
    migrations.upgrade(database_url(settings))
    base = f"http://{args.host}:{args.port}"
    print(
        f"labour-credit on {base}\n  API docs (Swagger UI): {base}/docs\n"
        f"  API docs (ReDoc):      {base}/redoc\n  OpenAPI:               {base}/openapi.json",
        flush=True,
    )
    if settings.environment != "production":
        tour = _read(settings, _demo_tour)
        if tour is not None:
            from app.demo import guide

            print(guide.text(base, tour), flush=True)
    # On the embedded database the scheduler runs in this process (same leader lock).
    in_process = settings.embedded if args.scheduler is None else args.scheduler
    app = create_app(settings, clock=Clock(settings.timezone), run_scheduler=in_process)
    # What start-up made (modules, routes, schemas) lives as long as the process: frozen out of
    # the collector's generations, so that the full collections a busy request's many objects
    # set off (an intake batch of 1,000 rows) walk only what the requests made, not all of it.
    route_templates(app)  # built now, not by the first request (and frozen with the rest)
    gc.collect()
    gc.freeze()
    # A request leaves no reference cycles (tests/api/test_garbage.py), so a young collection
    # finds only the live objects of the requests in flight. At Python's 700 allocations it ran
    # every few requests, walked them and moved them to the older generations, which were then
    # walked again: 10 s of GET /employers/{id} under wrk -c64 had 1,014 young, 93 middle and 9
    # full collections (0.47 s of CPU); at 10,000, one (issue 16).
    gc.set_threshold(GC_YOUNG_THRESHOLD)
    # our JSON logs and access log; no `Server: uvicorn` telling a prober what answers; idle
    # connections kept past the clients' own limit (Settings.keep_alive_seconds)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_keep_alive=settings.keep_alive_seconds,
    )


PLATFORM_SIM_SECRETS_ENV = "LABOR_CREDIT_PLATFORM_SIM_SECRETS"  # space-separated whsec_ secrets
PLATFORM_SIM_STARTUP_SECONDS = 30.0


def _start_platform_sim(settings: Any, port: int) -> tuple[subprocess.Popen[bytes], Any]:
    """`serve --platform-sim` (make run): the simulator in a child process on `port` (or a free
    one when it is taken) with a fresh secret, and the settings that push to it."""
    import os
    import socket

    import httpx

    from app.integrations.platform import signing

    if settings.environment == "production":
        sys.exit("error: --platform-sim is for development: production pushes to the real one")
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    secret, url = signing.new_secret(), f"http://127.0.0.1:{port}"
    env = {**os.environ, PLATFORM_SIM_SECRETS_ENV: secret}
    command = [sys.executable, "-m", "app.cli", "platform-sim", "--port", str(port),
               "--parent-pid", str(os.getpid())]  # fmt: skip
    child = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + PLATFORM_SIM_STARTUP_SECONDS
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).is_success:
                break
        except httpx.TransportError:
            pass
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            sys.exit("error: the platform simulator did not start (see its output above)")
        time.sleep(0.2)
    os.environ.update(
        LABOR_CREDIT_PLATFORM_TRANSPORT="http",
        LABOR_CREDIT_PLATFORM_URL=url,
        LABOR_CREDIT_PLATFORM_SECRETS=json.dumps([secret]),
    )
    get_settings.cache_clear()  # every later reader sees the simulator's settings
    print(
        f"city platform simulator on {url} (pushes arrive there):\n"
        f"  what it received:      {url}/received\n  faults:                {url}/faults",
        flush=True,
    )
    return child, get_settings()


def platform_sim(args: argparse.Namespace) -> None:
    """The city platform's simulator, in the foreground."""
    import os

    from app.core.observability import configure_logging
    from app.integrations.platform import signing
    from app.integrations.platform_sim.serving import serve as serve_simulator
    from app.integrations.platform_sim.state import SimConfig

    if args.new_secret:
        print(signing.new_secret())
        return
    secrets = args.secret or os.environ.get(PLATFORM_SIM_SECRETS_ENV, "").split()
    if not secrets:
        sys.exit(f"error: give --secret whsec_... (or {PLATFORM_SIM_SECRETS_ENV}); "
                 "--new-secret prints a fresh one")  # fmt: skip
    settings = get_settings()
    configure_logging(settings.log_level)
    config = SimConfig(
        secrets=tuple(secrets),
        receipts=args.receipts,
        callback_url=args.callback_url,
        callback_secret=args.callback_secret,
        callback_api_key=args.callback_api_key
        or os.environ.get("LABOR_CREDIT_PLATFORM_SIM_API_KEY"),
        callback_attempts=args.callback_attempts,
        tolerance_seconds=args.tolerance,
        clock=Clock(settings.timezone),
    )
    url = f"http://{args.host}:{args.port}"
    print(
        f"platform simulator on {url}: POST /messages, GET /received, POST/DELETE /faults, "
        f"POST /reset (receipts: {args.receipts})",
        flush=True,
    )
    serve_simulator(config, host=args.host, port=args.port, parent_pid=args.parent_pid)


def _read(settings: Any, work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    """`work` in one read-only transaction on the (migrated) database."""

    async def run() -> Any:
        engine = create_engine(database_url(settings), pool_size=1)
        try:
            async with session_factory(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def _demo_tour(session: AsyncSession) -> Any:
    """The demo county's tour when it is loaded (a development database), else None."""
    from app.demo import guide

    as_of = await guide.as_of(session=session)
    return None if as_of is None else await guide.tour(session=session, as_of=as_of)


def openapi(args: argparse.Namespace) -> None:
    """Write the OpenAPI document the service serves at /openapi.json; no database needed."""
    from app.main import create_app

    text = json.dumps(create_app().openapi(), ensure_ascii=False, indent=2) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
        return
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")


def scheduler(args: argparse.Namespace) -> None:
    from app.core.observability import configure_logging
    from app.scheduler import serve_forever

    settings = get_settings()
    if settings.embedded and not args.embedded:
        sys.exit(
            "error: labor-credit scheduler needs DATABASE_URL, the database the api serves from; "
            "without it, it would start an embedded database of its own, empty, and lead that. "
            "On the embedded database `labor-credit serve` runs the scheduler in its own process; "
            "`labor-credit scheduler --embedded` runs one on the embedded database all the same."
        )
    configure_logging(settings.log_level)
    url = database_url(settings)
    migrations.upgrade(url)

    async def run() -> None:
        engine = create_engine(url, pool_size=3)
        try:
            await serve_forever(engine, settings, Clock(settings.timezone))
        finally:
            await engine.dispose()

    asyncio.run(run())


def pusher(args: argparse.Namespace) -> None:
    """`labor-credit pusher`: push the outbox to the city platform until SIGTERM or SIGINT;
    any number may run beside the scheduler's job (app.push.sender)."""
    import signal

    from app.core.observability import configure_logging
    from app.push.jobs import run_pusher

    settings = get_settings()
    if settings.embedded and not args.embedded:
        sys.exit(
            "error: labor-credit pusher needs DATABASE_URL, the database the api serves from; "
            "`labor-credit pusher --embedded` runs one on the embedded database all the same."
        )
    configure_logging(settings.log_level)
    url = database_url(settings)
    migrations.upgrade(url)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        engine = create_engine(url, pool_size=3)
        try:
            await run_pusher(
                factory=session_factory(engine), settings=settings,
                clock=Clock(settings.timezone), stop=stop,
            )  # fmt: skip
        finally:
            await engine.dispose()

    asyncio.run(run())


def migrate(args: argparse.Namespace) -> None:
    migrations.upgrade(database_url(get_settings()), args.revision)
    print(f"database at {args.revision}")


def create_user(args: argparse.Namespace) -> None:
    password = args.password or getpass.getpass("password (10+ characters): ")
    data = UserCreate(
        username=args.username,
        full_name=args.full_name or args.username,
        role=Role(args.role),
        employer_id=args.employer_id,
        password=password,
    )
    user = _run_in_session(lambda s: users.create(session=s, data=data, actor=actors.system("cli")))
    print(f"created {user.role} account {user.username} ({user.id})")


def create_client(args: argparse.Namespace) -> None:
    data = ApiClientCreate(name=args.name, source=ClientSource(args.source), trusted=args.trusted)
    client, key = _run_in_session(
        lambda s: clients.create(session=s, data=data, actor=actors.system("cli"))
    )
    print(f"created client {client.name} ({client.id}), scopes {client.scopes}")
    print(f"API key (shown once, store it now): {key}")


def audit_verify(args: argparse.Namespace) -> None:
    """The trail against the checkpoints file's checkpoints and those of the files given."""
    settings = get_settings()
    kept = checkpoints.read(settings)
    for file in args.checkpoints:
        try:
            kept += checkpoints.parse(Path(file).read_text(encoding="utf-8"), file)
        except OSError as exc:
            sys.exit(f"error: cannot read {file}: {exc.strerror}")
    result = _run_in_session(
        lambda s: verification.verify(session=s, settings=settings, checkpoints=kept)
    )
    print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False))
    if not result.intact:
        sys.exit(1)


def audit_checkpoint(args: argparse.Namespace) -> None:
    """Sign the trail's head now; append it to the checkpoints file and print it."""
    settings = get_settings()
    now = Clock(settings.timezone).now()
    checkpoint = _run_in_session(lambda s: checkpoints.take(session=s, settings=settings, now=now))
    path = checkpoints.export(checkpoint, settings)
    print(checkpoints.line(checkpoint))
    print(f"appended to {path}", file=sys.stderr)


def demo_seed(args: argparse.Namespace) -> None:
    from app import demo

    settings = get_settings()
    clock = Clock(settings.timezone)
    summary = _run_in_session(lambda s: demo.seed(session=s, settings=settings, clock=clock))
    print(summary)
    print("start it with `labor-credit serve` (make run does): it prints what to try first")


def rotate_data_key(args: argparse.Namespace) -> None:
    """Re-encrypt personal data under the current key, a batch per transaction; rerun to resume."""
    settings = get_settings()
    url = database_url(settings)
    migrations.upgrade(url)
    keys = personal_data.keyring(settings)
    actor = actors.system("rotate-data-key")

    async def record(session: AsyncSession, batch: rekeying.Batch) -> None:
        column, new = batch.column, {"format": personal_data.BOUND, "key_version": keys.current}
        await audit.record_many(
            session=session,
            actor=actor,
            action="personal_data.rekey",
            resource_type=column.resource_type,
            entries=[(i, {column.field: {"old": old, "new": new}}) for i, old in batch.rekeyed],
        )

    def progress(batch: rekeying.Batch) -> None:
        if not batch.rekeyed and not batch.unreadable:
            return
        skipped = f", {len(batch.unreadable)} unreadable" if batch.unreadable else ""
        where = f"{batch.column.table}.{batch.column.column}"
        print(f"{where}: {len(batch.rekeyed)} re-encrypted{skipped}", flush=True)

    async def run() -> rekeying.Rotation:
        engine = create_engine(url, pool_size=1)
        try:
            return await rekeying.rotate(
                factory=session_factory(engine),
                keys=keys,
                size=args.batch_size,
                record=record,
                progress=progress,
                max_batches=args.max_batches,
            )
        finally:
            await engine.dispose()

    done = asyncio.run(run())
    left = sum(done.stale.values())
    print(
        f"{done.rekeyed} re-encrypted under key version {keys.current}, {done.unreadable} "
        f"unreadable; {left} left on other keys"
        + ("" if done.finished else " (stopped by --max-batches: run again to go on)")
    )
    if left and done.finished:
        sys.exit(
            "error: some ciphertexts do not decrypt (see the log: row and column) or were "
            "locked by another transaction: run again, or restore their keys"
        )


SHOWN_REJECTED_ROWS = 20  # the rest are in the report


def import_file(args: argparse.Namespace) -> None:
    """The same job as POST /api/v1/imports, with a progress bar on stderr."""
    from pathlib import Path

    from app.core import access
    from app.intake import imports, reads
    from app.models.import_job import ImportRowOutcome

    settings = get_settings()
    url = database_url(settings)
    migrations.upgrade(url)
    path = Path(args.file)
    content = path.read_bytes()

    def bar(job: Any) -> None:
        done = job.rows_done * 40 // max(job.rows_total, 1)
        print(
            f"\r[{'#' * done:<40}] {job.rows_done}/{job.rows_total} rows, "
            f"{job.rejected_count} rejected",
            end="",
            file=sys.stderr,
            flush=True,
        )

    async def run() -> tuple[Any, list[Any]]:
        engine = create_engine(url, pool_size=2)
        factory = session_factory(engine)
        try:
            async with factory() as session, session.begin():
                actor = await users.actor_for(session=session, username=args.user)
                access.authorize(actor, access.Permission.imports_write)
                job = await imports.start(
                    session=session,
                    file_name=path.name,
                    content=content,
                    dry_run=args.dry_run,
                    actor=actor,
                    settings=settings,
                )
            done = await imports.run(
                factory=factory,
                job_id=job.id,
                settings=settings,
                clock=Clock(settings.timezone),
                progress=bar,
            )
            assert done is not None  # a new job: no other worker holds it
            async with factory() as session:
                rejected = await reads.list_rows(
                    session=session,
                    job_id=job.id,
                    actor=actor,
                    language="zh",
                    outcome=ImportRowOutcome.rejected,
                    limit=SHOWN_REJECTED_ROWS,
                    cursor=None,
                )
            return done, rejected.items
        finally:
            await engine.dispose()

    job, rejected = asyncio.run(run())
    print(file=sys.stderr)
    made = "would be created" if job.dry_run else "created"
    skipped = f", {job.skipped_count} example row(s) skipped" if job.skipped_count else ""
    print(
        f"import {job.id}: {job.status}, {job.created_count} {made}, "
        f"{job.rejected_count} rejected{skipped} of {job.rows_total} rows"
        + (" (dry run: nothing written)" if job.dry_run else "")
    )
    for row in rejected:  # the reasons in Chinese, the service's language
        for reason in row.reasons:
            print(f"  第{row.row_number}行 {reason.column_label or ''}: {reason.reason}")
    if job.rejected_count:
        print(f"rejected rows: GET /api/v1/imports/{job.id}/errors.csv")
    if job.status != "finished":
        sys.exit(f"error: {job.failure}")


def calendar_show(args: argparse.Namespace) -> None:
    year = _run_in_session(lambda s: working_days.get_year(session=s, year=args.year))
    print(_describe_calendar(year))


def calendar_seed(args: argparse.Namespace) -> None:
    year = _run_in_session(
        lambda s: working_days.seed_year(session=s, year=args.year, actor=actors.system("cli"))
    )
    print(_describe_calendar(year))


def calendar_load(args: argparse.Namespace) -> None:
    """Read a year from a file holding the notice's text; save it once confirmed."""
    if not FIRST_YEAR <= args.year <= LAST_YEAR:
        sys.exit(f"error: --year must be between {FIRST_YEAR} and {LAST_YEAR}")
    text = _notice_text(args.file)
    parsed = notice.parse(text, args.year)
    if parsed.problems:
        problems = "\n".join(f"  {p.message.zh} / {p.message.en}" for p in parsed.problems)
        sys.exit(f"error: the notice for {args.year} has problems; nothing saved:\n{problems}")
    print(_describe_notice(parsed))
    if not args.yes and input("保存？[y/N] ").strip().lower() not in ("y", "yes", "是"):
        sys.exit("not saved")
    clock = Clock(get_settings().timezone)
    saved = _run_in_session(
        lambda s: working_days.load_notice(
            session=s,
            year=args.year,
            text=text,
            confirm=True,
            replace=args.replace,
            actor=actors.system("cli"),
            now=clock.now(),
        )
    )
    print(f"saved {saved.year}: version {saved.version}, notice {saved.notice}")


def _notice_text(file: str) -> str:
    from pathlib import Path

    try:
        content = Path(file).read_bytes()
    except OSError as exc:
        sys.exit(f"error: cannot read {file}: {exc.strerror}")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:  # saved on a Chinese Windows desktop
        return content.decode("gb18030")


def _describe_notice(parsed: notice.ParsedNotice) -> str:
    """What the notice declares, holiday by holiday, as it will be saved."""
    lines = [
        f"{parsed.year} from {parsed.reference}: {len(parsed.days_off)} days off, "
        f"{len(parsed.make_up_workdays)} make-up workdays"
    ]
    for holiday in parsed.holidays:
        lines.append(f"{holiday.number}、{holiday.name} (line {holiday.line_no})")
        for run in _runs(holiday.days_off):
            lines.append(f"  off      {_span(run)}")
        for day in holiday.make_up_workdays:
            lines.append(f"  workday  {day} {day:%a}")
    return "\n".join(lines)


def _runs(days: list[date]) -> list[list[date]]:
    """Consecutive days, each run a list."""
    runs: list[list[date]] = []
    for day in days:
        if runs and day - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _span(run: list[date]) -> str:
    span = f"{run[0]}..{run[-1]}" if len(run) > 1 else f"{run[0]}"
    return f"{span:<22} {len(run)} day{'s' if len(run) > 1 else ''}"


def _describe_calendar(year: CalendarYearPublic) -> str:
    """The year as the notice reads: runs of days off, then the make-up workdays."""
    lines = [
        f"{year.year}: source {year.source}, notice {year.notice or '-'}, "
        f"loaded by {year.loaded_by} at {year.loaded_at:%Y-%m-%d %H:%M} UTC",
        f"days off ({len(year.days_off)}):",
    ]
    for run in _runs(year.days_off):
        name = year.holiday_names.get(run[0], "")
        lines.append(f"  {_span(run)}  {name}".rstrip())
    lines.append(f"make-up workdays ({len(year.make_up_workdays)}):")
    for day in year.make_up_workdays:
        lines.append(f"  {day} {day:%a}  {year.holiday_names.get(day, '')}".rstrip())
    return "\n".join(lines)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, not {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="labor-credit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="migrate, then serve the API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--scheduler",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run the scheduler in-process (default: only on the embedded database)",
    )
    p.add_argument(
        "--platform-sim",
        action="store_true",
        help="start the city platform's simulator beside it and push to it (development)",
    )
    p.add_argument("--platform-sim-port", type=int, default=8600, help="(a free one if taken)")
    p.set_defaults(func=serve)
    p = sub.add_parser(
        "platform-sim", help="the city credit-sharing platform's simulator (development, tests)"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8600)
    p.add_argument(
        "--secret",
        action="append",
        default=[],
        metavar="WHSEC",
        help=f"a whsec_<base64> secret messages are signed with; repeatable (a rotation); "
        f"default: {PLATFORM_SIM_SECRETS_ENV}, space-separated",
    )
    p.add_argument("--new-secret", action="store_true", help="print a fresh secret and exit")
    p.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)  # stop when it is gone
    p.add_argument("--receipts", choices=["sync", "callback"], default="sync")
    p.add_argument("--callback-url", help="e.g. http://127.0.0.1:8000/api/v1/platform/receipts")
    p.add_argument("--callback-secret", metavar="WHSEC", help="signs the receipt callbacks")
    p.add_argument(
        "--callback-api-key",
        help="X-API-Key of the callbacks (a city_platform client's key; "
        "default LABOR_CREDIT_PLATFORM_SIM_API_KEY)",
    )
    p.add_argument("--callback-attempts", type=_positive, default=5)
    p.add_argument(
        "--tolerance", type=_positive, default=300, help="seconds a webhook-timestamp may be off"
    )
    p.set_defaults(func=platform_sim)
    p = sub.add_parser("openapi", help="write the OpenAPI document (no database needed)")
    p.add_argument("--out", default="-", help="the file to write (default: standard output)")
    p.set_defaults(func=openapi)
    p = sub.add_parser(
        "scheduler",
        help="run scheduled jobs (one instance leads, others stand by); needs DATABASE_URL",
    )
    p.add_argument(
        "--embedded",
        action="store_true",
        help="without DATABASE_URL, run on the embedded database (refused otherwise)",
    )
    p.set_defaults(func=scheduler)
    p = sub.add_parser(
        "pusher",
        help="push the outbox to the city platform until stopped (several may run); "
        "needs DATABASE_URL",
    )
    p.add_argument(
        "--embedded",
        action="store_true",
        help="without DATABASE_URL, run on the embedded database (refused otherwise)",
    )
    p.set_defaults(func=pusher)
    p = sub.add_parser("migrate", help="bring the schema to a revision (default head)")
    p.add_argument("revision", nargs="?", default="head")
    p.set_defaults(func=migrate)
    p = sub.add_parser("create-user", help="create an account (the first admin, too)")
    p.add_argument("--username", required=True)
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--password", help="prompted for when not given")
    p.add_argument("--full-name")
    p.add_argument("--employer-id", help="required for the employer role")
    p.set_defaults(func=create_user)
    p = sub.add_parser("create-client", help="create a machine client; prints its key once")
    p.add_argument("--name", required=True)
    p.add_argument("--source", required=True, choices=[s.value for s in ClientSource])
    p.add_argument(
        "--trusted",
        action="store_true",
        help="its intake records arrive verified instead of as drafts",
    )
    p.set_defaults(func=create_client)
    p = sub.add_parser("audit", help="audit trail tools")
    audit_sub = p.add_subparsers(dest="audit_command", required=True)
    p = audit_sub.add_parser(
        "verify", help="check the chain, the signed checkpoints and the grades; exit 1 if not"
    )
    p.add_argument(
        "--checkpoints",
        action="append",
        default=[],
        metavar="FILE",
        help="checkpoints an auditor kept (JSON lines), besides the checkpoints file's; repeatable",
    )
    p.set_defaults(func=audit_verify)
    audit_sub.add_parser(
        "checkpoint", help="sign the trail's head now, append it to the checkpoints file"
    ).set_defaults(func=audit_checkpoint)
    p = sub.add_parser("import", help="import credit records from a CSV or XLSX file")
    p.add_argument("file")
    p.add_argument("--user", required=True, help="the inspector or reviewer who collects them")
    p.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    p.set_defaults(func=import_file)
    p = sub.add_parser(
        "rotate-data-key",
        help="re-encrypt personal data not under the current data key (resumable)",
    )
    p.add_argument("--batch-size", type=_positive, default=500, help="rows per transaction")
    p.add_argument("--max-batches", type=_positive, help="stop after this many (a rerun goes on)")
    p.set_defaults(func=rotate_data_key)
    p = sub.add_parser("demo-seed", help="load the demo county (idempotent; development only)")
    p.set_defaults(func=demo_seed)
    p = sub.add_parser("calendar", help="the working-day calendar (docs/law.md, working days)")
    calendar_sub = p.add_subparsers(dest="calendar_command", required=True)
    p = calendar_sub.add_parser("show", help="print a year's days off and make-up workdays")
    p.add_argument("year", type=int)
    p.set_defaults(func=calendar_show)
    p = calendar_sub.add_parser("seed", help="(re)load a year from the installed chinesecalendar")
    p.add_argument("year", type=int)
    p.set_defaults(func=calendar_seed)
    p = calendar_sub.add_parser(
        "load", help="read a year from a file holding the State Council notice; save if confirmed"
    )
    p.add_argument("file", help="the notice's text (UTF-8 or GB18030)")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--yes", action="store_true", help="save without asking")
    p.add_argument("--replace", action="store_true", help="replace the year if loaded already")
    p.set_defaults(func=calendar_load)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        get_settings()  # refused settings stop every command here, before anything starts
        args.func(args)
    except SettingsRefused as exc:
        sys.exit(f"error: {exc}")
    except AppError as exc:
        sys.exit(f"error: {exc.detail.zh} / {exc.detail.en}")
    except ValueError as exc:  # pydantic validation of CLI input
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
