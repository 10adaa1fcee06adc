"""Command-line tools: create-admin, seed-demo (once), send-mail."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from ohwb_engage.accounts.models import User
from ohwb_engage.accounts.services import authenticate
from ohwb_engage.extensions import db


def test_create_admin(app: Flask, runner) -> None:
    result = runner.invoke(
        args=[
            "create-admin",
            "Boss@Example.org",
            "--name",
            "Boss",
            "--password",
            "a long and good password",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = authenticate("boss@example.org", "a long and good password")
        assert user.role == "admin" and user.name == "Boss"


def test_create_admin_refuses_weak_password(app: Flask, runner) -> None:
    result = runner.invoke(args=["create-admin", "b@example.org", "--password", "short"])
    assert result.exit_code != 0 and "12 characters" in result.output


def test_seed_demo_loads_once(app: Flask, runner) -> None:
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        roles = set(db.session.execute(select(User.role)).scalars())
        count = db.session.execute(select(func.count(User.id))).scalar_one()
    assert roles == {"admin", "facilitator", "analyst"}
    second = runner.invoke(args=["seed-demo"])
    assert "already loaded" in second.output
    with app.app_context():
        assert db.session.execute(select(func.count(User.id))).scalar_one() == count


def test_seed_demo_refused_in_production(app: Flask, runner) -> None:
    app.config["ENVIRONMENT"] = "production"
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "refused in production" in result.output


def test_send_mail_without_server_says_so(runner) -> None:
    result = runner.invoke(args=["send-mail"])
    assert "No SMTP server configured" in result.output
