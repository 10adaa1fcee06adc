"""Fixtures after flaskr: ``app`` (a clean database), ``client``, ``runner``, factories, SMTP.

The same suite runs on SQLite (default) and PostgreSQL (``OHWB_TEST_DATABASE_URL``). The
schema is built once per test session and emptied after each test, which keeps the
PostgreSQL pass fast. Do not hold an application context open while the client makes
requests: arrange in a context, act outside any, assert in a fresh one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from ohwb_engage import create_app, jobs
from ohwb_engage.config import normalise_database_url
from ohwb_engage.extensions import db
from tests.databases import (
    create_postgres_database,
    drop_postgres_database,
    postgres_reachable,
    scratch_name,
)
from tests.smtp import SMTPServer

TEST_DB_ENV = "OHWB_TEST_DATABASE_URL"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
TEST_SECRET = "test-secret-key-long-enough-for-production-checks"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def postgres_url_from_env() -> str | None:
    url = os.environ.get(TEST_DB_ENV)
    return normalise_database_url(url) if url and url.startswith("postgres") else None


def postgres_admin_url() -> str:
    """A PostgreSQL to create scratch databases in (migration tests use their own)."""
    return postgres_url_from_env() or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session", autouse=True)
def isolated_instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep a developer's instance/config.py and SQLite file out of the tests."""
    path = tmp_path_factory.mktemp("instance")
    old = os.environ.get("OHWB_INSTANCE_PATH")
    os.environ["OHWB_INSTANCE_PATH"] = str(path)
    yield path
    if old is None:
        os.environ.pop("OHWB_INSTANCE_PATH", None)
    else:
        os.environ["OHWB_INSTANCE_PATH"] = old


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pg = postgres_url_from_env()
    if pg is None:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
        return
    url = create_postgres_database(pg, scratch_name(pg, "t"))
    yield url
    drop_postgres_database(url)


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def test_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "JOBS_MODE": "inline",
        "JOBS_ALLOWED_MODULES": ["ohwb_engage.", "tests."],
        "MAIL_SERVER": None,
        "REDIS_URL": None,
        "BASE_URL": "http://localhost",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    config.update(overrides)
    return config


test_config.__test__ = False  # type: ignore[attr-defined]  # not a test, despite the name


@pytest.fixture(scope="session")
def schema(database_url: str) -> str:
    """Build the schema once per session from the models (migrations are tested apart)."""
    app = create_app(test_config(database_url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return database_url


def empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    """Override in a test module (or parametrise) to change the app's settings."""
    return {}


@pytest.fixture
def app(schema: str, config_overrides: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(test_config(schema, **config_overrides))
    yield app
    jobs.drain(app)  # a job still writing would deadlock PostgreSQL's TRUNCATE
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_app(schema: str, smtp: SMTPServer, config_overrides: dict[str, Any]) -> Iterator[Flask]:
    """An app that sends its outbox to the loopback SMTP server."""
    app = create_app(
        test_config(schema, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, **config_overrides)
    )
    yield app
    jobs.drain(app)  # a job still writing would deadlock PostgreSQL's TRUNCATE
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.session.remove()
        db.engine.dispose()


__all__ = ["create_postgres_database", "postgres_reachable"]  # re-exported for test modules
