"""Admins edit the stakeholder group list; the public forms offer the list as it is now.

The forms keep the list for a few seconds per process (``CHOICES_SECONDS``): a change made
through this process is seen at once, and a group retired elsewhere is refused when written.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select, update

from ohwb_engage.extensions import db
from ohwb_engage.reference import services
from ohwb_engage.reference.models import StakeholderGroup
from ohwb_engage.workshops.models import Registration
from ohwb_engage.workshops.registration import GROUP_MESSAGE
from tests.factories import PASSWORD, email_of, make_staff
from tests.helpers import login, submit, text_of
from tests.workshops.factories import form_data, group_id, make_event


def _offered(client, event_id: int) -> str:
    return text_of(client.get(f"/events/{event_id}/register"))


def test_the_forms_offer_each_change_to_the_list_at_once(app: Flask, client) -> None:
    event_id = make_event(app)
    public = app.test_client()
    assert "Service user" in _offered(public, event_id)  # read, and now kept
    admin = make_staff(app, "admin")
    login(client, email_of(app, admin), PASSWORD)

    added = submit(client, "/admin/stakeholder-groups/", {"name": "Trade union rep"})
    assert added.status_code == 302
    assert "Trade union rep" in _offered(public, event_id)

    retired = group_id(app, "Service user")
    edit = f"/admin/stakeholder-groups/{retired}"
    assert submit(client, edit, {"name": "Service user"}).status_code == 302  # active unticked
    assert "Service user" not in _offered(public, event_id)

    renamed = group_id(app, "Academic")
    submit(client, f"/admin/stakeholder-groups/{renamed}", {"name": "Researcher", "active": "y"})
    page = _offered(public, event_id)
    assert "Researcher" in page and "Academic" not in page


def test_a_group_retired_after_the_form_was_read_is_refused(
    app: Flask, client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "CHOICES_SECONDS", 600.0)  # however slow the machine
    event_id = make_event(app)
    group = group_id(app, "Academic")
    page = f"/events/{event_id}/register"
    html = client.get(page).get_data(as_text=True)
    assert f'value="{group}"' in html
    with app.app_context():  # retired by another worker, whose change this one has not seen
        # A Core UPDATE, as a change another process made: no ORM event tells this one.
        db.session.execute(
            update(StakeholderGroup).where(StakeholderGroup.id == group).values(active=False)
        )
        db.session.commit()
    assert f'value="{group}"' in client.get(page).get_data(as_text=True)  # this copy is stale
    response = submit(client, page, form_data(1, group))
    assert response.status_code == 200
    assert GROUP_MESSAGE in text_of(response)
    with app.app_context():
        assert db.session.execute(select(Registration.id)).first() is None
