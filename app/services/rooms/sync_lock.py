"""One room sync at a time per deployment, across processes and replicas.

PostgreSQL: a session-level advisory lock held on a dedicated connection; it vanishes with the
connection if the process dies. SQLite: a lock row with holder and expiry, taken inside a
`BEGIN IMMEDIATE` transaction (so two takers cannot both read "free"), pushed forward while the
sync runs, and free again once it expires if its holder died.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    delete,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.pool import NullPool

from app.db.engine import get_engine, rows_changed, session_scope
from app.db.models import Base, RoomSyncLock, RoomSyncRun, utcnow
from app.utils.config import get_settings
from app.utils.enums import SyncStatus
from app.utils.errors import DashboardError

logger = logging.getLogger(__name__)

LOCK_NAME = "room-sync"
LOCK_TTL = timedelta(minutes=10)
REFRESH_EVERY = timedelta(seconds=30)
# pg_try_advisory_lock key: any constant unique among this database's advisory locks.
PG_LOCK_KEY = 0x43_44_52_53_59_4E_43  # "CDRSYNC"

_table = Base.metadata.tables[RoomSyncLock.__tablename__]


class SyncLockLost(DashboardError):
    """The SQLite lock expired under a running sync and another sync took it."""


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as far as the database tells."""

    actor: str
    since: datetime | None


class SyncLock(ABC):
    """A held lock. `refresh()` often during the sync; `release()` exactly once, at the end."""

    def refresh(self) -> None:  # noqa: B027 (PostgreSQL's lock needs no refresh)
        """Keep the lock alive (SQLite); raises SyncLockLost when it was taken over."""

    @abstractmethod
    def release(self) -> None: ...


class _PostgresLock(SyncLock):
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def release(self) -> None:
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
            self._connection.commit()
        finally:
            self._connection.close()


class _SqliteLock(SyncLock):
    def __init__(self, holder: str) -> None:
        self._holder = holder
        self._refreshed = utcnow()

    def refresh(self) -> None:
        now = utcnow()
        if now - self._refreshed < REFRESH_EVERY:
            return
        with session_scope() as db:
            moved = rows_changed(db.execute(
                update(_table)
                .where(_table.c.name == LOCK_NAME, _table.c.holder == self._holder)
                .values(expires_at=now + LOCK_TTL)
            ))
        if not moved:
            raise SyncLockLost("The room sync lock expired and another sync took it over.")
        self._refreshed = now

    def release(self) -> None:
        with session_scope() as db:
            db.execute(delete(_table).where(_table.c.name == LOCK_NAME,
                                            _table.c.holder == self._holder))


def try_acquire(*, actor: str) -> SyncLock | None:
    """The lock, or None when another sync holds it."""
    if get_settings().is_sqlite:
        return _try_sqlite(actor)
    return _try_postgres()


def _try_postgres() -> SyncLock | None:
    connection = get_engine().connect()
    try:
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": PG_LOCK_KEY}
        ).scalar_one()
        connection.commit()  # the lock is session-level: it outlives this transaction
    except BaseException:
        connection.close()
        raise
    if not got:
        connection.close()
        return None
    return _PostgresLock(connection)


@cache
def _immediate_engine(url: str) -> Engine:
    """An engine whose transactions start with BEGIN IMMEDIATE (the write lock up front).

    pysqlite would otherwise open a deferred transaction: two takers could both read the row
    as free before either writes. SQLAlchemy's documented recipe: autocommit driver, own BEGIN.
    """
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 10})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None  # no implicit BEGIN; `_begin` issues ours

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _try_sqlite(actor: str) -> SyncLock | None:
    holder = secrets.token_hex(16)
    now = utcnow()
    with _immediate_engine(get_settings().database_url).begin() as connection:
        row = connection.execute(
            select(_table.c.expires_at).where(_table.c.name == LOCK_NAME)
        ).first()
        if row is not None and row.expires_at > now:
            return None
        if row is not None:
            logger.warning("room sync lock expired at %s; taking it over", row.expires_at)
            connection.execute(delete(_table).where(_table.c.name == LOCK_NAME))
        connection.execute(insert(_table).values(
            name=LOCK_NAME, holder=holder, actor=actor[:150], acquired_at=now,
            expires_at=now + LOCK_TTL,
        ))
    return _SqliteLock(holder)


def holder() -> Holder | None:
    """Who is syncing now: the live lock row on SQLite; on PostgreSQL, when the advisory lock
    is held, the newest run still marked running."""
    with session_scope() as db:
        if get_settings().is_sqlite:
            row = db.execute(
                select(_table.c.actor, _table.c.acquired_at, _table.c.expires_at)
                .where(_table.c.name == LOCK_NAME)
            ).first()
            if row is None or row.expires_at <= utcnow():
                return None
            return Holder(row.actor, row.acquired_at)
        if not _pg_lock_held(db.connection()):
            return None
        run = db.execute(
            select(RoomSyncRun.actor, RoomSyncRun.started_at)
            .where(RoomSyncRun.status == SyncStatus.RUNNING)
            .order_by(RoomSyncRun.started_at.desc())
            .limit(1)
        ).first()
    return Holder(run.actor, run.started_at) if run is not None else Holder("another process", None)


def _pg_lock_held(connection: Connection) -> bool:
    """A bigint advisory key shows in pg_locks split in two 32-bit halves, objsubid 1."""
    return bool(connection.execute(
        text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = :hi "
             "AND objid = :lo AND objsubid = 1 AND granted "
             "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
        {"hi": PG_LOCK_KEY >> 32, "lo": PG_LOCK_KEY & 0xFFFFFFFF},
    ).scalar_one())
