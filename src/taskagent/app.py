"""The application factory: `create_app(settings)` wires routers, middleware and resources."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from taskagent import __version__
from taskagent.auth.passwords import PasswordHasher
from taskagent.auth.router import router as auth_router
from taskagent.config import Settings
from taskagent.db import create_engine, create_session_factory
from taskagent.health import router as health_router
from taskagent.ratelimit import RateLimiter, RateLimitHeadersMiddleware
from taskagent.tasks.router import router as tasks_router
from taskagent.web import mount_frontend

logger = logging.getLogger(__name__)


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
        try:
            yield
        finally:
            await app.state.rate_limiter.close()
            await engine.dispose()

    app = FastAPI(
        title="TaskAgent",
        version=__version__,
        description="Tasks by REST, by a web page, and by chatting with AI agents.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_middleware(RateLimitHeadersMiddleware)

    app.include_router(health_router)
    app.include_router(auth_router)
    app.include_router(tasks_router)
    mount_frontend(app)
    return app


def app_factory() -> FastAPI:
    """Entry point for uvicorn's `--factory` (each worker builds its own app from the environment)."""
    return create_app()
