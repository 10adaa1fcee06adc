"""The answering form asks, on its last page, whether words may be quoted on the public page
and (with a personal link, so an address is held) whether to e-mail the person once."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import Response
from tests.factories import make_staff
from tests.feedback.factories import (
    make_event,
    make_invitation,
    make_questionnaire,
    make_registration,
    public_code,
    question_ids,
)
from tests.feedback.helpers import answer_page


def _stored(app: Flask) -> Response:
    with app.app_context():
        response = db.session.execute(select(Response)).scalar_one()
        db.session.expunge(response)
        return response


def test_personal_link_offers_both_opt_ins_and_stores_them(app: Flask, client: FlaskClient):
    staff = make_staff(app, "facilitator")
    event = make_event(app)
    registration = make_registration(app, event, "sam@example.org")
    qid = make_questionnaire(app, staff, open_link=False, event_id=event)
    (question,) = question_ids(app, qid)
    _, path = make_invitation(app, qid, "sam@example.org", registration_id=registration)
    page = client.get(path).get_data(as_text=True)
    assert "You may quote my words" in page and "E-mail me once" in page
    done = answer_page(
        client,
        path,
        {f"q{question}": "Faster physio", "stakeholder_group": "none", "consent": "y",
         "may_quote": "y", "contact_consent": "y"},
    )  # fmt: skip
    assert done.status_code == 303
    response = _stored(app)
    assert response.may_quote and response.contact_consent
    again = client.get(path).get_data(as_text=True)  # reopening shows the choices kept
    assert again.count("checked") >= 2


def test_open_link_asks_only_about_quotes(app: Flask, client: FlaskClient) -> None:
    staff = make_staff(app, "facilitator")
    qid = make_questionnaire(app, staff)
    (question,) = question_ids(app, qid)
    path = f"/q/{public_code(app, qid)}"
    page = client.get(path).get_data(as_text=True)
    assert "You may quote my words" in page and "E-mail me once" not in page
    answer_page(
        client,
        path,
        {f"q{question}": "Kinder rotas", "stakeholder_group": "none", "consent": "y",
         "contact_consent": "y"},  # forged: not offered, not stored
    )  # fmt: skip
    response = _stored(app)
    assert not response.may_quote and not response.contact_consent
