"""Error pages: the right status, the NHS.UK layout, a plain message and never a trace."""

from __future__ import annotations

import pytest
from flask import Flask, abort

from ohwb_engage.accounts.access import public
from tests.factories import PASSWORD, make_staff
from tests.helpers import csrf_from, login, text_of


@pytest.fixture
def app_with_faults(app: Flask) -> Flask:
    @app.get("/_boom")
    @public
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    @app.get("/_abort/<int:code>")
    @public
    def abort_with_code(code: int) -> str:
        abort(code)

    @app.post("/_upload")
    @public
    def upload() -> str:
        from flask import request

        return str(len(request.files))

    return app


def _assert_page(response, status: int, heading: str) -> None:
    assert response.status_code == status
    page = text_of(response)
    assert heading in page
    assert "Traceback" not in page and "secret internal detail" not in page
    assert "nhsuk-header" in response.get_data(as_text=True)


def test_404(client) -> None:
    _assert_page(client.get("/no/such/page"), 404, "Page not found")


def test_403_for_wrong_role(app: Flask, client) -> None:
    make_staff(app, "analyst", email="an@example.org")
    login(client, "an@example.org", PASSWORD)
    _assert_page(client.get("/admin/staff"), 403, "You do not have permission")


def test_405(client) -> None:
    _assert_page(client.delete("/login"), 405, "not allowed")


def test_400_for_missing_csrf(client) -> None:
    _assert_page(client.post("/login", data={"email": "a@b.org"}), 400, "problem with your request")


def test_413_for_oversized_upload(app_with_faults: Flask) -> None:
    app_with_faults.config["MAX_CONTENT_LENGTH"] = 1024
    client = app_with_faults.test_client()
    response = client.post("/_upload", data=b"x" * 4096, content_type="text/csv")
    _assert_page(response, 413, "too large")
    assert "1 KB" in text_of(response)


def test_429_for_rate_limit(app: Flask, client) -> None:
    app.config["PUBLIC_POST_RATE_LIMIT"] = "1 per minute"
    token = csrf_from(client.get("/password/forgot").get_data(as_text=True))
    client.post("/password/forgot", data={"csrf_token": token})
    response = client.post("/password/forgot", data={"csrf_token": token})
    _assert_page(response, 429, "Too many attempts")


def test_500_hides_the_trace(app_with_faults: Flask) -> None:
    app_with_faults.config["TESTING"] = False  # let the handler run as in production
    app_with_faults.config["PROPAGATE_EXCEPTIONS"] = False
    response = app_with_faults.test_client().get("/_boom")
    _assert_page(response, 500, "there is a problem with the service")


@pytest.mark.parametrize("code", [400, 403, 404])
def test_aborts_render_our_pages(app_with_faults: Flask, code: int) -> None:
    response = app_with_faults.test_client().get(f"/_abort/{code}")
    assert response.status_code == code
    assert "nhsuk-header" in response.get_data(as_text=True)
