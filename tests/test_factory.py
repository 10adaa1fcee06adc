"""The app factory: configuration precedence, production safety, the health check."""

from __future__ import annotations

from pathlib import Path

import pytest

from ohwb_engage import create_app
from ohwb_engage.config import DEV_SECRET_KEY, normalise_database_url
from tests.conftest import TEST_SECRET


def test_defaults_use_sqlite_in_the_instance_folder(isolated_instance: Path) -> None:
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "sqlite:///" + str(isolated_instance / "ohwb_engage.sqlite")
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not app.testing


def test_precedence_defaults_instance_env_then_test_config(
    isolated_instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file = isolated_instance / "config.py"
    config_file.write_text(
        "SERVICE_NAME = 'From instance'\nMAIL_PORT = 2525\nBASE_URL = 'https://instance.example'\n"
    )
    try:
        monkeypatch.setenv("OHWB_MAIL_PORT", "2626")
        monkeypatch.setenv("OHWB_BASE_URL", "https://env.example")
        app = create_app({"BASE_URL": "https://test.example"})
        assert app.config["SERVICE_NAME"] == "From instance"  # instance beats defaults
        assert app.config["MAIL_PORT"] == 2626  # env beats instance, parsed as JSON
        assert app.config["BASE_URL"] == "https://test.example"  # test_config beats all
    finally:
        config_file.unlink()


def test_database_url_env_selects_postgres_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example:5432/ohwb")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example:5432/ohwb"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize("key", [DEV_SECRET_KEY, "short"])
def test_production_refuses_development_or_short_secret_key(key: str) -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENVIRONMENT": "production", "SECRET_KEY": key})


def test_production_starts_with_a_real_key() -> None:
    app = create_app({"ENVIRONMENT": "production", "SECRET_KEY": TEST_SECRET})
    assert app.config["ENVIRONMENT"] == "production"


def test_sqlite_connections_are_tuned(app) -> None:
    from sqlalchemy import text

    from ohwb_engage.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas only apply to SQLite")
        conn = db.session.connection()
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_healthz_reports_database(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_unreachable_database(tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"
            "?connect_timeout=1",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
