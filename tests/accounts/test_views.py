"""Sign-in pages through HTTP: forms, messages, redirects, CSRF, rate limits."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from ohwb_engage.accounts.models import User
from ohwb_engage.extensions import db
from ohwb_engage.mail.models import OutboxMessage
from tests.factories import PASSWORD, make_staff
from tests.helpers import csrf_from, login, submit, text_of

NEW_PASSWORD = "plum orchard tuesday lantern"


def _last_link(app: Flask, marker: str) -> str:
    with app.app_context():
        message = (
            db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
            .scalars()
            .first()
        )
        return re.search(rf"http://localhost(\S*{marker}\S+)", message.body_text).group(1)


def test_login_and_logout(app: Flask, client) -> None:
    make_staff(app, "facilitator", email="f@example.org")
    response = login(client, "f@example.org", PASSWORD)
    assert response.status_code == 302 and response.location == "/staff"
    assert "Welcome" in text_of(client.get("/staff"))
    page = client.get("/staff").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert client.get("/staff").status_code == 302


def test_login_cookie_is_secure_httponly_lax(app: Flask, client) -> None:
    make_staff(app, "facilitator", email="f@example.org")
    response = login(client, "f@example.org", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_shows_error_summary(app: Flask, client) -> None:
    make_staff(app, "facilitator", email="f@example.org")
    response = login(client, "f@example.org", "not the password")
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page
    assert "Enter a correct e-mail address and password" in page
    assert "<title>Error: Sign in" in response.get_data(as_text=True).replace("\n", "")


def test_missing_fields_are_named(client) -> None:
    page = text_of(submit(client, "/login", {"email": "", "password": ""}))
    assert "Enter your e-mail address" in page and "Enter your password" in page


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/admin/staff", "/admin/staff"),
        ("https://evil.example/phish", "/staff"),
        ("//evil.example", "/staff"),
        ("/\\evil.example", "/staff"),
    ],
)
def test_next_is_followed_only_within_the_site(app: Flask, client, next_url, expected) -> None:
    make_staff(app, "admin", email="a@example.org")
    response = submit(
        client, "/login", {"email": "a@example.org", "password": PASSWORD, "next": next_url}
    )
    assert response.location == expected


def test_deactivated_user_sees_why(app: Flask, client) -> None:
    make_staff(app, "analyst", email="gone@example.org", active=False)
    assert "deactivated" in text_of(login(client, "gone@example.org", PASSWORD))


def test_lockout_message_after_failures(app: Flask, client) -> None:
    make_staff(app, "analyst", email="a@example.org")
    for _ in range(5):
        login(client, "a@example.org", "wrong password entirely")
    assert "locked" in text_of(login(client, "a@example.org", PASSWORD))


def test_login_is_rate_limited_with_a_clear_page(app: Flask, client) -> None:
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    token = csrf_from(client.get("/login").get_data(as_text=True))
    statuses = [
        client.post(
            "/login", data={"csrf_token": token, "email": "x@example.org", "password": "p"}
        ).status_code
        for _ in range(4)
    ]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    response = client.post(
        "/login", data={"csrf_token": token, "email": "x@e.org", "password": "p"}
    )
    assert "Too many attempts" in text_of(response)


def test_post_without_csrf_token_is_refused_and_changes_nothing(app: Flask, client) -> None:
    admin_id = make_staff(app, "admin", email="a@example.org")
    login(client, "a@example.org", PASSWORD)
    response = client.post(
        "/admin/staff/invite", data={"name": "N", "email": "n@example.org", "role": "analyst"}
    )
    assert response.status_code == 400
    assert "nothing was saved" in text_of(response)
    with app.app_context():
        assert db.session.execute(select(User).where(User.id != admin_id)).first() is None


def test_full_invitation_journey(app: Flask, client) -> None:
    make_staff(app, "admin", email="a@example.org")
    login(client, "a@example.org", PASSWORD)
    response = submit(
        client,
        "/admin/staff/invite",
        {"name": "Fran Smith", "email": "fran@example.org", "role": "facilitator"},
    )
    assert response.status_code == 302
    link = _last_link(app, "/invitation/")
    client.post(
        "/logout", data={"csrf_token": csrf_from(client.get("/staff").get_data(as_text=True))}
    )

    page = client.get(link)
    assert "Welcome, Fran Smith" in text_of(page)
    mismatch = submit(client, link, {"password": NEW_PASSWORD, "confirm": "different words here"})
    assert "The passwords do not match" in text_of(mismatch)
    response = submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert "Fran Smith" in text_of(client.get("/staff"))
    used = client.get(link)
    assert used.status_code == 400 and "already been used" in text_of(used)


def test_tampered_invitation_link_gets_clear_page(client) -> None:
    response = client.get("/invitation/not-a-real-token")
    assert response.status_code == 400
    assert "not valid" in text_of(response)


def test_password_reset_journey(app: Flask, client) -> None:
    make_staff(app, "analyst", email="r@example.org")
    response = submit(client, "/password/forgot", {"email": "r@example.org"})
    assert "Check your e-mail" in text_of(response)
    link = _last_link(app, "/password/reset/")
    response = submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert login(client, "r@example.org", NEW_PASSWORD).location == "/staff"


def test_forgot_password_does_not_reveal_accounts(client) -> None:
    page = text_of(submit(client, "/password/forgot", {"email": "nobody@example.org"}))
    assert "If there is a staff account" in page


def test_overlong_and_unknown_role_invite_fields_get_messages(app: Flask, client) -> None:
    make_staff(app, "admin", email="a@example.org")
    login(client, "a@example.org", PASSWORD)
    response = submit(
        client, "/admin/staff/invite", {"name": "N" * 500, "email": "n@example.org", "role": "boss"}
    )
    page = text_of(response)
    assert response.status_code == 200
    assert "120 characters or fewer" in page
    assert "role" in page.lower()
    with app.app_context():
        assert db.session.execute(select(User).where(User.email == "n@example.org")).first() is None


def test_admin_changes_role_and_deactivates(app: Flask, client) -> None:
    make_staff(app, "admin", email="a@example.org")
    other = make_staff(app, "analyst", email="o@example.org")
    login(client, "a@example.org", PASSWORD)
    submit(client, f"/admin/staff/{other}", {"role": "facilitator"})
    page = f"/admin/staff/{other}"
    submit(client, page, {}, action=f"/admin/staff/{other}/deactivate")
    with app.app_context():
        user = db.session.get(User, other)
        assert (user.role, user.active) == ("facilitator", False)
    assert "Deactivated" in text_of(client.get("/admin/staff?status=deactivated"))


def test_change_own_password(app: Flask, client) -> None:
    make_staff(app, "analyst", email="me@example.org")
    login(client, "me@example.org", PASSWORD)
    wrong = submit(
        client, "/account", {"current": "nope", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert "current password is not right" in text_of(wrong)
    ok = submit(
        client, "/account", {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert ok.status_code == 302
    assert client.get("/account").status_code == 200  # still signed in here
