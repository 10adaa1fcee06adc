"""Background jobs: in-process threads by default, an RQ queue when Redis is configured.

A job is named by a dotted path (``package.module:function``) so that an RQ worker in
another process can import it; the function runs inside an application context either way.
Long-running state (progress, errors) belongs in the database, not in the job system,
so a page survives a reload and a run survives a worker restart.
"""

from __future__ import annotations

from ohwb_engage.jobs.runner import (
    JobHandle,
    drain,
    enqueue,
    enqueue_once,
    jobs_mode,
    resolve,
)

__all__ = ["JobHandle", "drain", "enqueue", "enqueue_once", "jobs_mode", "resolve"]
