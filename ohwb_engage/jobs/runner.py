"""Where jobs run. Same call, three modes: ``thread``, ``rq`` and ``inline`` (tests)."""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

log = logging.getLogger(__name__)

_EXECUTOR_KEY = "ohwb_jobs_executor"
_WAITING_KEY = "ohwb_jobs_waiting"  # backlog jobs enqueued and not yet started, by key
_waiting_lock = threading.Lock()
WAITING_TTL = 300  # seconds; an RQ mark outlives a lost job by no more than this
_worker_app: Flask | None = None
_worker_app_lock = threading.Lock()


@dataclass(frozen=True)
class JobHandle:
    mode: str
    job_id: str | None = None
    future: Future[Any] | None = None

    def wait(self, timeout: float | None = None) -> Any:
        """Block until an in-process job ends (tests and CLI); RQ jobs are not waited on."""
        if self.future is not None:
            return self.future.result(timeout=timeout)
        return None


def jobs_mode(app: Flask | None = None) -> str:
    config = (app or current_app).config
    mode = config.get("JOBS_MODE") or ("rq" if config.get("REDIS_URL") else "thread")
    if mode not in {"thread", "rq", "inline"}:
        raise ValueError(f"unknown JOBS_MODE {mode!r}")
    return mode


def resolve(path: str, allowed: tuple[str, ...] = ("ohwb_engage.",)) -> Callable[..., Any]:
    """Import a job by name; only our own modules, so a queue entry cannot run ``os:system``."""
    module_name, _, attr = path.partition(":")
    if not module_name.startswith(allowed) or not attr:
        raise ValueError(f"not a job path: {path!r}")
    return getattr(importlib.import_module(module_name), attr)


def _allowed(app: Flask) -> tuple[str, ...]:
    return tuple(app.config.get("JOBS_ALLOWED_MODULES") or ("ohwb_engage.",))


def _run_in_context(app: Flask, path: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    with app.app_context():
        try:
            return resolve(path, _allowed(app))(*args, **kwargs)
        except Exception:
            log.exception("job %s failed", path)
            raise


def _executor(app: Flask) -> ThreadPoolExecutor:
    executor = app.extensions.get(_EXECUTOR_KEY)
    if executor is None:
        executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ohwb-job")
        app.extensions[_EXECUTOR_KEY] = executor
    return executor


def drain(app: Flask) -> None:
    """Drop queued in-process jobs and wait for running ones, so tables can be emptied safely.

    Without this a test's teardown (or a CLI command ending) can race a job that is still
    writing, which PostgreSQL reports as a deadlock on TRUNCATE.
    """
    executor = app.extensions.pop(_EXECUTOR_KEY, None)
    if executor is not None:
        executor.shutdown(wait=True, cancel_futures=True)


def enqueue(path: str, *args: Any, job_timeout: int = 3600, **kwargs: Any) -> JobHandle:
    """Run ``path(*args, **kwargs)`` in the background in an application context."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    resolve(path, _allowed(app))  # fail fast on a typo, in the caller's process
    mode = jobs_mode(app)
    if mode == "rq":
        from redis import Redis
        from rq import Queue

        queue = Queue("ohwb", connection=Redis.from_url(app.config["REDIS_URL"]))
        job = queue.enqueue(
            "ohwb_engage.jobs.runner.run_rq_job", path, args, kwargs, job_timeout=job_timeout
        )
        return JobHandle(mode=mode, job_id=job.id)
    # A fresh thread gets a fresh app context and so a fresh database session: the caller's
    # transaction is never shared, even in inline mode.
    future = _executor(app).submit(_run_in_context, app, path, args, kwargs)
    if mode == "inline":
        future.exception()  # wait; the error (if any) stays in the future for the caller
    return JobHandle(mode=mode, future=future)


def enqueue_once(path: str, key: str, gather: float = 0.0) -> JobHandle | None:
    """Enqueue a job that works through a backlog, unless one is already waiting to start.

    Such a job (draft the e-mails due, say) handles everything due when it starts, so a
    second copy queued behind a first that has not started would find nothing left: under
    load, one job per commit becomes one per batch. The mark is removed as the job starts,
    before it reads, so work committed after that start queues a fresh job; None when a
    job was waiting already. In RQ mode the mark is a Redis key shared by every process
    (it expires after ``WAITING_TTL`` seconds, should the job be lost). ``gather``: seconds
    the job waits before it starts (not inline), so that a burst is handled as one batch.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    resolve(path, _allowed(app))
    if jobs_mode(app) == "rq":
        from redis import Redis

        redis = Redis.from_url(app.config["REDIS_URL"])
        mark = _mark(key)
        if not redis.set(mark, "1", nx=True, ex=WAITING_TTL):
            return None
        try:
            return enqueue("ohwb_engage.jobs.runner:run_once", key, path, gather)
        except Exception:
            redis.delete(mark)
            raise
    with _waiting_lock:
        waiting = app.extensions.setdefault(_WAITING_KEY, set())
        if key in waiting:
            return None
        waiting.add(key)
    try:
        return enqueue("ohwb_engage.jobs.runner:run_once", key, path, gather)
    except Exception:
        _started(app, key)
        raise


def _mark(key: str) -> str:
    return f"ohwb:job-waiting:{key}"


def _started(app: Flask, key: str) -> None:
    with _waiting_lock:
        app.extensions.get(_WAITING_KEY, set()).discard(key)


def run_once(key: str, path: str, gather: float = 0.0) -> Any:
    """The job ``enqueue_once`` queues: wait ``gather`` seconds, remove the mark, run."""
    from rq import get_current_job

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if gather > 0 and jobs_mode(app) != "inline":
        time.sleep(gather)
    job = get_current_job()
    if job is not None:  # on an RQ worker: the mark is in the queue's Redis
        job.connection.delete(_mark(key))
    else:
        _started(app, key)
    return resolve(path, _allowed(app))()


def run_rq_job(path: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Entry point in the RQ worker: one app per worker process, built from the environment."""
    global _worker_app
    with _worker_app_lock:
        if _worker_app is None:
            from ohwb_engage import create_app

            _worker_app = create_app()
    return _run_in_context(_worker_app, path, tuple(args), dict(kwargs))
