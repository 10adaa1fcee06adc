"""Analysts racing on one theme under a live gunicorn: exactly one rename wins, none is lost.

Twelve analysts open the same theme's edit form (so all hold lock version 1), then all post
a different name at once. One must get through; every other must get the conflict page
(409), never an error; the theme must carry the winner's name and the framework exactly one
new version.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from ohwb_engage.extensions import db
from ohwb_engage.themes.models import Framework, FrameworkChange, Theme
from tests.factories import PASSWORD, make_staff
from tests.live import Browserless, gunicorn, hammer
from tests.themes.factories import make_answers, make_framework

pytestmark = pytest.mark.slow

ANALYSTS = 12
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def test_concurrent_renames_one_wins_the_rest_see_a_conflict(
    app: Flask, schema: str, tmp_path: Path
) -> None:
    ids = make_answers(app, ["Parking is full", "Permits cost too much", "No spaces at 8am"])
    framework_id, themes = make_framework(app, {"Parking": ids})
    theme_id = themes["Parking"]
    for n in range(ANALYSTS):
        make_staff(app, "analyst", email=f"analyst{n}@example.org")
    url = f"/themes/frameworks/{framework_id}/themes/{theme_id}/edit"
    with gunicorn(schema, str(tmp_path), workers=2, threads=4) as live:
        forms = []
        for n in range(ANALYSTS):
            client = Browserless(live.url)
            status, _, _ = client.submit(
                "/login", {"email": f"analyst{n}@example.org", "password": PASSWORD}
            )
            assert status == 302
            _, html = client.get(url)
            assert 'name="lock_version" type="hidden" value="1"' in html
            forms.append((client, CSRF.search(html).group(1)))

        def rename(n: int):
            client, token = forms[n]

            def task() -> tuple[int, float]:
                data = {
                    "csrf_token": token,
                    "name": f"Parking (analyst {n})",
                    "description": f"Written by analyst {n}",
                    "lock_version": "1",
                }
                status, _, body = client.post(url, data)
                if status == 409:
                    assert "Someone else changed the theme" in body
                return status, 0.0

            return task

        result = hammer([rename(n) for n in range(ANALYSTS)], concurrency=ANALYSTS)
    assert result.server_errors == 0, result.errors[:3]
    assert Counter(result.statuses) == {302: 1, 409: ANALYSTS - 1}
    with app.app_context():
        theme = db.session.get(Theme, theme_id)
        winner = re.search(r"analyst (\d+)", theme.name).group(1)
        assert theme.description == f"Written by analyst {winner}"
        assert theme.lock_version == 2
        assert db.session.get(Framework, framework_id).version == 2
        changes = db.session.execute(select(FrameworkChange)).scalars().all()
        assert [(c.version, c.details["name"]) for c in changes] == [(2, theme.name)]
