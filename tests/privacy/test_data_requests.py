"""Data subject requests (export, erase) and retention (purge-expired)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from ohwb_engage.audit.models import AuditEntry
from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import Answer, Invitation, Response
from ohwb_engage.mail.models import OutboxMessage
from ohwb_engage.mail.services import queue_email
from ohwb_engage.privacy.services import purge_expired
from ohwb_engage.workshops.models import Event, Registration
from tests.factories import PASSWORD, email_of, make_staff
from tests.feedback.factories import (
    make_event,
    make_invitation,
    make_questionnaire,
    make_registration,
    public_code,
    question_ids,
)
from tests.feedback.helpers import answer_page
from tests.helpers import csrf_from, login, text_of

PERSON = "jo.bloggs@example.org"


def _arrange(app: Flask) -> dict[str, int]:
    staff = make_staff(app, "facilitator")
    event = make_event(app, title="Breakfast Club: menopause")
    with app.app_context():
        db.session.get_one(Event, event).capacity = 10
        db.session.get_one(Event, event).seats_taken = 2
        db.session.commit()
    registration = make_registration(app, event, PERSON, name="Jo Bloggs",
                                     organisation="North Trust")  # fmt: skip
    make_registration(app, event, "someone.else@example.org", name="Other Person")
    qid = make_questionnaire(app, staff, open_link=True, event_id=event, original_retention_days=30)
    [question] = question_ids(app, qid)
    invitation, path = make_invitation(app, qid, PERSON, registration_id=registration)
    said = "Menopause clinic helped. Call me on 07700 900123."
    about = {"stakeholder_group": "none", "consent": "y"}
    answer_page(
        app.test_client(), path, {f"q{question}": said, "organisation": "North Trust", **about}
    )
    # Someone else answered through the open link: not theirs, must survive.
    answer_page(
        app.test_client(),
        f"/q/{public_code(app, qid)}",
        {f"q{question}": "Open-link view", **about},
    )
    with app.app_context():
        queue_email(PERSON.upper(), "Your place at the Breakfast Club", "Dear Jo, see you there.")
        queue_email("someone.else@example.org", "Your place", "Dear Other")
        db.session.commit()
    return {"event": event, "registration": registration, "invitation": invitation, "qid": qid}


def _admin(app: Flask):
    admin = make_staff(app, "admin")
    client = app.test_client()
    login(client, email_of(app, admin), PASSWORD)
    return admin, client


def _post(client, data: dict[str, str]):
    token = csrf_from(client.get("/admin/data-requests/").get_data(as_text=True))
    return client.post("/admin/data-requests/", data={"csrf_token": token, **data})


def test_find_and_export_everything_held(app: Flask) -> None:
    _arrange(app)
    admin, client = _admin(app)
    found = text_of(_post(client, {"email": " Jo.Bloggs@Example.org ", "action": "find"}))
    assert "Event registrations 1" in found and "Questionnaire responses 1" in found
    assert "E-mails sent 1" in found and "Questionnaire invitations 1" in found
    exported = _post(client, {"email": PERSON, "action": "export-json"})
    assert exported.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(exported.get_data(as_text=True))
    assert data["registrations"][0]["name"] == "Jo Bloggs"
    assert data["registrations"][0]["event"] == "Breakfast Club: menopause"
    [response] = data["responses"]
    # The person gets their own words back, unredacted (kept 30 days by this policy).
    assert response["answers"][0]["answer"] == "Menopause clinic helped. Call me on 07700 900123."
    assert data["emails"][0]["subject"] == "Your place at the Breakfast Club"
    assert all("someone.else" not in json.dumps(item) for item in data["registrations"])
    as_csv = _post(client, {"email": PERSON, "action": "export-csv"})
    rows = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True))))
    assert rows[0] == ["record", "id", "field", "value"]
    assert ["registrations", str(data["registrations"][0]["id"]), "name", "Jo Bloggs"] in rows
    with app.app_context():
        entries = list(
            db.session.execute(
                select(AuditEntry).where(AuditEntry.action.startswith("privacy."))
            ).scalars()
        )
        assert {e.action for e in entries} == {"privacy.lookup", "privacy.export"}
        for entry in entries:
            assert entry.actor_id == admin
            dumped = json.dumps(entry.details) + (entry.target_id or "")
            assert "bloggs" not in dumped.lower() and len(entry.details["subject"]) == 32
        assert len({e.details["subject"] for e in entries}) == 1  # same person, same hash


def test_erase_anonymises_registrations_and_removes_the_rest(app: Flask) -> None:
    ids = _arrange(app)
    _, client = _admin(app)
    unconfirmed = _post(client, {"email": PERSON, "action": "erase"})
    assert "Confirm that you want to erase" in text_of(unconfirmed)
    with app.app_context():
        assert db.session.execute(select(func.count(Response.id))).scalar_one() == 2
    erased = _post(client, {"email": PERSON, "action": "erase", "confirm": "y"})
    assert "1 registrations anonymised" in text_of(erased)
    with app.app_context():
        registration = db.session.get_one(Registration, ids["registration"])
        assert registration.name == "Erased" and "bloggs" not in registration.email
        assert registration.organisation == "" and registration.status == "confirmed"
        assert registration.attended_at is not None  # attendance still counts
        assert db.session.get_one(Event, ids["event"]).seats_taken == 2
        invitation = db.session.get_one(Invitation, ids["invitation"])
        assert invitation.email is None and invitation.responded_at is not None
        texts = list(db.session.execute(select(Answer.text)).scalars())
        assert texts == ["Open-link view"]  # theirs gone, the open-link answer kept
        messages = {m.to_address: m for m in db.session.execute(select(OutboxMessage)).scalars()}
        assert "someone.else@example.org" in messages
        blanked = messages["erased@erased.invalid"]
        assert blanked.body_text == "[erased on request]" and blanked.status == "failed"
        other = db.session.execute(
            select(Registration).where(Registration.email == "someone.else@example.org")
        ).scalar_one()
        assert other.name == "Other Person"
        entry = db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "privacy.erase")
        ).scalar_one()
        assert entry.details["responses"] == 1 and "bloggs" not in json.dumps(entry.details)
    again = text_of(_post(client, {"email": PERSON, "action": "find"}))
    assert "We hold nothing about this address" in again


def test_only_admins_handle_requests(app: Flask) -> None:
    for role in ("facilitator", "analyst"):
        user = make_staff(app, role)
        client = app.test_client()
        login(client, email_of(app, user), PASSWORD)
        assert client.get("/admin/data-requests/").status_code == 403


def test_purge_expired_applies_each_retention_policy(app: Flask, runner) -> None:
    staff = make_staff(app, "facilitator")
    short = make_questionnaire(app, staff, retention_days=30, original_retention_days=7)
    long = make_questionnaire(app, staff, retention_days=365, original_retention_days=7)
    said = "Email me at pat@example.org"
    for qid in (short, long):
        [question] = question_ids(app, qid)
        answer_page(
            app.test_client(),
            f"/q/{public_code(app, qid)}",
            {f"q{question}": said, "stakeholder_group": "none", "consent": "y"},
        )
        make_invitation(app, qid, f"invited{qid}@example.org")
    with app.app_context():
        assert purge_expired().responses == 0
        later = utcnow() + timedelta(days=40)
        report = purge_expired(later)
        assert report.responses == 1 and report.invitations == 1 and report.originals == 1
        remaining = db.session.execute(select(Response)).scalar_one()
        assert remaining.questionnaire_id == long
        answer = db.session.execute(select(Answer)).scalar_one()
        assert answer.text_original is None and "[email]" in answer.text
        assert purge_expired(later) == type(report)()  # idempotent
    result = runner.invoke(args=["purge-expired"])
    assert result.exit_code == 0 and "deleted 0 responses" in result.output
