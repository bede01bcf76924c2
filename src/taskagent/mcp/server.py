"""The MCP server: Streamable HTTP at `/mcp` in the app, and stdio for `taskagent mcp`.

Both take the user from an access token with the `mcp` scope, checked on every HTTP request (and on
every tool call over stdio), so a revoked token stops working at once. Over HTTP the server is stateless:
each request gets its own transport, run inside that request (no MCP session lives in a worker, so any
worker can answer any request, and nothing needs the app's lifespan).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import CallToolRequestParams, CallToolResult, ListToolsResult, PaginatedRequestParams
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from taskagent import __version__
from taskagent.access_tokens.schemas import Scope as TokenScope
from taskagent.access_tokens.service import (
    InvalidAccessTokenError,
    MissingScopeError,
    authenticate,
    is_access_token,
)
from taskagent.agents.context import AgentContext
from taskagent.agents.runner import AgentRuntime
from taskagent.audit.models import Channel
from taskagent.auth.repository import UserRepository
from taskagent.config import Settings
from taskagent.db import create_engine, create_session_factory, session_scope
from taskagent.mcp.tools import ASK_FOR_HELP, TOOLS, HelpDesk, ask_for_help, assistant_error, call_tool
from taskagent.resources import app_resources

PATH = "/mcp"
METADATA_PATH = "/.well-known/oauth-protected-resource" + PATH
SCOPE: TokenScope = "mcp"
_USER_KEY = "taskagent.mcp_user_id"
INSTRUCTIONS = (
    "TaskAgent holds the user's tasks. Find a task's id with find_tasks (by the words the user used) or "
    "list_tasks (by status, priority, due dates) before changing it. Dates are ISO 8601; a date alone "
    "means 23:59 that day in the user's time zone. ask_for_help asks the specialists (scheduling, "
    "breakdown, blockers) about one task."
)

# The user a tool call is for, from the request or connection that carried it; raises CallerRefusedError.
Caller = Callable[[ServerRequestContext[Any, Any]], Awaitable[int]]


class CallerRefusedError(Exception):
    pass


async def token_user(factory: async_sessionmaker[AsyncSession], secret_key: str, token: str) -> int:
    """The owner of a live access token with the `mcp` scope; raises the access-token errors."""
    async with session_scope(factory) as session:
        return await authenticate(session, secret_key, token, SCOPE)


def build_server(
    session_factory: Callable[[], async_sessionmaker[AsyncSession]],
    caller: Caller,
    help_desk: Callable[[], HelpDesk],
) -> Server[Any]:
    """The tools for whoever `caller` says; `session_factory` gives the database and `help_desk` the
    agents (an app makes its own when its lifespan starts, after this server is built)."""

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        return ListToolsResult(tools=[*(tool.listing() for tool in TOOLS.values()), ASK_FOR_HELP])

    async def call(ctx: ServerRequestContext[Any, Any], params: CallToolRequestParams) -> CallToolResult:
        try:
            user_id = await caller(ctx)
        except CallerRefusedError as exc:
            return assistant_error(str(exc))
        factory = session_factory()
        async with session_scope(factory) as session:
            user = await UserRepository(session).get(user_id)
        if user is None:
            return assistant_error("This account no longer exists")
        context = AgentContext(
            user_id=user_id, session_factory=factory, timezone=user.timezone, channel=Channel.mcp
        )
        if params.name == ASK_FOR_HELP.name:
            return await ask_for_help(params.arguments or {}, context, help_desk())
        return await call_tool(params.name, params.arguments or {}, context)

    return Server(
        "taskagent",
        version=__version__,
        title="TaskAgent",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call,
    )


# --- Streamable HTTP ----------------------------------------------------------------------------------


async def _request_user(ctx: ServerRequestContext[Any, Any]) -> int:
    request = ctx.request
    user_id = request.scope.get(_USER_KEY) if isinstance(request, Request) else None
    if not isinstance(user_id, int):  # only the endpoint below sends requests here, after the check
        raise CallerRefusedError("Not authenticated")
    return user_id


def _resource_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PATH


class McpEndpoint:
    """`/mcp`: checks the bearer access token (401 with the RFC 9728 pointer to how to get one, 403 without
    the `mcp` scope), then hands the request to the MCP transport with the user it proved."""

    def __init__(self, server: Server[Any]) -> None:
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        resources = app_resources(request.app)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not is_access_token(token):
            await self._challenge(request, "Send an access token with the mcp scope as a Bearer token")(
                scope, receive, send
            )
            return
        try:
            user_id = await token_user(resources.session_factory, resources.settings.jwt_secret, token)
        except InvalidAccessTokenError:
            answer = self._challenge(
                request, "Invalid, revoked or expired access token", 'error="invalid_token"'
            )
            await answer(scope, receive, send)
            return
        except MissingScopeError:
            answer = self._challenge(
                request,
                "This access token lacks the mcp scope",
                'error="insufficient_scope", scope="mcp"',
                403,
            )
            await answer(scope, receive, send)
            return
        transport = StreamableHTTPSessionManager(
            app=self.server,
            stateless=True,
            json_response=True,
            # Callers prove themselves with a bearer token, never a cookie, so a page on a rebound DNS
            # name gains nothing; and the app answers under whatever host name it is deployed.
            security_settings=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        async with transport.run():
            await transport.handle_request({**scope, _USER_KEY: user_id}, receive, send)

    @staticmethod
    def _challenge(request: Request, detail: str, error: str = "", status: int = 401) -> Response:
        metadata = str(request.base_url).rstrip("/") + METADATA_PATH
        challenge = f'Bearer resource_metadata="{metadata}"' + (f", {error}" if error else "")
        return JSONResponse({"detail": detail}, status_code=status, headers={"WWW-Authenticate": challenge})


async def protected_resource_metadata(request: Request) -> Response:
    """RFC 9728: what `/mcp` is and how to authenticate to it. There is no OAuth authorization server:
    the bearer token is a personal access token the user makes on the page or at POST /users/me/tokens."""
    base = str(request.base_url).rstrip("/")
    return JSONResponse(
        {
            "resource": _resource_url(request),
            "resource_name": "TaskAgent",
            "scopes_supported": [SCOPE],
            "bearer_methods_supported": ["header"],
            "resource_documentation": f"{base}/docs#/access%20tokens/create_token_users_me_tokens_post",
        },
        headers={"Cache-Control": "public, max-age=3600"},
    )


def mount_mcp(app: FastAPI) -> None:
    """Serve MCP at `/mcp`, and its protected-resource metadata."""

    def help_desk() -> HelpDesk:
        resources = app_resources(app)
        return HelpDesk(resources.agent_runtime, resources.rate_limiter)

    server = build_server(lambda: app_resources(app).session_factory, _request_user, help_desk)
    app.router.routes.append(Route(PATH, McpEndpoint(server)))
    app.router.routes.append(Route(METADATA_PATH, protected_resource_metadata, methods=["GET"]))


# --- stdio ---------------------------------------------------------------------------------------------


async def serve_stdio(settings: Settings, token: str) -> None:
    """Serve MCP on stdin/stdout for the owner of `token` (checked on every tool call)."""
    engine = create_engine(settings)
    factory = create_session_factory(engine)

    async def token_caller(ctx: ServerRequestContext[Any, Any]) -> int:
        try:
            return await token_user(factory, settings.jwt_secret, token)
        except InvalidAccessTokenError:
            raise CallerRefusedError("TASKAGENT_TOKEN is not a live access token") from None
        except MissingScopeError as exc:
            raise CallerRefusedError(str(exc)) from None

    desk = HelpDesk(AgentRuntime(settings))
    server = build_server(lambda: factory, token_caller, lambda: desk)
    try:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
    finally:
        await desk.runtime.aclose()
        await engine.dispose()
