"""Where jobs run. Same call, three modes: ``thread``, ``rq`` and ``inline`` (tests)."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

log = logging.getLogger(__name__)

_EXECUTOR_KEY = "ohwb_jobs_executor"
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


def run_rq_job(path: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Entry point in the RQ worker: one app per worker process, built from the environment."""
    global _worker_app
    with _worker_app_lock:
        if _worker_app is None:
            from ohwb_engage import create_app

            _worker_app = create_app()
    return _run_in_context(_worker_app, path, tuple(args), dict(kwargs))
