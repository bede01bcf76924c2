"""`taskagent serve` and `taskagent migrate`.

Start-up rules: SQLite applies pending migrations by itself (a trial needs no extra step); PostgreSQL is
migrated on purpose with `taskagent migrate`, and `serve` refuses to start on a schema that is behind,
saying what to run. Without SECRET_KEY a development instance makes a key once and keeps it in its data
folder (the parent process makes it before the workers start, so they all sign with the same one); a
production instance (TASKAGENT_ENV=production) refuses to start.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import logging
import os
import sys
from typing import Any

import uvicorn
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from uvicorn.config import LOGGING_CONFIG

from taskagent import __version__, migrations
from taskagent.access_tokens.service import is_access_token
from taskagent.config import ConfigurationError, Settings
from taskagent.db import create_engine
from taskagent.mcp.server import serve_stdio
from taskagent.observability.request_log import add_request_log

logger = logging.getLogger("taskagent")

# Seconds `serve` waits for open requests (streams included) after SIGTERM before closing them.
WORKER_START_SECONDS = 60
GRACEFUL_SHUTDOWN_SECONDS = 10


class UnmigratedDatabaseError(RuntimeError):
    pass


class DatabaseUnreachableError(RuntimeError):
    pass


def _where(settings: Settings) -> str:
    """The database, for messages: host and name, never the password."""
    url = make_url(settings.async_database_url)
    if settings.is_sqlite:
        return f"SQLite at {url.database}"
    return f"PostgreSQL database {url.database!r} at {url.host}:{url.port or 5432}"


async def prepare_database(settings: Settings) -> None:
    """SQLite migrates itself on start-up; PostgreSQL must be migrated on purpose, by `taskagent migrate`."""
    if settings.is_sqlite:
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = create_engine(settings)
    try:
        try:
            if settings.is_sqlite:
                await migrations.upgrade(engine)
                return
            behind = await migrations.pending(engine)
        except Exception as exc:
            raise DatabaseUnreachableError(
                f"cannot use the {_where(settings)}: {type(exc).__name__}: {exc}"
            ) from exc
        if behind:
            raise UnmigratedDatabaseError(
                f"the schema of the {_where(settings)} is not up to date. Run `taskagent migrate` first "
                "(with the same DATABASE_URL), then start the server again."
            )
    finally:
        await engine.dispose()


async def migrate(settings: Settings) -> None:
    if settings.is_sqlite:
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = create_engine(settings)
    try:
        try:
            async with engine.connect():
                pass
        except Exception as exc:
            raise DatabaseUnreachableError(
                f"cannot use the {_where(settings)}: {type(exc).__name__}: {exc}"
            ) from exc
        await migrations.upgrade(engine)
    finally:
        await engine.dispose()


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging with the worker's pid on every line (several workers write to one stream)."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["default"]["fmt"] = "%(levelprefix)s [%(process)d] %(name)s: %(message)s"
    config["formatters"]["access"]["fmt"] = (
        '%(levelprefix)s [%(process)d] %(client_addr)s - "%(request_line)s" %(status_code)s'
    )
    config["loggers"]["taskagent"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return add_request_log(config)  # the JSON line per request, on stdout


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taskagent", description="The TaskAgent service.")
    parser.add_argument("--version", action="version", version=f"taskagent {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API and the web page")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the port (use PostgreSQL and REDIS_URL beyond 1)",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.add_argument(
        "--no-access-log", dest="access_log", action="store_false", help="do not log every request"
    )
    commands.add_parser("migrate", help="apply pending database migrations")
    commands.add_parser(
        "mcp", help="serve MCP on stdin/stdout (Claude Desktop), as the owner of the token in TASKAGENT_TOKEN"
    )
    return parser


def _fail(message: str) -> int:
    print(f"taskagent: {message}", file=sys.stderr)  # noqa: T201 - CLI output
    return 2


def _serve_mcp(settings: Settings, token: str) -> int:
    asyncio.run(serve_stdio(settings, token))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    if args.command == "serve" and args.workers < 1:
        return _fail("--workers must be at least 1")
    token = os.environ.get("TASKAGENT_TOKEN", "").strip()
    if args.command == "mcp" and not is_access_token(token):
        return _fail("set TASKAGENT_TOKEN to an access token with the mcp scope (POST /users/me/tokens)")
    try:
        settings = Settings()
        if args.command == "migrate":
            asyncio.run(migrate(settings))
            print(f"Database migrated: {_where(settings)}.")  # noqa: T201 - CLI output
            return 0
        settings.jwt_secret  # noqa: B018 - make the development key once, before the workers start
        asyncio.run(prepare_database(settings))
        if args.command == "mcp":
            return _serve_mcp(settings, token)
    except (ConfigurationError, UnmigratedDatabaseError, DatabaseUnreachableError) as exc:
        return _fail(str(exc))
    except ValidationError as exc:
        return _fail(f"invalid configuration:\n{exc}")
    if args.workers > 1 and settings.is_sqlite:
        logger.warning(
            "%d workers on SQLite: writes queue on one file; PostgreSQL suits several", args.workers
        )
    if args.workers > 1 and not settings.redis_url:
        logger.warning(
            "%d workers without REDIS_URL: each worker counts rate limits on its own (limits x%d)",
            args.workers,
            args.workers,
        )
    # Each worker builds its app from the environment; the port is shared by the worker processes.
    uvicorn.run(
        "taskagent.app:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        log_config=log_config(args.log_level),
        access_log=args.access_log,
        server_header=False,  # no `server: uvicorn` (name and version are an attacker's first question)
        proxy_headers=False,  # client addresses come from ratelimit.client_address and TRUSTED_PROXIES
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        # A worker imports the whole app (agents SDK, MCP, ...) before it answers the supervisor's health
        # check: several seconds on a small, busy machine, where uvicorn's 5 s killed workers in a loop.
        timeout_worker_healthcheck=WORKER_START_SECONDS,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
