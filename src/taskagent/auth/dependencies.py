"""Who is calling: a bearer JWT, or the web page's session cookie with its CSRF header."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from taskagent.access_tokens.dependencies import access_token_caller
from taskagent.access_tokens.service import is_access_token
from taskagent.auth import tokens
from taskagent.auth.models import User
from taskagent.auth.passwords import PasswordHasher
from taskagent.auth.repository import UserRepository
from taskagent.db import SessionDep, session_scope

SESSION_COOKIE = "taskagent_session"
CSRF_COOKIE = "taskagent_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ErrorResponse(BaseModel):
    """The body of every error but 422: a human-readable message."""

    detail: str


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorResponse(BaseModel):
    """The body of a 422: FastAPI's shape, also used for the checks endpoints make themselves."""

    detail: list[ValidationIssue]


Responses = dict[int | str, dict[str, Any]]


def unprocessable(description: str) -> Responses:
    return {422: {"model": ValidationErrorResponse, "description": description}}


UNAUTHORIZED: Responses = {
    401: {
        "model": ErrorResponse,
        "description": "Missing, invalid or expired token (or session cookie)",
        "headers": {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    }
}
CSRF_FAILED: Responses = {
    403: {
        "model": ErrorResponse,
        "description": f"Signed in by session cookie without the matching `{CSRF_HEADER}` header",
    }
}
RATE_LIMITED: Responses = {
    429: {
        "model": ErrorResponse,
        "description": "Too many requests; see Retry-After",
        "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    }
}


async def get_password_hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.password_hasher
    return hasher


PasswordHasherDep = Annotated[PasswordHasher, Depends(get_password_hasher)]


def unauthorized(detail: str = "Not authenticated") -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def verified_tokens(request: Request) -> tokens.VerifiedTokens:
    cache: tokens.VerifiedTokens | None = getattr(request.app.state, "verified_tokens", None)
    if cache is None:
        cache = request.app.state.verified_tokens = tokens.VerifiedTokens(request.app.state.settings)
    return cache


def authenticated_user_id(request: Request, verifier: tokens.VerifiedTokens, bearer: str | None) -> int:
    """The user id the request proves, or a 401; shared by REST and the ChatKit endpoint."""
    if bearer:
        try:
            return verifier.verify(bearer, "access").user_id
        except tokens.InvalidTokenError:
            raise unauthorized("Invalid or expired token") from None
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise unauthorized()
    try:
        claims = verifier.verify(cookie, "session")
    except tokens.InvalidTokenError:
        raise unauthorized("Session expired; sign in again") from None
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        expected = claims.csrf or ""
        # Bytes: compare_digest raises TypeError on non-ASCII str, and header values may be anything.
        if not expected or not hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode()):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Missing or invalid CSRF token")
    return claims.user_id


class KnownUsers:
    """Ids of users read from the database in the last `ttl` seconds, so that a request needing only the
    caller's id can skip that read.

    Only existence is remembered, never a row: an id not here (never seen, or seen too long ago) is always
    looked up, so a signed token for a user that does not exist still gets a 401. Users cannot be deleted
    through the API today; were they deleted (by hand, or by a future endpoint, which should then call
    `forget`), a token of theirs would be accepted by the id-only routes for at most `ttl` seconds more on
    each worker, and those routes would find none of their tasks anyway (the owner's rows cascade away).
    """

    def __init__(
        self, ttl: float = 60.0, max_size: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl, self.max_size, self.clock = ttl, max_size, clock
        self._expires: dict[int, float] = {}

    def __contains__(self, user_id: int) -> bool:
        expires = self._expires.get(user_id)
        if expires is None:
            return False
        if expires <= self.clock():
            del self._expires[user_id]
            return False
        return True

    def add(self, user_id: int) -> None:
        if len(self._expires) >= self.max_size and user_id not in self._expires:
            now = self.clock()
            self._expires = {uid: at for uid, at in self._expires.items() if at > now}
            if len(self._expires) >= self.max_size:
                del self._expires[next(iter(self._expires))]  # the oldest entry
        self._expires.pop(user_id, None)  # re-inserted last: insertion order stays expiry order
        self._expires[user_id] = self.clock() + self.ttl

    def forget(self, user_id: int) -> None:
        self._expires.pop(user_id, None)


def known_users(request: Request) -> KnownUsers:
    cache: KnownUsers | None = getattr(request.app.state, "known_users", None)
    if cache is None:
        cache = request.app.state.known_users = KnownUsers()
    return cache


class CallerScheme(OAuth2PasswordBearer):
    """The caller's user id: a bearer JWT, or the session cookie (with the CSRF header on writes), of a
    user that exists; a 401 (or 403) otherwise.

    The whole check is this one dependency, the OpenAPI security scheme included, with no request
    session: a verified token and a recently seen user cost no database round trip and no extra
    dependency to solve, which matters on the hot read routes. An unknown user id is read in a short
    session of its own. Existence is remembered through `KnownUsers`.
    """

    def __init__(self) -> None:
        # auto_error=False: a missing header may still be a cookie session; we raise our own 401. The
        # scheme keeps the name the OpenAPI document has always given it (not this class's name).
        super().__init__(tokenUrl="/token", auto_error=False, scheme_name="OAuth2PasswordBearer")

    async def __call__(self, request: Request) -> int:  # type: ignore[override]
        bearer = await super().__call__(request)
        if bearer is not None and is_access_token(bearer):  # a personal access token: checked on each use
            return await access_token_caller(request, bearer)
        user_id = authenticated_user_id(request, verified_tokens(request), bearer)
        cache = known_users(request)
        if user_id in cache:
            return user_id
        factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
        async with session_scope(factory) as session:
            found = await UserRepository(session).exists(user_id)
        if not found:  # a valid signature for a user that is gone
            raise unauthorized("Invalid or expired token")
        cache.add(user_id)
        return user_id


CurrentUserId = Annotated[int, Depends(CallerScheme())]


async def get_current_user(request: Request, user_id: CurrentUserId, session: SessionDep) -> User:
    user = await UserRepository(session).get(user_id)
    if user is None:  # removed since its id was last seen
        known_users(request).forget(user_id)
        raise unauthorized("Invalid or expired token")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
