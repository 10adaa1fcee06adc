"""The app under gunicorn with one extra route: a bare one-row insert, the ceiling for a write.

Benchmarks compare a feature's POST with this one, served by the same server settings
and the same database, in the same run. Start it as ``bench.ceiling:app``.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from ohwb_engage import create_app
from ohwb_engage.accounts.access import public
from ohwb_engage.database import begin_write
from ohwb_engage.extensions import csrf, db

CREATE_TABLE = {
    "sqlite": "CREATE TABLE IF NOT EXISTS bench_writes "
    "(id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)",
    "postgresql": "CREATE TABLE IF NOT EXISTS bench_writes "
    "(id SERIAL PRIMARY KEY, body TEXT NOT NULL)",
}


def prepare(app: Flask) -> None:
    """Create (or empty) the ceiling's table; run once before starting the server."""
    with app.app_context():
        db.session.execute(text(CREATE_TABLE[db.engine.dialect.name]))
        db.session.execute(text("DELETE FROM bench_writes"))
        db.session.commit()


def build() -> Flask:
    app = create_app()

    @app.post("/_bench/insert")
    @public
    @csrf.exempt
    def bare_insert() -> tuple[str, int]:
        begin_write()
        db.session.execute(text("INSERT INTO bench_writes (body) VALUES (:b)"), {"b": "x" * 200})
        db.session.commit()
        return "ok", 201

    return app


app = build()
