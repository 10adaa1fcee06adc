"""A real RQ queue on the session's Redis and a SimpleWorker that builds its own app from
the environment, as ``rq worker ohwb`` would: jobs are tested through it."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.conftest import in_ci

# The themes' jobs use database 14, tests/test_jobs.py 15, so parallel test workers never
# take each other's jobs from the shared "ohwb" queue name.
REDIS_URL = os.environ.get("OHWB_TEST_RUNS_REDIS_URL", "redis://127.0.0.1:6379/14")
RQ = {"JOBS_MODE": "rq", "REDIS_URL": REDIS_URL}


def connect_or_skip(url: str = REDIS_URL) -> Any:
    """The session's Redis; a missing one skips the test here and fails it in CI."""
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(url)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        if in_ci():
            pytest.fail(f"Redis at {url} does not answer")
        pytest.skip(f"Redis at {url} does not answer: the RQ tests need it")
    return connection


def empty_queue(connection: Any) -> Any:
    from rq import Queue

    queue = Queue("ohwb", connection=connection)
    queue.empty()
    return queue


def _burst_worker_class() -> Any:
    from rq import SimpleWorker

    class BurstWorker(SimpleWorker):
        """A SimpleWorker without the command channel (stop or kill a job from outside),
        which a burst in a test never uses: with redis 8 its listener thread's stop()
        waits for a subscription that was just cancelled, up to 60 s at random."""

        def subscribe(self) -> None:
            return None

    return BurstWorker


def work_queue(queue: Any, connection: Any, database_url: str) -> None:
    """Run every queued job in a worker that knows only the environment, then return."""

    env = {
        "OHWB_DATABASE_URL": database_url,
        "OHWB_SECRET_KEY": "x" * 40,
        "OHWB_JOBS_ALLOWED_MODULES": '["ohwb_engage.", "tests."]',
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        assert _burst_worker_class()([queue], connection=connection).work(burst=True)
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
