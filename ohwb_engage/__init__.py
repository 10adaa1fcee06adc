"""ohwb_engage: co-design engagement for NHS occupational health and wellbeing programmes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing the package (e.g. the pure theme engine) must not load Flask
    from flask import Flask

__version__ = "0.1.0"

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config -> extensions -> models -> blueprints, CLI, error pages."""
    from flask import Flask

    # OHWB_INSTANCE_PATH moves the instance folder (config.py, the SQLite file): tests use it.
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("OHWB_INSTANCE_PATH") or None,
    )
    configure(app, test_config)
    register_templates(app)  # before extensions: Flask-WTF builds the Jinja environment
    register_extensions(app)
    register_models()
    register_blueprints(app)
    register_cli(app)
    register_request_hooks(app)
    return app


def configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    from ohwb_engage.config import DEV_SECRET_KEY, defaults, normalise_database_url
    from ohwb_engage.logging_setup import configure_logging

    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("OHWB")
    database_url = os.environ.get("OHWB_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if database_url:
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    if test_config is not None:
        app.config.from_mapping(test_config)
    if app.config.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    if app.config["ENVIRONMENT"] == "production" and (
        app.config["SECRET_KEY"] in (DEV_SECRET_KEY, "", None)
        or len(str(app.config["SECRET_KEY"])) < 32
    ):
        raise RuntimeError(
            "Refusing to start in production with the development or a short SECRET_KEY: "
            "set OHWB_SECRET_KEY to a random value of 32 characters or more."
        )
    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    configure_logging(app.config["LOG_LEVEL"])


def register_extensions(app: Flask) -> None:
    from ohwb_engage import database  # noqa: F401  (SQLite connection tuning listeners)
    from ohwb_engage.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    # Batch mode lets Alembic alter SQLite tables (it copies them) as it does PostgreSQL's.
    migrate.init_app(
        app, db, directory=os.path.join(PROJECT_ROOT, "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from ohwb_engage.accounts.services import load_user

    login_manager.user_loader(load_user)


def register_models() -> None:
    from ohwb_engage import models  # noqa: F401


def register_templates(app: Flask) -> None:
    from jinja2 import ChainableUndefined, ChoiceLoader, PackageLoader

    from ohwb_engage import template_helpers

    app.jinja_options = {
        **app.jinja_options,
        # nhsuk-frontend-jinja reads nested optional parameters; it needs this to stay quiet.
        "undefined": ChainableUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "loader": ChoiceLoader(
            [app.create_global_jinja_loader(), PackageLoader("nhsuk_frontend_jinja")]
        ),
    }
    template_helpers.register(app)


def register_blueprints(app: Flask) -> None:
    from ohwb_engage.accounts.views import bp as accounts
    from ohwb_engage.audit.views import bp as audit
    from ohwb_engage.errors import register_error_handlers
    from ohwb_engage.feedback.views import bp as feedback
    from ohwb_engage.mail.views import bp as mail
    from ohwb_engage.main.views import bp as main
    from ohwb_engage.privacy.views import bp as privacy
    from ohwb_engage.reference.views import bp as reference
    from ohwb_engage.roadmap.views import bp as roadmap
    from ohwb_engage.security import register_security_headers
    from ohwb_engage.static_assets import bp as nhsuk_assets
    from ohwb_engage.themes.views import bp as themes
    from ohwb_engage.workshops.views import bp as workshops

    for blueprint in (main, accounts, audit, mail, reference, workshops, feedback, themes, roadmap):
        app.register_blueprint(blueprint)
    app.register_blueprint(privacy)
    app.register_blueprint(nhsuk_assets)
    register_error_handlers(app)
    register_security_headers(app)


def register_cli(app: Flask) -> None:
    from ohwb_engage.cli import register_commands

    register_commands(app)


def register_request_hooks(app: Flask) -> None:
    from flask import session

    @app.before_request
    def make_session_permanent() -> None:
        # Permanent sessions expire after PERMANENT_SESSION_LIFETIME even if the browser stays open.
        session.permanent = True
