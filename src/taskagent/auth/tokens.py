"""HS256 JWTs with the algorithm pinned and every registered claim checked."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt

from taskagent.config import Settings
from taskagent.db import MAX_ROW_ID

TokenKind = Literal["access", "session"]
SESSION_LIFETIME = timedelta(days=7)
REQUIRED_CLAIMS = ["sub", "iat", "exp", "iss", "aud", "typ"]
_SUBJECT = re.compile(r"[1-9][0-9]{0,9}")  # ASCII digits: str.isdigit() accepts "²" too


class InvalidTokenError(Exception):
    pass


@dataclass(frozen=True)
class Claims:
    user_id: int
    kind: TokenKind
    csrf: str | None
    expires_at: float = 0.0  # the `exp` claim, in seconds since the epoch
    session_id: str | None = None  # a session cookie's server-side session (`sid`)
    issued_at: float = 0.0  # the `iat` claim, in seconds since the epoch


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int
    csrf: str | None = None


def lifetime_of(settings: Settings, kind: TokenKind) -> timedelta:
    return timedelta(minutes=settings.access_token_expire_minutes) if kind == "access" else SESSION_LIFETIME


def issue(
    settings: Settings, user_id: int, kind: TokenKind = "access", *, session_id: str | None = None
) -> IssuedToken:
    """A signed token. A session cookie (`kind="session"`) names its server-side session, `session_id`."""
    now = datetime.now(UTC)
    lifetime = lifetime_of(settings, kind)
    claims: dict[str, object] = {
        "sub": str(user_id),
        # A float, not PyJWT's whole seconds: a token made just after a password change in the same
        # second must not look older than the change (users.tokens_valid_after).
        "iat": now.timestamp(),
        "exp": now + lifetime,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        # Access tokens and session cookies are not interchangeable: each is checked for its own type.
        "typ": kind,
    }
    csrf = None
    if kind == "session":
        # The CSRF token is bound to this session: a page must echo it in a header it alone can read.
        csrf = secrets.token_urlsafe(24)
        claims["csrf"] = csrf
        if session_id is None:
            raise ValueError("a session token needs its server-side session id")
        claims["sid"] = session_id
    token = jwt.encode(claims, settings.jwt_secret, algorithm=settings.algorithm)
    return IssuedToken(token=token, expires_in=int(lifetime.total_seconds()), csrf=csrf)


def verify(settings: Settings, token: str, kind: TokenKind) -> Claims:
    """The claims of a token of this kind, or InvalidTokenError (never any other exception)."""
    try:
        payload = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[settings.algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(str(exc)) from exc
    if payload.get("typ") != kind:
        raise InvalidTokenError("wrong token type")
    subject = payload["sub"]
    if not isinstance(subject, str) or not _SUBJECT.fullmatch(subject) or int(subject) > MAX_ROW_ID:
        raise InvalidTokenError("bad subject")
    csrf = payload.get("csrf")
    if kind == "session" and (not isinstance(csrf, str) or not csrf):
        raise InvalidTokenError("session token without a CSRF token")
    session_id = payload.get("sid")
    if kind == "session" and (not isinstance(session_id, str) or not session_id):
        raise InvalidTokenError("session token without a session id")
    return Claims(
        user_id=int(subject),
        kind=kind,
        csrf=csrf if isinstance(csrf, str) else None,
        expires_at=float(payload["exp"]),
        session_id=session_id if isinstance(session_id, str) else None,
        issued_at=float(payload["iat"]),
    )


class VerifiedTokens:
    """Tokens this worker has verified, with their claims, until they expire.

    A client sends the same token with every request; checking its HS256 signature and claims again each
    time costs more CPU than the rest of a small authenticated read. Only a token that passed `verify` is
    remembered, under its exact bytes and kind, so a forged, altered or expired token is always checked in
    full (and refused). An entry is not used past the token's `exp` (PyJWT allows no leeway either). The
    cache is per worker and bounded: when full, the oldest entry makes room.
    """

    def __init__(
        self, settings: Settings, max_size: int = 10_000, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings, self.max_size, self.clock = settings, max_size, clock
        self._claims: dict[tuple[str, TokenKind], Claims] = {}

    def verify(self, token: str, kind: TokenKind) -> Claims:
        """As `verify`: the claims of a token of this kind, or InvalidTokenError."""
        claims = self.known(token, kind)
        if claims is not None:
            return claims
        claims = verify(self.settings, token, kind)
        if len(self._claims) >= self.max_size:
            del self._claims[next(iter(self._claims))]  # the oldest entry
        self._claims[(token, kind)] = claims
        return claims

    def known(self, token: str, kind: TokenKind) -> Claims | None:
        """The claims of a token of this kind that passed `verify` and has not expired; None otherwise
        (then only `verify` can tell whether it is valid)."""
        key = (token, kind)
        claims = self._claims.get(key)
        if claims is None:
            return None
        if claims.expires_at > self.clock():
            return claims
        del self._claims[key]
        return None
