"""Who is calling: a bearer JWT, or the web page's session cookie with its CSRF header."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

from fastapi import Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.access_tokens.dependencies import access_token_caller
from taskagent.access_tokens.service import is_access_token
from taskagent.auth import tokens
from taskagent.auth.models import User
from taskagent.auth.repository import SessionRepository, UserRepository
from taskagent.db import session_scope
from taskagent.errors import Forbidden, Unauthorized
from taskagent.resources import request_resources

SESSION_COOKIE = "taskagent_session"
CSRF_COOKIE = "taskagent_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def authenticated_claims(
    request: Request, verifier: tokens.VerifiedTokens, bearer: str | None
) -> tokens.Claims:
    """The claims of the token the request proves (bearer first, else the session cookie with its CSRF
    header on writes); `Unauthorized` (401) or `Forbidden` (403, CSRF) otherwise. A session's server-side
    row is checked by the caller."""
    if bearer:
        try:
            return verifier.verify(bearer, "access")
        except tokens.InvalidTokenError:
            raise Unauthorized("Invalid or expired token") from None
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthorized()
    try:
        claims = verifier.verify(cookie, "session")
    except tokens.InvalidTokenError:
        raise Unauthorized("Session expired; sign in again") from None
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        expected = claims.csrf or ""
        # Bytes: compare_digest raises TypeError on non-ASCII str, and header values may be anything.
        if not expected or not hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode()):
            raise Forbidden("Missing or invalid CSRF token")
    return claims


def session_claims(request: Request) -> tokens.Claims | None:
    """The verified claims of the request's session cookie, whatever the method; None without a valid one."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        return request_resources(request).verified_tokens.verify(cookie, "session")
    except tokens.InvalidTokenError:
        return None


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


class CallerScheme(OAuth2PasswordBearer):
    """The caller's user id: a bearer JWT, or the session cookie (with the CSRF header on writes), of a
    user that exists; a 401 (or 403) otherwise.

    The whole check is this one dependency, the OpenAPI security scheme included, with no request
    session: a verified token and a recently seen user cost no database round trip and no extra
    dependency to solve, which matters on the hot read routes. An unknown user id is read in a short
    session of its own. Existence is remembered through `KnownUsers`.

    A session cookie is also checked against its server-side row on every request (a primary-key read),
    never a cache: a sign-out, a password change or the account's deletion ends it at once on every
    worker. Bearer access tokens are stateless and short-lived (ACCESS_TOKEN_EXPIRE_MINUTES).
    """

    def __init__(self) -> None:
        # auto_error=False: a missing header may still be a cookie session; we raise our own 401. The
        # scheme keeps the name the OpenAPI document has always given it (not this class's name).
        super().__init__(tokenUrl="/token", auto_error=False, scheme_name="OAuth2PasswordBearer")

    async def __call__(self, request: Request) -> int:  # type: ignore[override]
        bearer = await super().__call__(request)
        if bearer is not None and is_access_token(bearer):  # a personal access token: checked on each use
            return await access_token_caller(request, bearer)
        resources = request_resources(request)
        claims = authenticated_claims(request, resources.verified_tokens, bearer)
        user_id = claims.user_id
        if claims.session_id is not None:
            async with session_scope(resources.session_factory) as session:
                active = await SessionRepository(session).is_active(claims.session_id, user_id)
            if not active:  # signed out, or ended by a password change or the account's deletion
                raise Unauthorized("Session expired; sign in again")
            return user_id  # the row cascades away with its user: the user exists
        if user_id in resources.known_users:
            return user_id
        async with session_scope(resources.session_factory) as session:
            found = await UserRepository(session).exists(user_id)
        if not found:  # a valid signature for a user that is gone
            raise Unauthorized("Invalid or expired token")
        resources.known_users.add(user_id)
        return user_id


async def current_user(known_users: KnownUsers, user_id: int, session: AsyncSession) -> User:
    """The caller's row (`CurrentUser`), read with the request's session."""
    user = await UserRepository(session).get(user_id)
    if user is None:  # removed since its id was last seen
        known_users.forget(user_id)
        raise Unauthorized("Invalid or expired token")
    return user
