"""Every route is either public or limited to named roles, and the limits hold.

The matrix is built from the app's own URL map, so a page added by any feature is checked
without editing this file; a page that carries no access mark fails the first test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule

from ohwb_engage import create_app
from ohwb_engage.accounts.access import PUBLIC
from tests.conftest import test_config
from tests.factories import PASSWORD, make_staff
from tests.helpers import csrf_from, login

ROLES = ("admin", "facilitator", "analyst")
# Flask's own static files: public assets by definition.
UNMARKED_OK = {"static"}


def _url(rule: Rule) -> str:
    """A URL for ``rule`` with made-up ids: the role check runs before any lookup."""
    values: dict[str, Any] = {}
    for name in rule.arguments:
        kind = type(rule._converters[name]).__name__
        choice = re.search(rf"<any\(([^)]*)\):{name}>", rule.rule)
        if choice:
            values[name] = choice.group(1).split(",")[0].strip()
        elif kind == "IntegerConverter":
            values[name] = 987654
        elif kind == "UUIDConverter":
            values[name] = "00000000-0000-0000-0000-000000000000"
        else:
            values[name] = "not-a-real-token"
    built = rule.build(values, append_unknown=False)
    assert built is not None
    return built[1]


def _staff_rules(app: Flask) -> Iterator[tuple[Rule, frozenset[str]]]:
    for rule in app.url_map.iter_rules():
        access = getattr(app.view_functions[rule.endpoint], "access", None)
        if access not in (None, PUBLIC):
            yield rule, access


@pytest.fixture(scope="module")
def url_map_app(schema: str) -> Flask:
    return create_app(test_config(schema))


def test_every_route_declares_who_may_use_it(url_map_app: Flask) -> None:
    unmarked = [
        rule.rule
        for rule in url_map_app.url_map.iter_rules()
        if rule.endpoint not in UNMARKED_OK
        and getattr(url_map_app.view_functions[rule.endpoint], "access", None) is None
    ]
    assert unmarked == [], f"routes with no @public or role decorator: {unmarked}"


def _cases(app: Flask) -> list[tuple[str, str, frozenset[str]]]:
    cases = []
    for rule, allowed in _staff_rules(app):
        url = _url(rule)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            cases.append((method, url, allowed))
    return cases


def test_staff_pages_exist(url_map_app: Flask) -> None:
    assert len(_cases(url_map_app)) >= 8


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, client) -> None:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for method, url, _ in _cases(app):
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        assert response.status_code == 302, (method, url, response.status_code)
        assert response.location.startswith("/login?next="), (method, url)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_its_pages(app: Flask, role: str) -> None:
    make_staff(app, role, email=f"{role}@example.org")
    make_staff(app, "admin", email="spare-admin@example.org")  # so nothing is the last admin
    client = app.test_client()
    assert login(client, f"{role}@example.org", PASSWORD).status_code == 302
    token = csrf_from(client.get("/staff").get_data(as_text=True))
    for method, url, allowed in _cases(app):
        if url.endswith("/deactivate") or "/logout" in url:
            continue  # would end this session; covered in the accounts tests
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        if role in allowed:
            assert response.status_code != 403, (role, method, url)
            assert not (response.location or "").startswith("/login"), (role, method, url)
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)


def test_theme_runs_are_for_analysts_and_admins_only(url_map_app: Flask) -> None:
    """Runs show raw answers: facilitators get 403 (checked above for every role)."""
    runs = {rule.rule: access for rule, access in _staff_rules(url_map_app)
            if rule.rule.startswith("/themes/runs")}  # fmt: skip
    assert len(runs) >= 7, runs
    assert set(runs.values()) == {frozenset({"admin", "analyst"})}


# The review workspace shows raw responses: analysts and admins only. Facilitators get one
# page of counts (no answer text) for events they facilitate, checked per event in
# tests/themes/test_review.py; reviewers and the public get nothing.
REVIEW_FOR_FACILITATORS = {"themes.event_themes"}


def test_review_workspace_is_for_analysts_and_admins(url_map_app: Flask) -> None:
    from ohwb_engage.themes import review_views

    seen = 0
    for rule in url_map_app.url_map.iter_rules():
        view = url_map_app.view_functions[rule.endpoint]
        if view.__module__ != review_views.__name__:
            continue
        seen += 1
        expected = {"admin", "analyst"} | (
            {"facilitator"} if rule.endpoint in REVIEW_FOR_FACILITATORS else set()
        )
        assert set(view.access) == expected, rule.rule
    assert seen >= 15
