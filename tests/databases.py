"""Scratch PostgreSQL databases for tests and benchmarks, and a reachability check."""

from __future__ import annotations

import socket

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def postgres_reachable(url: str) -> bool:
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 1):
            return True
    except OSError:
        return False


def create_postgres_database(base_url: str, name: str) -> str:
    """Create (or re-create empty) database ``name`` beside ``base_url``; return its URL."""
    base = make_url(base_url)
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)
