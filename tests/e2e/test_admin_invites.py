"""Key journey: the demo admin signs in and invites a facilitator, who sets a password."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import ARTIFACTS
from tests.e2e.conftest import LiveServer
from tests.smtp import SMTPServer


def _seed(live_server: LiveServer) -> None:
    result = live_server.app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def test_admin_signs_in_and_invites_a_facilitator(
    live_server: LiveServer, e2e_smtp: SMTPServer, page: Any
) -> None:
    _seed(live_server)
    page.goto(f"{live_server.url}/staff")
    assert "/login" in page.url  # sent to sign in first
    page.get_by_label("E-mail address").fill("admin@example.org")
    page.get_by_label("Password").fill("demo-admin-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/staff$"))
    assert "Welcome, Amara Okafor" in page.content()

    page.get_by_role("link", name="Staff", exact=True).first.click()
    page.get_by_role("link", name="Invite staff").click()
    page.get_by_label("Full name").fill("Nia Facilitator")
    page.get_by_label("E-mail address").fill("nia@example.org")
    page.get_by_label("Facilitator").check()
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_url(re.compile(r".*/admin/staff$"))
    assert "Invitation sent to Nia Facilitator" in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "e2e-admin-invites-facilitator.png"), full_page=True)

    invitation = e2e_smtp.wait_for("nia@example.org")[0]
    link = re.search(r"http://127\.0\.0\.1:\d+/invitation/\S+", invitation.text()).group(0)

    # The facilitator follows the link in a separate browser session.
    other = page.context.browser.new_context()
    facilitator = other.new_page()
    facilitator.goto(link)
    facilitator.get_by_label("New password", exact=True).fill("lantern orchard pebble tuesday")
    facilitator.get_by_label("Confirm new password").fill("lantern orchard pebble tuesday")
    facilitator.get_by_role("button", name="Save password").click()
    facilitator.wait_for_url(re.compile(r".*/staff$"))
    assert "Welcome, Nia Facilitator" in facilitator.content()
    other.close()


def test_sign_in_works_without_javascript(live_server: LiveServer, browser: Any) -> None:
    _seed(live_server)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.get_by_role("button", name="Sign in").click()  # empty form: server-side errors
    assert "There is a problem" in page.content()
    assert "Enter your e-mail address" in page.content()
    page.get_by_label("E-mail address").fill("admin@example.org")
    page.get_by_label("Password").fill("demo-admin-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/staff$"))
    assert "Welcome" in page.content()
    context.close()
