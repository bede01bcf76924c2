"""The operator's plan commands (`taskagent plan set | show | reset`), over the same tables as the service."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from taskagent.auth.repository import UserRepository
from taskagent.config import Settings
from taskagent.db import session_scope
from taskagent.usage.models import UNLIMITED
from taskagent.usage.repository import UsageRepository
from taskagent.usage.service import UsageMeter

Factory = async_sessionmaker[AsyncSession]


class UnknownUserError(LookupError):
    def __init__(self, email: str) -> None:
        super().__init__(f"no user with the email {email!r}")


def parse_limit(text: str) -> int | None:
    """A limit as the command line gives it: a number, `unlimited`, or `default` (the default plan's)."""
    word = text.strip().lower()
    if word == "default":
        return None
    if word == "unlimited":
        return UNLIMITED
    value = int(word)
    if value < 0:
        raise ValueError("a limit is 0 or more")
    return value


async def _user_id(session: AsyncSession, email: str) -> int:
    user = await UserRepository(session).get_by_email(email)
    if user is None:
        raise UnknownUserError(email)
    return user.id


async def set_plan(factory: Factory, email: str, *, name: str, runs: int | None, tokens: int | None) -> None:
    async with session_scope(factory) as session:
        await UsageRepository(session, await _user_id(session, email)).set_plan(name, runs, tokens)


async def reset_plan(factory: Factory, email: str) -> bool:
    """Back to the default plan; False when the user had none of their own."""
    async with session_scope(factory) as session:
        return await UsageRepository(session, await _user_id(session, email)).reset_plan()


async def show_plan(factory: Factory, settings: Settings, email: str) -> dict[str, Any]:
    """The user's plan and this month's use, as `GET /users/me/usage` shows them."""
    async with session_scope(factory) as session:
        return await UsageMeter(settings).report(session, await _user_id(session, email))
