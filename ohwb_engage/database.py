"""Database plumbing shared by every feature: UTC timestamps, SQLite tuning, write transactions."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, event, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

from ohwb_engage.extensions import db

BEGIN_IMMEDIATE = "ohwb_begin_immediate"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no zone, PostgreSQL must not guess."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL + NORMAL + busy timeout turned 83% "database is locked" into none under 4 workers."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy emit BEGIN itself, so a writer can ask for BEGIN IMMEDIATE (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# SQLite writers take turns on two locks before BEGIN IMMEDIATE: a thread lock among the
# threads of one process, then an exclusive flock() on a file beside the database among
# processes (gunicorn's workers). SQLite's own busy handler polls with growing sleeps (up
# to 100 ms) and is not fair: under load some writers starved past busy_timeout and failed
# with "database is locked" (11 of 2,000 registrations under 4 workers x 4 threads), and
# the sleeps gave a p99 9 times the median. Both locks hand over at once instead: the
# kernel wakes the next process the moment flock() is released. Neither is held longer
# than a write transaction; a waiter gives up on the thread lock after WRITER_WAIT seconds
# and asks SQLite directly (busy_timeout), without the file lock.
WRITER_WAIT = 5.0
_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()
_HOLDS_WRITER = "ohwb_holds_writer_lock"
_HOLDS_FILE = "ohwb_holds_writer_file"
# One descriptor per process and database: flock() locks belong to the open file, which a
# forked child would otherwise share with its parent (and so "hold" the parent's lock).
_writer_files: dict[tuple[int, str], int | None] = {}


def _writer_lock(conn: Connection) -> threading.Lock:
    key = str(conn.engine.url)
    with _writer_locks_guard:
        return _writer_locks.setdefault(key, threading.Lock())


def writer_lock_path(database: str | None) -> str | None:
    """The file whose flock() orders writers across processes; None for in-memory databases."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-writer"


def _writer_file(conn: Connection) -> int | None:
    path = writer_lock_path(conn.engine.url.database)
    if path is None:
        return None
    key = (os.getpid(), path)
    with _writer_locks_guard:
        if key not in _writer_files:
            try:
                _writer_files[key] = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:  # a read-only folder: SQLite's busy handler still orders writers
                _writer_files[key] = None
        return _writer_files[key]


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return
    if conn.get_execution_options().get(BEGIN_IMMEDIATE):
        _release_after_end(conn.dialect)
        lock = _writer_lock(conn)
        if lock.acquire(timeout=WRITER_WAIT):
            conn.info[_HOLDS_WRITER] = lock
            raw = conn.info[_HOLDER_KEY] = id(conn.connection.dbapi_connection)
            _holders[raw] = conn.info
            descriptor = _writer_file(conn)
            if descriptor is not None:
                fcntl.flock(descriptor, fcntl.LOCK_EX)  # waits in the kernel, not polling
                conn.info[_HOLDS_FILE] = descriptor
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release_from(conn.info)
            raise
    else:
        conn.exec_driver_sql("BEGIN")


# Raw connections whose transaction holds the writer locks, to the record info that says so.
_holders: dict[int | None, dict[str, Any]] = {}
_HOLDER_KEY = "ohwb_writer_holder"


def _release_after_end(dialect: Any) -> None:
    """Let go of the locks once the COMMIT or ROLLBACK has run, not before.

    SQLAlchemy's commit and rollback events fire before the DBAPI call: a lock released
    there lets the next writer's BEGIN IMMEDIATE meet the transaction still committing, and
    SQLite's busy handler then sleeps a millisecond or more at every hand-over. The
    dialect's ``do_commit``/``do_rollback`` run the DBAPI call itself, so they are wrapped
    (once per dialect) to release afterwards. A pool's reset on check-in is a rollback too.
    """
    with _writer_locks_guard:
        if getattr(dialect, "_ohwb_releases_writers", False):
            return
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_connection: Any) -> None:
            try:
                commit(dbapi_connection)
            finally:
                _release_raw(dbapi_connection)

        def do_rollback(dbapi_connection: Any) -> None:
            try:
                rollback(dbapi_connection)
            finally:
                _release_raw(dbapi_connection)

        dialect.do_commit, dialect.do_rollback = do_commit, do_rollback
        dialect._ohwb_releases_writers = True


def _release_raw(dbapi_connection: Any) -> None:
    # The dialect is handed the pool's proxy (_ConnectionFairy), not the driver's connection.
    raw = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
    info = _holders.get(id(raw))
    if info is not None:
        _release_from(info)


@event.listens_for(Pool, "reset")
def _release_on_reset(dbapi_connection: Any, record: Any, reset_state: Any) -> None:
    """A connection given back mid-transaction lets the next writer in."""
    _release_from(record.info)


@event.listens_for(Pool, "invalidate")
def _release_on_invalidate(dbapi_connection: Any, record: Any, exception: Any) -> None:
    """So does a connection that broke mid-transaction."""
    _release_from(record.info)


def _release_from(info: dict[str, Any]) -> None:
    descriptor = info.pop(_HOLDS_FILE, None)
    if descriptor is not None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
    _holders.pop(info.pop(_HOLDER_KEY, None), None)
    lock = info.pop(_HOLDS_WRITER, None)
    if lock is not None:
        lock.release()


def begin_write() -> None:
    """Start the session's transaction as a writer.

    On SQLite a deferred transaction that reads and then writes fails at once with
    SQLITE_BUSY when another writer got in first; ``BEGIN IMMEDIATE`` takes the write lock up
    front so racing use cases queue on ``busy_timeout`` instead. PostgreSQL needs nothing here:
    use row locks (``with_for_update``). Call it first in a use case, before any query; a
    read-only transaction already open (the current user, say) is ended first.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_write() called with unsaved changes in the session")
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={BEGIN_IMMEDIATE: True})


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


_turn_locks: dict[tuple[str, str], threading.Lock] = {}


@contextmanager
def taking_turns(name: str) -> Iterator[None]:
    """Run the block as the only holder of ``name`` among this database's threads and
    processes; others wait their turn. For jobs that drain a backlog: two at once would
    each draft the same rows, and all but one would throw the work away.

    SQLite: a thread lock, then a ``flock()`` on ``<database>-<name>`` (none for in-memory
    databases). PostgreSQL: a session advisory lock, on a connection held for the block.
    No database transaction is held meanwhile, so the block commits as it likes.
    """
    engine = db.engine
    if engine.dialect.name != "sqlite":
        key = zlib.crc32(f"ohwb.{name}".encode())
        with engine.connect() as conn:
            conn.execute(select(func.pg_advisory_lock(key)))
            conn.commit()
            try:
                yield
            finally:
                conn.execute(select(func.pg_advisory_unlock(key)))
                conn.commit()
        return
    with _writer_locks_guard:
        lock = _turn_locks.setdefault((str(engine.url), name), threading.Lock())
    with lock:
        path = writer_lock_path(engine.url.database)
        descriptor = None
        if path is not None:
            with suppress(OSError):  # a read-only folder: the thread lock still orders this process
                descriptor = os.open(
                    f"{engine.url.database}-{name}", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
                )
        try:
            if descriptor is not None:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            if descriptor is not None:
                os.close(descriptor)  # closing the file lets go of its lock
