"""What the app holds while it runs: made once in the lifespan (`app.open_resources`), closed at shutdown.

Routes never read `app.state` themselves: they ask for typed dependencies (`taskagent.dependencies`),
which come from here. Only this module knows where the resources are kept.

The field types are imported for type checking only: the modules that define them (the rate limiter,
the health probe, the auth caches) read their resources through this module, so a runtime import here
would be a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from taskagent.agents.runner import AgentRuntime
    from taskagent.auth.dependencies import KnownUsers
    from taskagent.auth.passwords import PasswordHasher
    from taskagent.auth.tokens import VerifiedTokens
    from taskagent.chat.server import TaskAgentChatServer
    from taskagent.config import Settings
    from taskagent.health import DatabaseProbe
    from taskagent.notifications.delivery import ReminderWorker
    from taskagent.observability.metrics import Metrics
    from taskagent.observability.tracing import Tracing
    from taskagent.ratelimit import RateLimiter
    from taskagent.webhooks.sending import WebhookWorker


@dataclass(slots=True)
class Resources:
    """One worker's resources. Mutable so that a test can swap one (a fast hasher, a scripted model)."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    read_session_factory: async_sessionmaker[AsyncSession]  # GET and HEAD requests' sessions
    rate_limiter: RateLimiter
    password_hasher: PasswordHasher
    agent_runtime: AgentRuntime  # the agents, their run slots and the runs in flight
    chat_server: TaskAgentChatServer
    verified_tokens: VerifiedTokens  # tokens whose check passed, until they expire
    known_users: KnownUsers  # user ids recently seen to exist
    health_probe: DatabaseProbe
    reminders: ReminderWorker  # sends the reminders that come due
    webhooks: WebhookWorker  # sends the webhook deliveries that are due
    metrics: Metrics  # also held by the request middleware, which exists before the lifespan runs
    tracing: Tracing | None = None  # None: OTEL_TRACES_EXPORTER=none, nothing traced


def app_resources(app: Starlette) -> Resources:
    """The resources of a running app (its lifespan made them)."""
    try:
        resources: Resources = app.state.resources
    except AttributeError:
        raise RuntimeError("The app's resources are made by its lifespan, which has not run") from None
    return resources


def running_resources(app: Starlette) -> Resources | None:
    """The resources, or None before the lifespan made them (a middleware may see such a request)."""
    resources: Resources | None = getattr(app.state, "resources", None)
    return resources


def request_resources(connection: HTTPConnection) -> Resources:
    return app_resources(connection.app)


def keep_resources(app: Starlette, resources: Resources) -> None:
    """Where the lifespan puts them."""
    app.state.resources = resources
