"""Where access tokens may be used: a route group opts in with `TokenScope`; everywhere else refuses them.

`TokenScope` runs before the route's caller check (FastAPI solves a router's `dependencies` first) and
only notes, on the request, which scope a token needs here; `access_token_caller`, called by
`auth.dependencies.CallerScheme` for a bearer that looks like an access token, then checks the token
against it. A route that never opted in leaves no note, so a token is refused there.
"""

from __future__ import annotations

from fastapi import Request

from taskagent.access_tokens.schemas import Scope
from taskagent.access_tokens.service import InvalidAccessTokenError, MissingScopeError, authenticate
from taskagent.db import session_scope
from taskagent.errors import Forbidden, Unauthorized
from taskagent.resources import request_resources

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenScope:
    """A dependency for a route group: the scope an access token needs for reads and for writes."""

    def __init__(self, read: Scope, write: Scope | None = None) -> None:
        self.read, self.write = read, write

    async def __call__(self, request: Request) -> None:
        request.state.access_token_scope = self.read if request.method in _READ_METHODS else self.write


async def access_token_caller(request: Request, token: str) -> int:
    """The user id an access token proves for this route, or a 401 (unknown, revoked, expired) or a 403
    (not allowed here)."""
    scope: Scope | None = getattr(request.state, "access_token_scope", None)
    resources = request_resources(request)
    try:
        async with session_scope(resources.session_factory) as session:
            return await authenticate(session, resources.settings.jwt_secret, token, scope)
    except InvalidAccessTokenError:
        raise Unauthorized(
            "Invalid, revoked or expired access token", challenge='Bearer error="invalid_token"'
        ) from None
    except MissingScopeError as exc:
        challenge = 'Bearer error="insufficient_scope"' + (f', scope="{exc.scope}"' if exc.scope else "")
        raise Forbidden(str(exc), headers={"WWW-Authenticate": challenge}) from None
