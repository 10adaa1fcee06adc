"""The deployment shape works: gunicorn with several workers serves the app on this database."""

from __future__ import annotations

import pytest

from tests.live import Browserless, gunicorn, hammer, request

pytestmark = pytest.mark.slow


def test_gunicorn_serves_concurrent_requests(schema: str, tmp_path) -> None:
    with gunicorn(schema, str(tmp_path), workers=2, threads=4) as live:

        def health() -> tuple[int, float]:
            status, _, _ = request("GET", live.url + "/healthz")
            return status, 0.0

        result = hammer([health] * 100, concurrency=32)
        assert result.statuses.count(200) == 100 and result.server_errors == 0

        client = Browserless(live.url)
        status, _, body = client.submit("/password/forgot", {"email": "nobody@example.org"})
        assert status == 200 and "Check your e-mail" in body  # CSRF and session work live
