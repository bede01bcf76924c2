"""Every dependency a route asks for, typed: the app's resources (`taskagent.resources`, made in the
lifespan), the request's database session, the caller, and the rate limits.

    async def route(tasks: TaskServiceDep, settings: SettingsDep) -> ...

Each is `async def`: FastAPI runs a plain `def` dependency through the thread pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from taskagent.agents.runner import AgentRuntime
from taskagent.audit.models import Channel
from taskagent.auth.dependencies import CallerScheme, current_user, signed_in_by_cookie
from taskagent.auth.models import User
from taskagent.auth.passwords import PasswordHasher
from taskagent.auth.repository import canonical_email
from taskagent.chat.server import TaskAgentChatServer
from taskagent.config import Settings
from taskagent.db import session_scope
from taskagent.ratelimit import RateLimiter, client_address
from taskagent.resources import Resources, request_resources
from taskagent.tasks.service import TaskService

# --- the app's resources -------------------------------------------------------------------------------


async def get_resources(request: Request) -> Resources:
    return request_resources(request)


async def get_settings(request: Request) -> Settings:
    return request_resources(request).settings


async def get_session_factory(request: Request) -> async_sessionmaker[AsyncSession]:
    return request_resources(request).session_factory


async def get_password_hasher(request: Request) -> PasswordHasher:
    return request_resources(request).password_hasher


async def get_rate_limiter(request: Request) -> RateLimiter:
    return request_resources(request).rate_limiter


async def get_agent_runtime(request: Request) -> AgentRuntime:
    return request_resources(request).agent_runtime


async def get_chat_server(request: Request) -> TaskAgentChatServer:
    return request_resources(request).chat_server


ResourcesDep = Annotated[Resources, Depends(get_resources)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionFactoryDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_session_factory)]
PasswordHasherDep = Annotated[PasswordHasher, Depends(get_password_hasher)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
AgentRuntimeDep = Annotated[AgentRuntime, Depends(get_agent_runtime)]
ChatServerDep = Annotated[TaskAgentChatServer, Depends(get_chat_server)]

# --- the request's session -----------------------------------------------------------------------------

# Requests that only read get sessions without BEGIN/COMMIT on PostgreSQL (db.create_read_session_factory).
READ_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session: committed once when the endpoint succeeds (a read session only if it holds
    a change: `db.session_scope`), rolled back otherwise."""
    resources = request_resources(request)
    reads_only = request.method in READ_METHODS
    factory = resources.read_session_factory if reads_only else resources.session_factory
    async with session_scope(factory) as session:
        yield session


# scope="function": commit before the response is sent, so a failed commit is never reported as success.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

# --- the caller ----------------------------------------------------------------------------------------

CurrentUserId = Annotated[int, Depends(CallerScheme())]


async def get_current_user(request: Request, user_id: CurrentUserId, session: SessionDep) -> User:
    return await current_user(request_resources(request).known_users, user_id, session)


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_task_service(request: Request, session: SessionDep, user_id: CurrentUserId) -> TaskService:
    # The way in, for the audit trail: the page signs in with its session cookie, scripts with a bearer.
    channel = Channel.web if signed_in_by_cookie(request) else Channel.rest
    return TaskService(session, user_id, channel)


TaskServiceDep = Annotated[TaskService, Depends(get_task_service)]

# --- rate limits of the public endpoints, per client address (the agent limit is per user, in the routes)


async def limit_signup(request: Request, limiter: RateLimiterDep, settings: SettingsDep) -> None:
    await limiter.enforce(request, limiter.signup, client_address(request, settings.trusted_proxies))


async def limit_token(request: Request, limiter: RateLimiterDep, settings: SettingsDep) -> None:
    await limiter.enforce(request, limiter.token, client_address(request, settings.trusted_proxies))


async def limit_login_account(request: Request, limiter: RateLimiter, email: str) -> None:
    """Sign-in attempts at one account, counted whatever address they come from (429 over the limit)."""
    key = f"account:{canonical_email(email)[:320]}"
    await limiter.enforce(request, limiter.login_account, key, quiet=True)
