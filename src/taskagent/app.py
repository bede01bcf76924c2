"""The application factory: `create_app(settings)` wires routers, middleware and resources."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taskagent import __version__
from taskagent.agents.router import router as agents_router
from taskagent.agents.runner import AgentRuntime
from taskagent.auth.dependencies import ErrorResponse, KnownUsers
from taskagent.auth.passwords import PasswordHasher
from taskagent.auth.router import router as auth_router
from taskagent.auth.tokens import VerifiedTokens
from taskagent.chat.router import router as chat_router
from taskagent.config import Settings
from taskagent.db import create_engine, create_session_factory
from taskagent.health import router as health_router
from taskagent.observability import metrics
from taskagent.observability.requests import RequestObservability
from taskagent.ratelimit import RateLimiter, RateLimitHeadersMiddleware
from taskagent.tasks.hot_path import TaskReadFastPath
from taskagent.tasks.router import router as tasks_router
from taskagent.web import mount_frontend

logger = logging.getLogger(__name__)


class _ASCIIJSONResponse(JSONResponse):
    """JSON with non-ASCII escaped: a 422 echoes the input, which may hold a lone surrogate
    (valid JSON, `"\\ud800"`) that UTF-8 cannot encode; the default response would fail with a 500."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode()


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _ASCIIJSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)


class AllowHeaderMiddleware:
    """A 405's `Allow` names every method the path accepts; Starlette's names only the first route matched
    (`OPTIONS /tasks/1` said `Allow: GET`, hiding PUT, PATCH and DELETE)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                methods: set[str] = set()
                for route in iter_route_contexts(scope["app"].router.routes):
                    if route.methods and route.matches(scope)[0] != Match.NONE:
                        methods |= route.methods
                if methods:
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                    message["headers"] = [*headers, (b"allow", ", ".join(sorted(methods)).encode())]
            await send(message)

        await self.app(scope, receive, send_with_allow)


# Documented on every operation: FastAPI answers 400 when it cannot read a body at all (bytes that are
# not UTF-8, a broken form), before validation could give a 422; 503 while the database is unreachable.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The request body could not be read"},
    503: {"model": ErrorResponse, "description": "The database is unreachable; retry shortly"},
}
# SQLSTATE classes and codes that mean "no database to talk to right now" rather than a bad statement:
# connection exceptions, too many connections, admin shutdown / cannot connect now, not accepting connections.
_UNAVAILABLE_SQLSTATES = ("08", "53300", "57P", "55000")
DATABASE_RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) says the database cannot be reached, as in a restart or fail-over."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(seen) < 10 and current not in seen:
        seen.append(current)
        if isinstance(current, PoolTimeoutError | ConnectionError | TimeoutError):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        state = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(state, str) and state.startswith(_UNAVAILABLE_SQLSTATES):
            return True
        current = current.__cause__ or current.__context__
    return False


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if not database_unavailable(exc):
        raise exc
    logger.warning("Database unreachable during %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(
        {"detail": "The database is unreachable; retry shortly"},
        status_code=503,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def create_app(settings: Settings | None = None, *, tune_gc: bool = False) -> FastAPI:
    """The app. `tune_gc` is for a serving process that owns its interpreter (`taskagent serve`)."""
    settings = settings or Settings()
    settings.jwt_secret  # noqa: B018 - read (or create) the key now, not on the first request's event loop

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.session_factory = create_session_factory(engine)
        app.state.rate_limiter = RateLimiter(settings)
        app.state.password_hasher = PasswordHasher(settings.password_hash_concurrency)
        app.state.agent_runtime = AgentRuntime(settings)
        if tune_gc:
            # What start-up made lives as long as the process: frozen, later collections skip it; and
            # young collections run every 10,000 allocations instead of 700. Under load the collector's
            # passes over those objects took several percent of every request's CPU.
            gc.collect()
            gc.freeze()
            gc.set_threshold(10_000, 20, 10)
        try:
            yield
        finally:
            # Runs still streaming store what was said, then the model clients close.
            await app.state.agent_runtime.aclose()
            await app.state.rate_limiter.close()
            app.state.password_hasher.close()
            await engine.dispose()

    app = FastAPI(
        title="TaskAgent",
        version=__version__,
        description="Tasks by REST, by a web page, and by chatting with AI agents.",
        lifespan=lifespan,
        responses=COMMON_RESPONSES,
    )
    app.state.settings = settings
    app.state.known_users = KnownUsers()  # per worker: which user ids were recently seen to exist
    app.state.verified_tokens = VerifiedTokens(settings)  # per worker: tokens whose check passed
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeoutError, _database_error)
    app.add_exception_handler(ConnectionError, _database_error)
    app.add_middleware(RateLimitHeadersMiddleware)
    app.add_middleware(AllowHeaderMiddleware)
    app.add_middleware(TaskReadFastPath)  # last added runs first: in front of the others, which it skips
    app.state.metrics = metrics.Metrics()
    app.add_middleware(RequestObservability, metrics=app.state.metrics)  # sees every request, fast path too

    app.include_router(health_router)
    app.include_router(auth_router)
    app.include_router(tasks_router)
    app.include_router(agents_router)
    app.include_router(chat_router)
    if settings.metrics_token is not None:
        app.include_router(metrics.router)
    mount_frontend(app)
    return app


def app_factory() -> FastAPI:
    """Entry point for uvicorn's `--factory` (each worker builds its own app from the environment)."""
    return create_app(tune_gc=True)
