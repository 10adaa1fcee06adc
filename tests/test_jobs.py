"""Background jobs run the same call in-process (thread or inline) and on a real RQ queue."""

from __future__ import annotations

import os
import threading

import pytest
from flask import Flask
from sqlalchemy import select

from ohwb_engage.audit.models import AuditEntry
from ohwb_engage.audit.services import record
from ohwb_engage.extensions import db
from ohwb_engage.jobs import enqueue, enqueue_once, jobs_mode, resolve
from tests.rq_worker import connect_or_skip, empty_queue, work_queue

REDIS_URL = os.environ.get("OHWB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def write_marker(label: str) -> str:
    """A job with a visible effect: an audit entry written in the job's own session."""
    record("test.job_ran", actor=None, target_type="job", target_id=label, actor_label="job")
    db.session.commit()
    return label


def _markers(app: Flask) -> list[str]:
    with app.app_context():
        return list(
            db.session.execute(
                select(AuditEntry.target_id).where(AuditEntry.action == "test.job_ran")
            ).scalars()
        )


def test_mode_follows_configuration(app: Flask) -> None:
    assert jobs_mode(app) == "inline"
    app.config.update(JOBS_MODE=None, REDIS_URL="redis://127.0.0.1:6379/0")
    assert jobs_mode(app) == "rq"
    app.config.update(REDIS_URL=None)
    assert jobs_mode(app) == "thread"


def test_only_our_functions_can_be_named() -> None:
    with pytest.raises(ValueError):
        resolve("os:system")
    with pytest.raises(ValueError):
        resolve("tests.test_jobs:write_marker")  # tests are allowed only when configured


@pytest.mark.parametrize("mode", ["inline", "thread"])
def test_in_process_jobs_run_in_their_own_context(app: Flask, mode: str) -> None:
    app.config["JOBS_MODE"] = mode
    with app.app_context():
        handle = enqueue("tests.test_jobs:write_marker", mode)
        assert handle.wait(timeout=10) == mode
    assert _markers(app) == [mode]


def test_rq_job_runs_in_a_worker(app: Flask, database_url: str) -> None:
    connection = connect_or_skip(REDIS_URL)
    queue = empty_queue(connection)
    app.config.update(JOBS_MODE="rq", REDIS_URL=REDIS_URL)
    with app.app_context():
        handle = enqueue("tests.test_jobs:write_marker", "rq")
    assert handle.mode == "rq" and handle.job_id
    work_queue(queue, connection, database_url)
    assert _markers(app) == ["rq"]


# A backlog job (enqueue_once): queued once while a copy waits to start -----------------

BACKLOG = "tests.test_jobs:write_backlog_marker"
_gate = threading.Event()


def hold_a_worker() -> None:
    """Keeps one of the two in-process job threads busy until the test opens the gate."""
    _gate.wait(10)


def write_backlog_marker() -> str:
    return write_marker("backlog")


def test_a_backlog_job_waiting_to_start_is_not_queued_twice(app: Flask) -> None:
    app.config["JOBS_MODE"] = "thread"
    _gate.clear()
    with app.app_context():
        held = [enqueue("tests.test_jobs:hold_a_worker") for _ in range(2)]
        first = enqueue_once(BACKLOG, "test-backlog")
        assert first is not None
        assert enqueue_once(BACKLOG, "test-backlog") is None  # the first has not started
        _gate.set()
        assert first.wait(timeout=10) == "backlog"
        for handle in held:
            handle.wait(timeout=10)
        again = enqueue_once(BACKLOG, "test-backlog")  # started, so new work queues anew
        assert again is not None and again.wait(timeout=10) == "backlog"
    assert _markers(app) == ["backlog", "backlog"]


def test_on_rq_the_waiting_mark_is_shared_and_cleared_by_the_worker(
    app: Flask, database_url: str
) -> None:
    connection = connect_or_skip(REDIS_URL)
    queue = empty_queue(connection)
    connection.delete("ohwb:job-waiting:test-backlog")
    app.config.update(JOBS_MODE="rq", REDIS_URL=REDIS_URL)
    with app.app_context():
        assert enqueue_once(BACKLOG, "test-backlog") is not None
        assert enqueue_once(BACKLOG, "test-backlog") is None
    assert len(queue) == 1
    work_queue(queue, connection, database_url)
    assert not connection.exists("ohwb:job-waiting:test-backlog")
    assert _markers(app) == ["backlog"]
