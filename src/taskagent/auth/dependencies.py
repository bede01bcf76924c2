"""Who is calling: a bearer JWT, or the web page's session cookie with its CSRF header."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.access_tokens.dependencies import access_token_caller
from taskagent.access_tokens.service import is_access_token
from taskagent.auth import tokens
from taskagent.auth.models import User
from taskagent.auth.repository import SessionRepository, UserRepository
from taskagent.db import session_scope
from taskagent.errors import Forbidden, Unauthorized, handle_error
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
    """Ids of users read from the database in the last `ttl` seconds, with when their bearer JWTs start
    to be valid (`users.tokens_valid_after`), so that a request needing only the caller's id can skip
    that read.

    Only these two facts are remembered, never a row: an id not here (never seen, or seen too long ago) is
    always looked up, so a signed token for a user that does not exist still gets a 401. The worker that
    changes a password or deletes an account updates its entry at once (`add`, `forget`); on other
    workers an old bearer JWT of that user stays accepted for at most `ttl` seconds more (session cookies
    and access tokens are rows, checked on every request, and end at once everywhere).
    """

    def __init__(
        self, ttl: float = 60.0, max_size: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl, self.max_size, self.clock = ttl, max_size, clock
        self._entries: dict[int, tuple[float, float]] = {}  # id: (entry expires, tokens valid after)

    def __contains__(self, user_id: int) -> bool:
        return self.tokens_valid_after(user_id) is not None

    def tokens_valid_after(self, user_id: int) -> float | None:
        """The user's `tokens_valid_after` (0.0: any token), or None when not known here."""
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        if entry[0] <= self.clock():
            del self._entries[user_id]
            return None
        return entry[1]

    def add(self, user_id: int, tokens_valid_after: float = 0.0) -> None:
        if len(self._entries) >= self.max_size and user_id not in self._entries:
            now = self.clock()
            self._entries = {uid: entry for uid, entry in self._entries.items() if entry[0] > now}
            if len(self._entries) >= self.max_size:
                del self._entries[next(iter(self._entries))]  # the oldest entry
        self._entries.pop(user_id, None)  # re-inserted last: insertion order stays expiry order
        self._entries[user_id] = (self.clock() + self.ttl, tokens_valid_after)

    def forget(self, user_id: int) -> None:
        self._entries.pop(user_id, None)


class CallerScheme(OAuth2PasswordBearer):
    """The caller's user id: a bearer JWT, or the session cookie (with the CSRF header on writes), of a
    user that exists; a 401 (or 403) otherwise.

    The whole check is this one dependency, the OpenAPI security scheme included, with no request
    session: a verified token and a recently seen user cost no database round trip and no extra
    dependency to solve, which matters on the hot read routes. An unknown user id is read in a short
    session of its own. Existence is remembered through `KnownUsers`.

    A session cookie is also checked against its server-side row on every request (a primary-key read),
    never a cache: a sign-out, a password change or the account's deletion ends it at once on every
    worker. A bearer JWT issued before the user's last password change is refused (`KnownUsers` says how
    soon on each worker).
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
            request.state.via_session_cookie = True  # the web page's way in (the audit trail's `web`)
            return user_id  # the row cascades away with its user: the user exists
        valid_after = resources.known_users.tokens_valid_after(user_id)
        if valid_after is None:
            async with session_scope(resources.session_factory) as session:
                valid_after = await UserRepository(session).tokens_valid_after(user_id)
            if valid_after is None:  # a valid signature for a user that is gone
                raise Unauthorized("Invalid or expired token")
            resources.known_users.add(user_id, valid_after)
        if claims.issued_at < valid_after:  # issued before the password was changed
            raise Unauthorized("Invalid or expired token")
        request.state.cached_caller = user_id  # see `handle_integrity_error`
        return user_id


async def handle_integrity_error(request: Request, exc: Exception) -> Response:
    """A write refused by the database because its owner row is gone is the caller's account deleted on
    another worker while this one still knew the id (`KnownUsers`): a 401, as on any later request, not a
    500. Any other integrity error stays a bug."""
    user_id: int | None = getattr(request.state, "cached_caller", None)
    if isinstance(exc, IntegrityError) and user_id is not None:
        resources = request_resources(request)
        async with session_scope(resources.session_factory) as session:
            gone = await UserRepository(session).tokens_valid_after(user_id) is None
        if gone:
            resources.known_users.forget(user_id)
            return await handle_error(request, Unauthorized("Invalid or expired token"))
    return await handle_error(request, exc)


def signed_in_by_cookie(request: Request) -> bool:
    """Whether `CallerScheme` accepted the request's session cookie (only the web page holds one)."""
    return bool(getattr(request.state, "via_session_cookie", False))


async def current_user(known_users: KnownUsers, user_id: int, session: AsyncSession) -> User:
    """The caller's row (`CurrentUser`), read with the request's session."""
    user = await UserRepository(session).get(user_id)
    if user is None:  # removed since its id was last seen
        known_users.forget(user_id)
        raise Unauthorized("Invalid or expired token")
    return user
