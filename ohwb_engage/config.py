"""Default settings only.

Precedence, lowest first: these defaults, ``instance/config.py``, ``OHWB_*`` environment
variables (``DATABASE_URL`` too), then the ``test_config`` passed to ``create_app``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105  refused in production

# Every setting a deployment may change, with what it does; the README table is built from this.
SETTINGS_HELP: dict[str, str] = {
    "SECRET_KEY": "Signs sessions, CSRF tokens and e-mailed links. Required in production.",
    "ENVIRONMENT": "`development` or `production`; production refuses the development key.",
    "DATABASE_URL": "SQLAlchemy URL; `postgresql://...` uses psycopg 3. Default: SQLite in "
    "`instance/`.",
    "BASE_URL": "Public address used in links inside e-mails sent outside a request.",
    "SERVICE_NAME": "Name shown in the header, page titles and e-mails.",
    "MAIL_SERVER": "SMTP host. Unset: messages stay in the outbox that admins read in the app.",
    "MAIL_PORT": "SMTP port.",
    "MAIL_USE_TLS": "Use STARTTLS.",
    "MAIL_USE_SSL": "Use SMTP over TLS.",
    "MAIL_USERNAME": "SMTP user name.",
    "MAIL_PASSWORD": "SMTP password.",
    "MAIL_DEFAULT_SENDER": "From address of every message.",
    "MAIL_MAX_ATTEMPTS": "Attempts before a message is marked failed (admins can retry it).",
    "REDIS_URL": "Redis for the RQ job queue and shared rate limits. Unset: jobs run in-process.",
    "JOBS_MODE": "`thread` (in-process, default), `rq` (default when REDIS_URL is set) or "
    "`inline` (run at once; tests).",
    "JOBS_ALLOWED_MODULES": "Module prefixes a queued job may name (a JSON list).",
    "SPLIT_INLINE_MAX_ANSWERS": "Themes of up to this many answers are split while the page "
    "waits; bigger ones by a job whose progress the analyst follows.",
    "RATELIMIT_STORAGE_URI": "Flask-Limiter storage; defaults to REDIS_URL or memory.",
    "LOGIN_RATE_LIMIT": "Login attempts allowed per address.",
    "PUBLIC_POST_RATE_LIMIT": "Public form posts allowed per address.",
    "ACCOUNT_LOCKOUT_ATTEMPTS": "Failed passwords before an account is locked for a while.",
    "ACCOUNT_LOCKOUT_MINUTES": "How long a locked account stays locked.",
    "INVITE_MAX_AGE_HOURS": "How long an invitation link works.",
    "RESET_MAX_AGE_MINUTES": "How long a password reset link works.",
    "STRATEGY_REVIEW_MAX_AGE_DAYS": "How long a reviewer's link to the draft strategy works "
    "(inviting them again sends a fresh one).",
    "MAX_CONTENT_LENGTH": "Largest request body in bytes (uploads); larger gets 413.",
    "FEEDBACK_IMPORT_MAX_BYTES": "Largest CSV or XLSX of notes a facilitator may import; larger "
    "gets 413.",
    "PROXY_FIX": "Number of trusted reverse proxies in front of the app (0: none).",
    "SESSION_COOKIE_SECURE": "Send the session cookie over HTTPS only (localhost is exempt in "
    "browsers).",
    "LOG_LEVEL": "Python log level.",
    "INSTANCE_PATH": "Folder for instance/config.py and the SQLite file (env var only:"
    " `OHWB_INSTANCE_PATH`).",
}


def defaults(instance_path: str) -> dict[str, Any]:
    """The embedded default: SQLite in the instance folder, jobs in-process, mail in an outbox."""
    return {
        "SECRET_KEY": DEV_SECRET_KEY,
        "ENVIRONMENT": "development",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "ohwb_engage.sqlite"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BASE_URL": "http://127.0.0.1:5000",
        "SERVICE_NAME": "OHWB co-design",
        "MAIL_SERVER": None,
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_DEFAULT_SENDER": "OHWB co-design <no-reply@ohwb-engage.invalid>",
        "MAIL_TIMEOUT": 10,
        "MAIL_MAX_ATTEMPTS": 8,
        "REDIS_URL": None,
        "JOBS_MODE": None,
        "JOBS_ALLOWED_MODULES": ["ohwb_engage."],
        "SPLIT_INLINE_MAX_ANSWERS": 2000,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": None,
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": "10 per minute",
        "PUBLIC_POST_RATE_LIMIT": "30 per minute",
        "ACCOUNT_LOCKOUT_ATTEMPTS": 5,
        "ACCOUNT_LOCKOUT_MINUTES": 15,
        "INVITE_MAX_AGE_HOURS": 72,
        "RESET_MAX_AGE_MINUTES": 60,
        "STRATEGY_REVIEW_MAX_AGE_DAYS": 30,
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "FEEDBACK_IMPORT_MAX_BYTES": 5 * 1024 * 1024,
        "PROXY_FIX": 0,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        # A long questionnaire must not lose its answers to an expired token: the token is
        # bound to the session, which expires on its own.
        "WTF_CSRF_TIME_LIMIT": None,
        "LOG_LEVEL": "INFO",
    }


def normalise_database_url(url: str) -> str:
    """Accept the ``postgres://`` and ``postgresql://`` forms hosts hand out; use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
