"""Personal access tokens: made, listed and revoked by their owner; checked on every request that
presents one.

A token is `tka_` and 43 random URL-safe characters (256 bits). Only an HMAC-SHA256 of it, keyed by the
server's secret key, is stored: with that much entropy a slow password hash would add nothing but cost,
and the keyed hash lets a request find its token with one indexed read. Every check reads the row, so a
revoked or expired token is refused at once by every worker (nothing is cached).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.access_tokens.models import AccessToken
from taskagent.access_tokens.repository import AccessTokenRepository, find_by_hash, mark_used
from taskagent.access_tokens.schemas import Scope, TokenCreate
from taskagent.db import utcnow
from taskagent.errors import Conflict, NotFound

TOKEN_PREFIX = "tka_"  # noqa: S105 - a marker, not a secret
SHOWN_PREFIX_LENGTH = 12  # `tka_` and 8 characters of the random part
MAX_TOKENS_PER_USER = 100


class TokenNotFoundError(NotFound):
    description = "No such token for this user"


class TooManyTokensError(Conflict):
    description = "The user already has the most tokens allowed"


class InvalidAccessTokenError(Exception):
    """Unknown, revoked or expired."""


class MissingScopeError(Exception):
    def __init__(self, scope: Scope | None) -> None:
        super().__init__(
            f"This access token lacks the {scope} scope"
            if scope
            else "Access tokens cannot be used here; sign in with your password"
        )
        self.scope = scope


def is_access_token(bearer: str) -> bool:
    return bearer.startswith(TOKEN_PREFIX)


def token_hash(secret_key: str, token: str) -> str:
    key = hashlib.sha256(b"taskagent access token\x00" + secret_key.encode()).digest()
    return hmac.new(key, token.encode("utf-8", "replace"), hashlib.sha256).hexdigest()


class AccessTokenService:
    def __init__(self, session: AsyncSession, user_id: int, secret_key: str) -> None:
        self.repository = AccessTokenRepository(session, user_id)
        self.secret_key = secret_key

    async def create(self, data: TokenCreate) -> tuple[AccessToken, str]:
        """The new token's row and the token itself (which is not kept)."""
        if await self.repository.count() >= MAX_TOKENS_PER_USER:
            raise TooManyTokensError(f"At most {MAX_TOKENS_PER_USER} tokens; revoke one first")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = utcnow()
        row = AccessToken(
            name=data.name,
            scopes=list(data.scopes),
            token_hash=token_hash(self.secret_key, token),
            prefix=token[:SHOWN_PREFIX_LENGTH],
            created_at=now,
            expires_at=None if data.expires_in_days is None else now + timedelta(days=data.expires_in_days),
        )
        return await self.repository.add(row), token

    async def all(self) -> list[AccessToken]:
        return await self.repository.all()

    async def revoke(self, token_id: int) -> None:
        if not await self.repository.delete(token_id):
            raise TokenNotFoundError(f"Token {token_id} not found")

    async def revoke_all(self) -> int:
        return await self.repository.delete_all()


async def authenticate(session: AsyncSession, secret_key: str, token: str, scope: Scope | None) -> int:
    """The id of the user whose live token this is, if it carries `scope` (None: a place no token may
    go); raises InvalidAccessTokenError or MissingScopeError."""
    row = await find_by_hash(session, token_hash(secret_key, token))
    now = utcnow()
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        raise InvalidAccessTokenError
    if scope is None or scope not in row.scopes:
        raise MissingScopeError(scope)
    await mark_used(session, row.id, now)
    return row.owner_id
