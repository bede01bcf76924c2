"""`taskagent serve`, `taskagent migrate`, `taskagent mcp`, `taskagent plan` (users' monthly agent limits),
`taskagent specialists check FILE` and `taskagent openapi` (the API's OpenAPI document, for `make api-types`).

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
import json
import logging
import os
import sys
from typing import Any

import uvicorn
from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from sqlalchemy.engine import make_url
from uvicorn.config import LOGGING_CONFIG

from taskagent import __version__, migrations
from taskagent.access_tokens.service import is_access_token
from taskagent.agents.catalog import SpecialistsFileError, load_catalog
from taskagent.config import ConfigurationError, Settings
from taskagent.db import create_engine, create_session_factory
from taskagent.mcp.server import serve_stdio
from taskagent.observability.request_log import add_request_log
from taskagent.usage.plans import UnknownUserError, parse_limit, reset_plan, set_plan, show_plan

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
    plan = commands.add_parser("plan", help="a user's monthly agent limits (the default plan is in settings)")
    plans = plan.add_subparsers(dest="plan_command", required=True)
    plan_set = plans.add_parser("set", help="give a user limits of their own")
    plan_set.add_argument("email")
    limit_help = "a number, `unlimited`, or `default` (the default plan's; also when left out)"
    plan_set.add_argument("--runs", type=_limit, default=None, help=f"agent runs a month: {limit_help}")
    plan_set.add_argument("--tokens", type=_limit, default=None, help=f"model tokens a month: {limit_help}")
    plan_set.add_argument(
        "--name", default="custom", help="the plan's name, shown to the user (default custom)"
    )
    plans.add_parser("show", help="a user's plan and this month's use").add_argument("email")
    plans.add_parser("reset", help="put a user back on the default plan").add_argument("email")
    specialists = commands.add_parser("specialists", help="the specialists file (SPECIALISTS_FILE)")
    specialist_commands = specialists.add_subparsers(dest="specialists_command", required=True)
    specialist_commands.add_parser(
        "check", help="check a specialists file without starting the service"
    ).add_argument("file")
    commands.add_parser(
        "openapi", help="print the API's OpenAPI document (JSON; no database or server needed)"
    )
    return parser


def _limit(text: str) -> int | None:
    try:
        return parse_limit(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a limit: a number (0 or more), `unlimited` or `default`"
        ) from None


async def run_plan_command(settings: Settings, args: argparse.Namespace) -> str:
    """One `taskagent plan ...` command on the configured database; what to print."""
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    try:
        if args.plan_command == "set":
            if len(args.name.strip()) == 0 or len(args.name) > 50:
                raise ValueError("--name must be 1 to 50 characters")
            await set_plan(factory, args.email, name=args.name.strip(), runs=args.runs, tokens=args.tokens)
        elif args.plan_command == "reset":
            had = await reset_plan(factory, args.email)
            if not had:
                return f"{args.email} is on the default plan already."
        report = await show_plan(factory, settings, args.email)
    finally:
        await engine.dispose()
    return json.dumps(report, default=str, indent=2)


def _fail(message: str) -> int:
    print(f"taskagent: {message}", file=sys.stderr)  # noqa: T201 - CLI output
    return 2


def _serve_mcp(settings: Settings, token: str) -> int:
    asyncio.run(serve_stdio(settings, token))
    return 0


def check_specialists(path: str) -> int:
    """`taskagent specialists check FILE`: OK with the ids, or every problem with its line (exit 1)."""
    try:
        catalog = load_catalog(path)
    except SpecialistsFileError as exc:
        print(f"taskagent: {exc}", file=sys.stderr)  # noqa: T201 - CLI output
        return 1
    ids = ", ".join(catalog.ids)
    print(f"OK: {path}: {len(catalog.ids)} specialists ({ids}); default {catalog.default}")  # noqa: T201
    return 0


class _DocumentSettings(Settings):
    """The defaults alone: neither the environment nor `.env` changes the document (METRICS_TOKEN would add
    `/metrics`), and the fixed key keeps a development key from being made in the data folder."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def openapi_document() -> str:
    """The app's OpenAPI document as JSON, keys sorted: the same text on every machine for the same code.
    The app is built, never started: no database, no server."""
    from taskagent.app import create_app  # the whole app (agents SDK, MCP ...): only this command needs it

    app = create_app(_DocumentSettings(secret_key=SecretStr("openapi-document-only")))
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "specialists":
        return check_specialists(args.file)
    if args.command == "openapi":
        sys.stdout.write(openapi_document())
        return 0
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
        # A bad specialists file stops start-up here with its problems, before any worker starts.
        load_catalog(settings.specialists_file)
        settings.jwt_secret  # noqa: B018 - make the development key once, before the workers start
        asyncio.run(prepare_database(settings))
        if args.command == "mcp":
            return _serve_mcp(settings, token)
        if args.command == "plan":
            print(asyncio.run(run_plan_command(settings, args)))  # noqa: T201 - CLI output
            return 0
    except (ConfigurationError, UnmigratedDatabaseError, DatabaseUnreachableError) as exc:
        return _fail(str(exc))
    except ValidationError as exc:
        return _fail(f"invalid configuration:\n{exc}")
    except (UnknownUserError, ValueError) as exc:  # a plan command's user or name
        return _fail(str(exc))
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
