"""The application factory: `create_app(settings)` wires routers, middleware and resources."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from taskagent import __version__
from taskagent.agents.router import router as agents_router
from taskagent.agents.runner import AgentRuntime
from taskagent.auth.passwords import PasswordHasher
from taskagent.auth.router import router as auth_router
from taskagent.config import Settings
from taskagent.db import create_engine, create_session_factory
from taskagent.health import router as health_router
from taskagent.ratelimit import RateLimiter, RateLimitHeadersMiddleware
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


def create_app(settings: Settings | None = None) -> FastAPI:
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
        try:
            yield
        finally:
            # Runs still streaming store what was said, then the model clients close.
            await app.state.agent_runtime.aclose()
            await app.state.rate_limiter.close()
            await engine.dispose()

    app = FastAPI(
        title="TaskAgent",
        version=__version__,
        description="Tasks by REST, by a web page, and by chatting with AI agents.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_middleware(RateLimitHeadersMiddleware)

    app.include_router(health_router)
    app.include_router(auth_router)
    app.include_router(tasks_router)
    app.include_router(agents_router)
    mount_frontend(app)
    return app


def app_factory() -> FastAPI:
    """Entry point for uvicorn's `--factory` (each worker builds its own app from the environment)."""
    return create_app()
