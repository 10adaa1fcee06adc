"""Migrations build the same schema as the models, upgrade and downgrade, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from ohwb_engage import create_app
from ohwb_engage.extensions import db
from tests.conftest import TEST_SECRET, in_ci, postgres_admin_url
from tests.databases import (
    create_postgres_database,
    drop_postgres_database,
    postgres_reachable,
    scratch_name,
)


def _sqlite_url(tmp_path: Path) -> str:
    return "sqlite:///" + str(tmp_path / "migrations.sqlite")


def _postgres_url() -> str:
    admin = postgres_admin_url()
    if not postgres_reachable(admin):
        if in_ci():
            pytest.fail(
                "PostgreSQL at 127.0.0.1:5432 does not answer; CI must test migrations on it"
            )
        pytest.skip("PostgreSQL at 127.0.0.1:5432 does not answer")
    # Unique to this run and worker, so two checkouts testing at once do not collide.
    return create_postgres_database(admin, scratch_name(admin, "migrations"))


@pytest.fixture(params=["sqlite", "postgresql"])
def migration_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield _sqlite_url(tmp_path)
        return
    url = _postgres_url()
    yield url
    drop_postgres_database(url)


def test_upgrade_matches_models_and_downgrade_empties(migration_url: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "DATABASE_URL": migration_url})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        assert "alembic_version" in tables
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
            )
        assert diff == [], f"models and migrations disagree: {diff}"

        groups = db.session.execute(text("SELECT name FROM stakeholder_groups")).scalars()
        assert "OH lead" in set(groups)  # forms offer the programme's groups from the start
        db.session.rollback()

        downgrade(revision="base")
        left = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert left == set()

        upgrade()  # and back up again: downgrade left nothing behind that blocks it
        assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()


def test_every_constraint_is_named_by_the_convention(migration_url: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "DATABASE_URL": migration_url})
    with app.app_context():
        upgrade()
        inspector = inspect(db.engine)
        for table in db.metadata.tables:
            for fk in inspector.get_foreign_keys(table):
                assert fk["name"] is None or fk["name"].startswith("fk_"), fk
            for uq in inspector.get_unique_constraints(table):
                assert uq["name"].startswith("uq_"), uq
            pk = inspector.get_pk_constraint(table)
            assert pk["name"] is None or pk["name"] == f"pk_{table}", pk
        db.engine.dispose()
