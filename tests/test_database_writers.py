"""SQLite writers in one process take turns before BEGIN IMMEDIATE, and always let go."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from contextlib import suppress

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import PendingRollbackError

from ohwb_engage.database import (
    _writer_locks,
    begin_write,
    is_sqlite,
    taking_turns,
    writer_lock_path,
)
from ohwb_engage.extensions import db


def _lock(app: Flask) -> threading.Lock:
    with app.app_context():
        return _writer_locks[str(db.engine.url)]


def test_the_writer_lock_is_released_on_commit_rollback_close_and_breakage(app: Flask) -> None:
    with app.app_context():
        if not is_sqlite():
            pytest.skip("the writer lock is for SQLite only")
        begin_write()
        lock = _writer_locks[str(db.engine.url)]
        assert lock.locked()
        db.session.commit()
        assert not lock.locked()
        begin_write()
        db.session.rollback()
        assert not lock.locked()
        begin_write()
        db.session.remove()  # a request that ends without committing
        assert not lock.locked()
        conn = db.engine.connect()  # a connection that breaks mid-transaction
        transaction = conn.execution_options(ohwb_begin_immediate=True).begin()
        assert lock.locked()
        conn.invalidate()
        assert not lock.locked()
        with suppress(PendingRollbackError):  # the invalidated transaction says so
            transaction.rollback()
        conn.close()


def test_writers_in_threads_take_turns_without_locked_errors(app: Flask) -> None:
    with app.app_context():
        if not is_sqlite():
            pytest.skip("the writer lock is for SQLite only")
        db.session.execute(text("CREATE TABLE IF NOT EXISTS turns (n INTEGER)"))
        db.session.commit()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with app.app_context():
                for _ in range(10):
                    begin_write()
                    db.session.execute(text("INSERT INTO turns VALUES (1)"))
                    time.sleep(0.002)  # hold the write a little, as real use cases do
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with app.app_context():
        assert db.session.execute(text("SELECT COUNT(*) FROM turns")).scalar_one() == 120
        db.session.execute(text("DROP TABLE turns"))
        db.session.commit()
    assert not _lock(app).locked()


def _try_flock_elsewhere(path: str) -> bool:
    """Whether another process could take the writers' file lock right now."""
    import subprocess
    import sys

    probe = (
        "import fcntl, os, sys\n"
        "fd = os.open(sys.argv[1], os.O_RDWR)\n"
        "try:\n    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n"
        "    sys.exit(1)\n"
    )
    return subprocess.run([sys.executable, "-c", probe, path], check=False).returncode == 0


def test_writers_in_other_processes_wait_on_a_file_lock_until_the_commit_is_done(
    app: Flask,
) -> None:
    with app.app_context():
        if not is_sqlite():
            pytest.skip("the writer lock is for SQLite only")
        path = writer_lock_path(db.engine.url.database)
        assert path is not None
        begin_write()
        db.session.execute(text("CREATE TABLE IF NOT EXISTS turns (n INTEGER)"))
        assert not _try_flock_elsewhere(path)  # another worker would queue in the kernel
        db.session.commit()
        assert _try_flock_elsewhere(path)
        begin_write()
        db.session.rollback()
        assert _try_flock_elsewhere(path)
        db.session.execute(text("DROP TABLE turns"))
        db.session.commit()


def test_the_writer_lock_is_let_go_as_the_commit_ends_before_its_hooks_run(app: Flask) -> None:
    """After-commit hooks queue jobs that write (inline in tests): the lock must be free."""
    from sqlalchemy import event as sa_event
    from sqlalchemy.orm import Session

    seen: list[bool] = []
    with app.app_context():
        if not is_sqlite():
            pytest.skip("the writer lock is for SQLite only")
        lock = None

        def look(session: Session) -> None:
            assert lock is not None
            seen.append(lock.locked())

        begin_write()
        lock = _writer_locks[str(db.engine.url)]
        sa_event.listen(db.session(), "after_commit", look)
        try:
            db.session.commit()
        finally:
            sa_event.remove(db.session(), "after_commit", look)
    assert seen == [False]


def test_backlog_drainers_take_turns_across_threads(app: Flask) -> None:
    inside: list[int] = []
    overlaps: list[list[int]] = []

    def drain(n: int) -> None:
        with app.app_context(), taking_turns("test-turns"):
            inside.append(n)
            if len(inside) > 1:
                overlaps.append(list(inside))
            time.sleep(0.15)
            inside.remove(n)

    began = time.monotonic()
    threads = [threading.Thread(target=drain, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert overlaps == [] and time.monotonic() - began >= 0.45


def test_a_drainer_waits_for_another_process_holding_the_turn(app: Flask) -> None:
    with app.app_context():
        if not is_sqlite():
            pytest.skip("PostgreSQL's advisory lock is shared by the threads above already")
        path = f"{db.engine.url.database}-test-turns"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({path!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(1.0)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    began = time.monotonic()
    with app.app_context(), taking_turns("test-turns"):
        waited = time.monotonic() - began
    holder.wait(10)
    assert waited >= 0.5
