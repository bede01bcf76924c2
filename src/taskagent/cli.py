"""`taskagent serve` and `taskagent migrate`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import uvicorn
from pydantic import ValidationError

from taskagent import migrations
from taskagent.config import ConfigurationError, Settings
from taskagent.db import create_engine

logger = logging.getLogger("taskagent")


class UnmigratedDatabaseError(RuntimeError):
    pass


async def prepare_database(settings: Settings) -> None:
    """SQLite migrates itself on start-up; PostgreSQL must be migrated on purpose, by `taskagent migrate`."""
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings)
    try:
        if settings.is_sqlite:
            await migrations.upgrade(engine)
        elif await migrations.pending(engine):
            raise UnmigratedDatabaseError(
                "The database schema is not up to date. Run `taskagent migrate` first "
                "(with the same DATABASE_URL), then start the server again."
            )
    finally:
        await engine.dispose()


async def migrate(settings: Settings) -> None:
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings)
    try:
        await migrations.upgrade(engine)
    finally:
        await engine.dispose()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taskagent", description="The TaskAgent service.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API and the web page")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes sharing the port")
    serve.add_argument("--log-level", default="info")
    commands.add_parser("migrate", help="apply pending database migrations")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    try:
        settings = Settings()
        if args.command == "migrate":
            asyncio.run(migrate(settings))
            print("Database migrated.")  # noqa: T201 - CLI output
            return 0
        asyncio.run(prepare_database(settings))
    except (ConfigurationError, UnmigratedDatabaseError) as exc:
        print(f"taskagent: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    except ValidationError as exc:
        print(f"taskagent: invalid configuration:\n{exc}", file=sys.stderr)  # noqa: T201
        return 2
    if args.workers < 1:
        print("taskagent: --workers must be at least 1", file=sys.stderr)  # noqa: T201
        return 2
    # Each worker builds its app from the environment; the port is shared by the worker processes.
    uvicorn.run(
        "taskagent.app:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=False,  # client addresses come from ratelimit.client_address and TRUSTED_PROXIES
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
