"""Database plumbing: the declarative base, the engine, the session factory and units of work."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, event, make_url
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError, InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry, NullPool
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import await_
from sqlalchemy.util.queue import Empty, Full, QueueCommon

from taskagent.config import Settings

# Stable constraint names, so Alembic can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Every table's id is a 32-bit INTEGER: a larger id names no row (and PostgreSQL refuses it as a parameter),
# so an id from a client outside this range is answered "not found" without a query.
MAX_ROW_ID = 2**31 - 1


def is_row_id(value: int) -> bool:
    return 0 < value <= MAX_ROW_ID


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no offset, so values are normalised to UTC on the way in and tagged UTC on the way out;
    PostgreSQL stores `timestamptz`. Naive datetimes are refused: they are a bug upstream.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        # asyncpg gives `timestamptz` values in UTC already: nothing to do for every row read.
        if dialect.name == "postgresql":
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_private_sqlite_file(url: str) -> None:
    """Create the SQLite file (mode 0600) before SQLite does: it would make it world-readable (0644), and
    the file holds password hashes, tasks and chats. SQLite gives its WAL and shared-memory files the main
    file's mode. A folder that does not exist is left missing, as SQLite would (the data folder is made
    private by its own creator): the database is then unreachable, and /health says so."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


class FairQueue(QueueCommon[ConnectionPoolEntry]):
    """The pool's idle connections, handed to waiting requests strictly in the order they came.

    SQLAlchemy's asyncio queue wakes the first waiter when a connection comes back but leaves the
    connection in the queue until that waiter runs; a request arriving in between takes it, and the
    woken waiter queues again at the back. Under load (256 connections for a pool of 30) a few
    requests waited 5-10 s while the median waited 0.2 s. Here a returned connection goes straight
    into the first waiter's hands, and one is idle only when nobody waits.
    """

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        self.maxsize = maxsize
        self.use_lifo = use_lifo
        self._idle: deque[ConnectionPoolEntry] = deque()
        self._waiters: deque[asyncio.Future[ConnectionPoolEntry]] = deque()

    def empty(self) -> bool:
        return not self._idle

    def full(self) -> bool:
        return 0 < self.maxsize <= len(self._idle)

    def qsize(self) -> int:
        return len(self._idle)

    def put_nowait(self, item: ConnectionPoolEntry) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # skips those that gave up (timed out or cancelled)
                waiter.set_result(item)
                return
        if self.full():
            raise Full()
        self._idle.append(item)

    def put(self, item: ConnectionPoolEntry, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)  # never blocks: the pool never returns more than it holds

    def get_nowait(self) -> ConnectionPoolEntry:
        if not self._idle:
            raise Empty()
        return self._idle.pop() if self.use_lifo else self._idle.popleft()

    def get(self, block: bool = True, timeout: float | None = None) -> ConnectionPoolEntry:
        if self._idle or not block:  # a connection is idle only when nobody waits: no one is passed
            return self.get_nowait()
        return await_(self._wait(give_up_after=timeout))

    async def _wait(self, give_up_after: float | None) -> ConnectionPoolEntry:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[ConnectionPoolEntry] = loop.create_future()
        self._waiters.append(waiter)
        timer = None if give_up_after is None else loop.call_later(give_up_after, _give_up, waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.put_nowait(waiter.result())  # handed over just as the request was cancelled
            raise
        finally:
            if timer is not None:
                timer.cancel()


def _give_up(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_exception(Empty())  # the pool turns it into its TimeoutError (then a 503)


class FairAsyncQueuePool(AsyncAdaptedQueuePool):
    _queue_class = FairQueue


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.async_database_url
    if settings.is_sqlite:
        make_private_sqlite_file(url)
        # SQLite: one file, short write transactions; WAL lets readers run beside the writer.
        engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    engine = create_async_engine(
        url,
        # `timestamptz` values are read as text (`_decode_timestamptz_as_text`): in ISO 8601 whatever the
        # server's default DateStyle (only the output's format; the order read in dates sent stays).
        connect_args={"server_settings": {"DateStyle": "ISO"}},
        json_deserializer=_loads_json,
        poolclass=FairAsyncQueuePool,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=1800,
    )
    _check_connections_before_use(engine)
    _decode_json_as_text(engine)
    _decode_timestamptz_as_text(engine)
    return engine


_JSON_DECODER = json.JSONDecoder()


def _loads_json(text: str) -> Any:
    """The driver's JSON decoder, `json.loads` without its cost around the parser. Most JSON columns hold
    an empty list (a task's reminders, often its tags): answered without the parser, which cost about a
    tenth of a 50-task page's CPU. Others go straight to the C scanner (`raw_decode`): `json.loads` spends
    three quarters of its time on a short list (a task's tags) in two regular-expression matches for
    whitespace around the document, which the JSON that SQLAlchemy's serializer stored does not have. A
    text with any (or not JSON at all) goes to `json.loads`, so the value, or the error, is the same."""
    if text == "[]":
        return []
    try:
        value, end = _JSON_DECODER.raw_decode(text)
    except json.JSONDecodeError:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


def _decode_json_as_text(engine: AsyncEngine) -> None:
    """`json` columns (a task's tags and reminders: two a row of every page) reach `_loads_json` straight
    from asyncpg as text. SQLAlchemy's own codec asks for them in binary and passes each value through a
    function of its own that decodes the bytes first: a Python call and a copy more per value. Registered
    after the dialect's codec (its `connect` listener runs first), which this one replaces; values sent are
    the JSON text SQLAlchemy's serializer made, as before. (`jsonb`, only a tag filter's parameter, keeps
    SQLAlchemy's codec.)"""

    @event.listens_for(engine.sync_engine, "connect")
    def _json_codec(dbapi_connection: Any, _record: Any) -> None:
        driver = dbapi_connection.driver_connection
        await_(
            driver.set_type_codec(
                "json", encoder=str, decoder=_loads_json, schema="pg_catalog", format="text"
            )
        )


# What asyncpg gives for PostgreSQL's infinite timestamps (naive: the largest and the smallest).
_INFINITY = datetime.max
_NEGATIVE_INFINITY = datetime.min
_FROM_ISO = datetime.fromisoformat


def _timestamptz_from_text(text: str) -> datetime:
    """A `timestamptz` in PostgreSQL's ISO output (`2026-12-06 23:07:42.544501+00`), in UTC as asyncpg's
    binary decoder gives it: by `datetime.fromisoformat`, a C parser that makes the value in one call,
    where asyncpg adds a `timedelta` to its epoch, a keyword-parsing constructor and an addition that cost
    about four times as much (a tenth of a page's instructions, two values a task). Another offset than
    UTC's (a session time zone set otherwise) is converted; infinities are asyncpg's."""
    try:
        value = _FROM_ISO(text)
    except ValueError:
        if text == "infinity":
            return _INFINITY
        if text == "-infinity":
            return _NEGATIVE_INFINITY
        raise
    return value if value.tzinfo is UTC else value.astimezone(UTC)


_INFINITY_UTC = _INFINITY.replace(tzinfo=UTC)
_NEGATIVE_INFINITY_UTC = _NEGATIVE_INFINITY.replace(tzinfo=UTC)


def _timestamptz_to_text(value: datetime | date) -> str:
    """A `timestamptz` parameter as text, meaning what asyncpg's binary encoder sends: a naive value in
    the machine's local time (as `astimezone` reads it), a date as its local midnight, and its infinities,
    the largest and smallest datetimes (naive, or those instants in any zone), as PostgreSQL's."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day).astimezone()
    if value == _INFINITY:
        return "infinity"
    if value == _NEGATIVE_INFINITY:
        return "-infinity"
    value = value.astimezone(UTC)
    if value == _INFINITY_UTC:
        return "infinity"
    if value == _NEGATIVE_INFINITY_UTC:
        return "-infinity"
    return value.isoformat()


def _decode_timestamptz_as_text(engine: AsyncEngine) -> None:
    """`timestamptz` columns (every time a task has: two or more a row of every page) reach
    `_timestamptz_from_text` as text, parameters go as `_timestamptz_to_text` writes them. The output's
    format is fixed by the connection's `DateStyle` (ISO, `create_engine`)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _timestamptz_codec(dbapi_connection: Any, _record: Any) -> None:
        driver = dbapi_connection.driver_connection
        await_(
            driver.set_type_codec(
                "timestamptz",
                encoder=_timestamptz_to_text,
                decoder=_timestamptz_from_text,
                schema="pg_catalog",
                format="text",
            )
        )


# A checked-out connection must answer within this long, else the pool is treated as dead.
PING_TIMEOUT_SECONDS = 5.0
# A connection back in the pool for less than this is trusted without a round trip (see below).
PING_AFTER_IDLE_SECONDS = 2.0


def _check_connections_before_use(engine: AsyncEngine) -> None:
    """What `pool_pre_ping=True` is for, at a fraction of its cost.

    Every connection is checked when taken from the pool, so that a database restart costs failed
    requests during the outage only, never one per stale pooled connection after it:
    - a connection the server closed (a restart, a fail-over, `pg_terminate_backend`, an idle timeout) is
      known to asyncpg as soon as the socket closes (`is_closed()`, no round trip): it is replaced;
    - a connection idle for `PING_AFTER_IDLE_SECONDS` or more must also answer a `SELECT 1`, for the
      failures no socket reports (a network that drops packets silently). A failed ping invalidates the
      whole pool (every connection older than the failure): the server itself is likely gone.
    A connection handed back a moment ago is not pinged: under load that round trip cost as much as the
    request's own query. The price is that a silent network failure within those two seconds fails the
    requests that meet it, as it would mid-request anyway.
    SQLAlchemy's own asyncpg pre-ping wraps its `;` in BEGIN ... ROLLBACK (for PgBouncer in transaction
    mode); a simple-protocol query is already a transaction of its own there, so one round trip suffices.
    (asyncpg's simple protocol cannot run an empty query such as `;`: it fails decoding the reply.)
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _fresh(_dbapi_connection: Any, record: Any) -> None:
        record.info[_FRESH] = True  # just made: nothing to check yet (as pre-ping skips fresh ones)

    @event.listens_for(engine.sync_engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping(_dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if record.info.pop(_FRESH, False):
            return
        driver = proxy.driver_connection
        if driver.is_closed():
            raise DisconnectionError("the server closed this connection")  # this one is replaced
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is not None and time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
            return
        try:
            await_(driver.execute("SELECT 1", timeout=PING_TIMEOUT_SECONDS))
        except Exception as error:
            raise InvalidatePoolError(f"connection failed its check: {error!r}") from error


_RETURNED_AT = "taskagent.returned_at"
_FRESH = "taskagent.fresh"


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def create_read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for requests that only read. On PostgreSQL their statements run without BEGIN/COMMIT
    (each statement is its own snapshot), two round trips fewer for every GET. Set on the engine, not by
    taking the session's connection up front: a session holds no connection until its first statement,
    so the caller check before it may use a short session of its own without a request ever holding one
    connection while it waits for a second (with every connection so held, the pool deadlocks)."""
    if engine.dialect.name != "postgresql":
        return create_session_factory(engine)
    return create_session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))


@asynccontextmanager
async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A unit of work (a request's session, agent tools during a stream, the CLI): committed once when
    the block succeeds, if there is anything to commit (`_has_work_to_commit`), rolled back otherwise."""
    async with factory() as session:
        try:
            yield session
            if _has_work_to_commit(session):
                await session.commit()
        except BaseException:
            await session.rollback()
            raise


def _has_work_to_commit(session: AsyncSession) -> bool:
    """False only for a session whose statements each committed as they ran (AUTOCOMMIT: the read
    sessions of `create_read_session_factory`) and that holds no ORM change still to flush: a commit
    would then send nothing, and closing the session (as the scope's end does) is the same but cheaper,
    about 3 % of the instructions of a `GET /tasks/{id}`. Every other session commits, as it always did."""
    unit = session.sync_session  # read directly: each attribute through the AsyncSession's proxy costs more
    bind = unit.bind
    if bind is None or bind.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        return True
    return bool(unit.new or unit.dirty or unit.deleted)
