"""Scratch PostgreSQL databases for tests and benchmarks, and a reachability check."""

from __future__ import annotations

import os
import socket
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def postgres_reachable(url: str) -> bool:
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 1):
            return True
    except OSError:
        return False


_RUN_TOKEN = os.environ.get("PYTEST_XDIST_TESTRUNUID", uuid.uuid4().hex)[:8]


def scratch_name(base_url: str, purpose: str) -> str:
    """A database name unique to this test run and worker.

    Two checkouts (or two people) testing against the same server at once must never drop
    each other's databases, so the name carries the run's id as well as the xdist worker.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{make_url(base_url).database}_{purpose}_{_RUN_TOKEN}_{worker}"


def drop_postgres_database(url: str) -> None:
    """Drop a scratch database when its run ends, so runs do not pile them up."""
    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    engine.dispose()


def create_postgres_database(base_url: str, name: str) -> str:
    """Create (or re-create empty) database ``name`` beside ``base_url``; return its URL."""
    base = make_url(base_url)
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)
