"""Small helpers for driving forms the way a browser does: CSRF token included."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    if not match:
        raise AssertionError("no CSRF token on the page")
    return match.group(1) or match.group(2)


def submit(
    client: FlaskClient,
    page: str,
    data: dict[str, Any],
    action: str | None = None,
    follow: bool = False,
    **kwargs: Any,
) -> TestResponse:
    """Open ``page``, take its CSRF token, post ``data`` to ``action`` (default: the page)."""
    html = client.get(page).get_data(as_text=True)
    payload = {"csrf_token": csrf_from(html), **data}
    return client.post(action or page, data=payload, follow_redirects=follow, **kwargs)


def login(client: FlaskClient, email: str, password: str) -> TestResponse:
    return submit(client, "/login", {"email": email, "password": password})


def text_of(response: TestResponse) -> str:
    """The page's visible text, whitespace folded: for asserting on messages."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
