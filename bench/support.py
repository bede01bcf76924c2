"""Helpers the bench scripts share: a free port, whether a service answers, SQL on the admin database,
databases of their own."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

DEFAULT_PORTS = {"redis": 6379, "rediss": 6379}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 5432)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


async def admin_sql(url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE) on the server `url` names."""
    import asyncpg  # type: ignore[import-untyped]  # the project's own driver

    parts = urlsplit(url)
    connection = await asyncpg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        database=parts.path.lstrip("/") or "postgres",
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def new_database(url: str, prefix: str) -> tuple[str, str]:
    """A database of the bench's own on the server `url` names: (its name, its URL)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    await admin_sql(url, f'CREATE DATABASE "{name}"')
    return name, urlsplit(url)._replace(path=f"/{name}").geturl()


async def drop_database(url: str, name: str) -> None:
    await admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def own_database(url: str, prefix: str) -> Iterator[str]:
    """`new_database` for a script outside an event loop: yields its URL, drops it at the end."""
    name, database_url = asyncio.run(new_database(url, prefix))
    try:
        yield database_url
    finally:
        asyncio.run(drop_database(url, name))
