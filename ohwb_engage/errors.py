"""Error pages in the NHS.UK style. They explain what happened and what to do; never a trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ohwb_engage.extensions import db

log = logging.getLogger(__name__)

PAGES: dict[int, tuple[str, str]] = {
    400: (
        "There is a problem with your request",
        "The page could not understand what was sent. Go back and try again.",
    ),
    403: (
        "You do not have permission to see this page",
        "If you think you should, ask an administrator to check your role.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted it, check you "
        "copied all of it.",
    ),
    405: ("This action is not allowed", "Go back and use the buttons on the page."),
    413: (
        "The file or form is too large",
        "Nothing was saved. Choose a smaller file (the limit is {limit}) and try again.",
    ),
    429: (
        "Too many attempts",
        "You have tried this too many times in a short while. Wait a minute, then try again.",
    ),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. Anything you had already saved is safe.",
    ),
    503: ("Sorry, the service is unavailable", "Try again later."),
}


def _limit_text(app: Flask) -> str:
    limit = app.config.get("MAX_CONTENT_LENGTH") or 0
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    from flask import current_app

    title, message = PAGES.get(code, PAGES[500])
    message = message.format(limit=_limit_text(current_app))
    return render_template(
        "errors/error.html", code=code, title=title, message=message, detail=detail
    ), code


def register_error_handlers(app: Flask) -> None:
    def handle_http(exc: HTTPException) -> tuple[str, int]:
        code = exc.code or 500
        if code >= 500:
            db.session.rollback()
        # Our own aborts may carry a plain-English reason; werkzeug's defaults do not help.
        detail = exc.description if getattr(exc, "ohwb_detail", False) else None
        if code == 429:
            detail = f"The limit is {exc.description}." if exc.description else None
        return render_error(code if code in PAGES else 500 if code >= 500 else 400, detail)

    def handle_csrf(exc: CSRFError) -> tuple[str, int]:
        return render_error(
            400,
            "The form had expired or did not come from this service, so nothing was saved. "
            "Go back, refresh the page and try again.",
        )

    def handle_unexpected(exc: Exception) -> tuple[str, int]:
        db.session.rollback()
        log.exception("unhandled error: %s", type(exc).__name__)
        return render_error(500)

    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)


def abort_with(code: int, detail: str) -> None:
    """Abort with a message that the error page shows (ours to write, so safe to show)."""
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions[code](description=detail)
    exc.ohwb_detail = True  # type: ignore[attr-defined]
    raise exc
