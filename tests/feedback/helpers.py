"""Answering questionnaires through the test client, the way a browser does."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

_HIDDEN = re.compile(r'<input[^>]*name="(csrf_token|submission_key)"[^>]*value="([^"]*)"')
_HIDDEN_REVERSED = re.compile(r'<input[^>]*value="([^"]*)"[^>]*name="(csrf_token|submission_key)"')


def hidden_fields(html: str) -> dict[str, str]:
    found = {name: value for name, value in _HIDDEN.findall(html)}
    found.update({name: value for value, name in _HIDDEN_REVERSED.findall(html)})
    return found


def answer_page(
    client: FlaskClient, path: str, data: dict[str, Any], page: int = 1, **kwargs: Any
) -> TestResponse:
    """Open page ``page`` of a questionnaire, then post ``data`` with its hidden fields."""
    url = f"{path}?page={page}"
    html = client.get(url).get_data(as_text=True)
    fields = hidden_fields(html)
    assert "csrf_token" in fields and "submission_key" in fields, html[:2000]
    return client.post(url, data={**fields, **data}, **kwargs)
