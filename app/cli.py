"""The `labor-credit` command: serve, migrate, accounts, clients, audit check, demo data."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import migrations
from app.config import get_settings
from app.db import create_engine, database_url, session_factory
from app.errors import AppError
from app.models.client import ApiClientCreate, ClientSource
from app.models.user import Role, UserCreate
from app.services import actors, audit, clients, users


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
    import uvicorn

    from app.main import create_app
    from app.observability import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level)
    migrations.upgrade(database_url(settings))
    base = f"http://{args.host}:{args.port}"
    print(
        f"labour-credit on {base}\n  API docs (Swagger UI): {base}/docs\n"
        f"  API docs (ReDoc):      {base}/redoc\n  OpenAPI:               {base}/openapi.json",
        flush=True,
    )
    uvicorn.run(
        create_app(settings), host=args.host, port=args.port, log_config=None, access_log=False
    )


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
    data = ApiClientCreate(name=args.name, source=ClientSource(args.source))
    client, key = _run_in_session(
        lambda s: clients.create(session=s, data=data, actor=actors.system("cli"))
    )
    print(f"created client {client.name} ({client.id}), scopes {client.scopes}")
    print(f"API key (shown once, store it now): {key}")


def audit_verify(args: argparse.Namespace) -> None:
    result = _run_in_session(lambda s: audit.verify_chain(session=s))
    print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False))
    if not result.intact:
        sys.exit(1)


def demo_seed(args: argparse.Namespace) -> None:
    from app.services import demo

    summary = _run_in_session(lambda s: demo.seed(session=s, settings=get_settings()))
    print(summary)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="labor-credit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="migrate, then serve the API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=serve)
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
    p.set_defaults(func=create_client)
    p = sub.add_parser("audit", help="audit trail tools")
    audit_sub = p.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="walk the hash chain").set_defaults(func=audit_verify)
    p = sub.add_parser("demo-seed", help="load the demo county (idempotent; development only)")
    p.set_defaults(func=demo_seed)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        args.func(args)
    except AppError as exc:
        sys.exit(f"error: {exc.detail}")
    except ValueError as exc:  # pydantic validation of CLI input
        sys.exit(f"error: {exc}")
