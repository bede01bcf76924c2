"""The application factory: `create_app(settings)` wires routers, middleware and resources."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.routing import iter_route_contexts
from opentelemetry.sdk.trace.export import SpanExporter
from sqlalchemy.exc import IntegrityError
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taskagent import __version__
from taskagent.access_tokens.dependencies import TokenScope
from taskagent.access_tokens.router import router as access_tokens_router
from taskagent.agents.router import router as agents_router
from taskagent.agents.runner import AgentRuntime
from taskagent.audit.router import router as audit_router
from taskagent.auth.dependencies import KnownUsers, handle_integrity_error
from taskagent.auth.passwords import PasswordHasher
from taskagent.auth.router import router as auth_router
from taskagent.auth.tokens import VerifiedTokens
from taskagent.calendar.router import router as calendar_router
from taskagent.chat.router import router as chat_router
from taskagent.chat.server import TaskAgentChatServer
from taskagent.config import Settings
from taskagent.db import create_engine, create_read_session_factory, create_session_factory
from taskagent.errors import (
    BadRequest,
    PayloadTooLarge,
    ServiceUnavailable,
    error_responses,
    install_error_handler,
)
from taskagent.exports.router import router as exports_router
from taskagent.health import DatabaseProbe
from taskagent.health import router as health_router
from taskagent.imports.router import document_import_body
from taskagent.imports.router import router as imports_router
from taskagent.mcp.server import mount_mcp
from taskagent.notifications.delivery import ReminderWorker
from taskagent.notifications.router import router as notifications_router
from taskagent.observability import metrics
from taskagent.observability.requests import RequestObservability
from taskagent.observability.tracing import Tracing, build_tracing
from taskagent.ratelimit import RateLimiter, RateLimitHeadersMiddleware
from taskagent.resources import Resources, keep_resources
from taskagent.security import BodyLimitMiddleware, SecurityHeadersMiddleware
from taskagent.tasks.router import router as tasks_router
from taskagent.usage.router import router as usage_router
from taskagent.web import mount_frontend
from taskagent.webhooks.router import router as webhooks_router
from taskagent.webhooks.sending import WebhookWorker


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
COMMON_RESPONSES = error_responses(BadRequest, PayloadTooLarge, ServiceUnavailable)


@asynccontextmanager
async def open_resources(
    settings: Settings, request_metrics: metrics.Metrics, tracing: Tracing | None = None
) -> AsyncIterator[Resources]:
    """One worker's resources, closed in the reverse order."""
    engine = create_engine(settings)
    if tracing is not None:
        tracing.instrument_engine(engine)
        tracing.activate()
    session_factory = create_session_factory(engine)
    resources = Resources(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        read_session_factory=create_read_session_factory(engine),
        rate_limiter=RateLimiter(settings),
        password_hasher=PasswordHasher(settings.password_hash_concurrency),
        agent_runtime=AgentRuntime(settings, metrics=request_metrics),
        chat_server=TaskAgentChatServer(),
        verified_tokens=VerifiedTokens(settings),
        known_users=KnownUsers(),
        health_probe=DatabaseProbe(engine),
        reminders=ReminderWorker(session_factory, settings.reminder_poll_seconds, settings.smtp),
        webhooks=WebhookWorker(session_factory, settings),
        metrics=request_metrics,
        tracing=tracing,
    )
    resources.reminders.start()
    resources.webhooks.start()
    try:
        yield resources
    finally:
        await resources.webhooks.aclose()
        await resources.reminders.aclose()
        # Runs still streaming store what was said, then the model clients close. Read from `resources`:
        # a test may have swapped one.
        await resources.agent_runtime.aclose()
        await resources.rate_limiter.close()
        resources.password_hasher.close()
        await engine.dispose()
        if tracing is not None:
            await asyncio.to_thread(tracing.close)  # sends the spans still buffered (network I/O)


def create_app(
    settings: Settings | None = None, *, tune_gc: bool = False, span_exporter: SpanExporter | None = None
) -> FastAPI:
    """The app. `tune_gc` is for a serving process that owns its interpreter (`taskagent serve`);
    `span_exporter` replaces the configured trace exporter when tracing is on (tests, benchmarks)."""
    settings = settings or Settings()
    settings.jwt_secret  # noqa: B018 - read (or create) the key now, not on the first request's event loop
    request_metrics = metrics.Metrics()  # made with the app: its middleware counts from the first request
    tracing = build_tracing(settings, span_exporter)  # None unless OTEL_TRACES_EXPORTER asks for traces

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_resources(settings, request_metrics, tracing) as resources:
            keep_resources(app, resources)
            if tune_gc:
                # What start-up made lives as long as the process: frozen, later collections skip it; and
                # young collections run every 10,000 allocations instead of 700. Under load the collector's
                # passes over those objects took several percent of every request's CPU.
                gc.collect()
                gc.freeze()
                gc.set_threshold(10_000, 20, 10)
            yield

    app = FastAPI(
        title="TaskAgent",
        version=__version__,
        description="Tasks by REST, by a web page, and by chatting with AI agents.",
        lifespan=lifespan,
        responses=COMMON_RESPONSES,
        # Starlette's slash redirect builds an absolute URL from the request's Host header: a path
        # with a trailing slash is a 404 instead, like any other path that names nothing.
        redirect_slashes=False,
    )
    install_error_handler(app)
    app.add_exception_handler(IntegrityError, handle_integrity_error)
    app.add_middleware(RateLimitHeadersMiddleware)
    app.add_middleware(AllowHeaderMiddleware)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)  # on every answer, errors included
    app.add_middleware(RequestObservability, metrics=request_metrics, traced=tracing is not None)
    if tracing is not None:
        tracing.instrument_app(app)  # outermost: the request span holds every other

    # Routes are tried in order: the task API, which clients call most, right after the health probe.
    app.include_router(health_router)
    app.include_router(exports_router)  # before the tasks routes: `/tasks/export.csv` is not a task id
    app.include_router(imports_router)
    app.include_router(tasks_router, dependencies=[Depends(TokenScope("tasks:read", "tasks:write"))])
    app.include_router(auth_router)
    app.include_router(audit_router, dependencies=[Depends(TokenScope("tasks:read"))])
    app.include_router(notifications_router, dependencies=[Depends(TokenScope("tasks:read", "tasks:write"))])
    app.include_router(webhooks_router, dependencies=[Depends(TokenScope("tasks:read", "tasks:write"))])
    app.include_router(usage_router)
    app.include_router(access_tokens_router)
    app.include_router(calendar_router)
    mount_mcp(app)
    app.include_router(agents_router)
    app.include_router(chat_router)
    if settings.metrics_token is not None:
        app.include_router(metrics.router)
    mount_frontend(app)
    document_import_body(app)
    return app


def app_factory() -> FastAPI:
    """Entry point for uvicorn's `--factory` (each worker builds its own app from the environment)."""
    return create_app(tune_gc=True)
