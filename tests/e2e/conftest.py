"""Browser tests: Debian's chromium driven by Playwright against a live server on loopback.

Without /usr/bin/chromium the tests skip with a clear reason, except in CI (CI=true),
where a missing browser is a failure: the key journeys must have been walked for real.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from ohwb_engage import create_app
from ohwb_engage.extensions import db
from tests.conftest import ARTIFACTS, empty_all_tables, in_ci, test_config
from tests.smtp import SMTPServer

CHROMIUM = os.environ.get("OHWB_CHROMIUM", "/usr/bin/chromium")
# As root in a sandbox, and with no internet: keep Chromium from phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which(CHROMIUM) is not None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not _chromium_available():
        message = (
            f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package "
            "(sudo apt-get install chromium) to run the browser tests"
        )
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """The real app on a real socket, in a thread; the test drives it from a browser."""

    def __init__(self, app: Flask, port: int) -> None:
        self.app = app
        self.url = f"http://127.0.0.1:{port}"
        self._server = make_server("127.0.0.1", port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)


@pytest.fixture
def e2e_smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_server(schema: str, e2e_smtp: SMTPServer) -> Iterator[LiveServer]:
    port = _free_port()
    app = create_app(
        test_config(
            schema,
            TESTING=False,
            JOBS_MODE="thread",
            BASE_URL=f"http://127.0.0.1:{port}",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=e2e_smtp.port,
        )
    )
    server = LiveServer(app, port)
    server.start()
    yield server
    server.stop()
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
