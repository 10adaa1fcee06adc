"""Headers, cookies and logs: the security basics that every page shares."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask

from ohwb_engage.logging_setup import scrub
from tests.factories import PASSWORD, make_staff
from tests.helpers import login, submit


def test_security_headers_and_nonce(client) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    html = response.get_data(as_text=True)
    # The only inline script (NHS.UK's js-enabled class) carries this response's nonce.
    inline = re.findall(r"<script(?![^>]*src=)([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_nonce_differs_per_response(client) -> None:
    first = client.get("/").headers["Content-Security-Policy"]
    second = client.get("/").headers["Content-Security-Policy"]
    assert first != second


def test_staff_pages_are_not_cached(app: Flask, client) -> None:
    make_staff(app, "admin", email="a@example.org")
    login(client, "a@example.org", PASSWORD)
    assert client.get("/admin/staff").headers["Cache-Control"] == "no-store"


def test_hsts_only_over_https(client) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_nhsuk_assets_are_served(client) -> None:
    assert client.get("/static/nhsuk/nhsuk-frontend.min.css").status_code == 200
    assert client.get("/assets/images/favicon.svg").status_code == 200


def test_scrub_masks_emails_and_tokens() -> None:
    line = "GET /invitation/eyJ1aWQiOjF9.ZzZ1AA.abcdefghijklmnopqrstuv?email=jo@nhs.net HTTP/1.1"
    cleaned = scrub(line + " sent to jo.bloggs@nhs.net")
    assert "jo@nhs.net" not in cleaned and "jo.bloggs@nhs.net" not in cleaned
    assert "eyJ1aWQiOjF9" not in cleaned


def test_no_personal_data_in_logs(app: Flask, client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    make_staff(app, "admin", email="admin.person@example.org")
    login(client, "admin.person@example.org", PASSWORD)
    submit(
        client,
        "/admin/staff/invite",
        {"name": "Priya", "email": "priya@example.org", "role": "analyst"},
    )
    login(app.test_client(), "admin.person@example.org", "wrong password")
    logging.getLogger("ohwb_engage.test").warning("user %s did a thing", "priya@example.org")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "priya@example.org" not in text and "admin.person@example.org" not in text
    assert "[email]" in text  # the deliberate line above was scrubbed, not dropped
