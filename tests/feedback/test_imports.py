"""Importing notes from real files: CSV (UTF-8, BOM, Windows-1252), XLSX, bad rows, limits."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ohwb_engage.accounts.models import User
from ohwb_engage.extensions import db
from ohwb_engage.feedback import imports, services
from ohwb_engage.feedback.models import Answer, ImportBatch, Question, Response
from tests.factories import PASSWORD, email_of, make_staff
from tests.feedback.factories import make_event
from tests.helpers import csrf_from, login, text_of

FILES = Path(__file__).parent / "files"


def _kloe(app: Flask, user: int) -> int:
    with app.app_context():
        questionnaire = services.create_questionnaire(
            services.Settings(title="KLOEs", kind="kloe"),
            actor=db.session.get(User, user),
            use_standard_questions=True,
        )
        return questionnaire.id


def _question_id(app: Flask, qid: int, starts: str) -> int:
    with app.app_context():
        return db.session.execute(
            select(Question.id).where(
                Question.questionnaire_id == qid, Question.text.startswith(starts)
            )
        ).scalar_one()


@pytest.fixture
def facilitator(app: Flask) -> tuple[int, int, FlaskClient]:
    user = make_staff(app, "facilitator")
    client = app.test_client()
    login(client, email_of(app, user), PASSWORD)
    return user, _kloe(app, user), client


def _upload(client: FlaskClient, qid: int, name: str, data: bytes | None = None):
    page = client.get(f"/feedback/{qid}/import").get_data(as_text=True)
    content = data if data is not None else (FILES / name).read_bytes()
    return client.post(
        f"/feedback/{qid}/import",
        data={
            "csrf_token": csrf_from(page),
            "consent_basis": "Verbal consent recorded at the start of each group",
            "file": (io.BytesIO(content), name),
        },
        content_type="multipart/form-data",
    )


def _commit(client: FlaskClient, map_url: str, mapping: dict[str, str]):
    token = csrf_from(client.get(map_url).get_data(as_text=True))
    return client.post(map_url, data={"csrf_token": token, "action": "commit", **mapping})


def _imported(app: Flask) -> list[tuple[str, int, str, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Answer.text, Answer.question_id, Response.organisation, Response.region,
                   Response.source)
            .join(Response, Response.id == Answer.response_id)
            .order_by(Response.id)
        ).all()  # fmt: skip
        return [tuple(r) for r in rows]


def test_good_csv_is_previewed_mapped_and_imported(app: Flask, facilitator) -> None:
    _, qid, client = facilitator
    response = _upload(client, qid, "good.csv")
    assert response.status_code == 302
    map_url = response.location
    preview = client.get(map_url)
    page = text_of(preview)
    assert "4 rows" in page and "UTF-8" in page
    assert "The self-referral physio route is brilliant" in page  # the sample
    assert "1 of 4 rows cannot be imported" in page
    assert "No question given, and no default question chosen" in page
    anything_else = _question_id(app, qid, "Is there anything else")
    response = _commit(
        client,
        map_url,
        {"text": "1", "question": "0", "stakeholder_group": "2", "organisation": "3",
         "region": "4", "date": "5", "default_question": str(anything_else),
         "encoding": "auto", "event": ""},
    )  # fmt: skip
    assert response.status_code == 302, text_of(response)[:1500]
    assert "Imported 4 rows" in text_of(client.get(response.location))
    rows = _imported(app)
    works = _question_id(app, qid, "What works well")
    assert rows[0] == (
        "The self-referral physio route is brilliant, staff are seen within a week.",
        works,
        "Northshire Hospitals NHS Trust",
        "North West",
        "imported",
    )
    assert rows[2][1] == works  # "Q1" is the first question
    assert rows[3][1] == anything_else
    with app.app_context():
        batch = db.session.execute(select(ImportBatch)).scalar_one()
        assert batch.status == "committed" and batch.data is None and batch.rows_imported == 4
        dates = sorted(
            r.answered_at.date().isoformat() for r in db.session.execute(select(Response)).scalars()
        )
        assert dates[:3] == ["2025-03-14", "2025-03-15", "2025-03-15"]
    # A second press of the button (or the back button) imports nothing more.
    token = csrf_from(client.get(f"/feedback/{qid}/import").get_data(as_text=True))
    again = client.post(map_url, data={"csrf_token": token, "action": "commit", "text": "1"})
    assert again.status_code == 302 and len(_imported(app)) == 4
    assert "already been imported" in text_of(client.get(again.location))


def test_every_bad_row_is_listed_and_nothing_is_imported(app: Flask, facilitator) -> None:
    _, qid, client = facilitator
    map_url = _upload(client, qid, "bad_rows.csv").location
    mapping = {"text": "1", "question": "0", "stakeholder_group": "2", "region": "3", "date": "4",
               "encoding": "auto"}  # fmt: skip
    response = _commit(client, map_url, mapping)
    assert response.status_code == 400
    page = text_of(response)
    assert "7 of 8 rows cannot be imported" in page
    for line, reason in [
        (3, "The text is empty"),
        (4, "No question “Is the canteen open late?” in this questionnaire"),
        (5, "Unknown stakeholder group “Astronaut”"),
        (6, "Unknown region “Narnia”"),
        (7, "“31/02/2025” is not a date"),
        (8, "The date is in the future"),
        (9, "is not a free-text question"),
    ]:
        assert f"{line} " in page and reason in page, reason
    assert "nothing was imported" in page
    assert _imported(app) == []
    # Adding the missing question as a new one clears that row's problem only.
    with_new = _commit(client, map_url, {**mapping, "create_missing": "y"})
    assert "6 of 8 rows cannot be imported" in text_of(with_new)


def test_windows_1252_file_is_detected(app: Flask, facilitator) -> None:
    _, qid, client = facilitator
    map_url = _upload(client, qid, "windows1252.csv").location
    page = text_of(client.get(map_url))
    assert "Windows-1252" in page and "Café-style drop-ins" in page
    response = _commit(
        client, map_url, {"text": "1", "question": "0", "stakeholder_group": "2", "date": "3"}
    )
    assert response.status_code == 302, text_of(response)[:1500]
    with app.app_context():
        # 3 April in the UK began at 23:00 UTC on 2 April (British Summer Time).
        first = db.session.execute(select(Response).order_by(Response.id)).scalars().first()
        assert first.answered_at.isoformat() == "2025-04-02T23:00:00+00:00"
    texts = [row[0] for row in _imported(app)]
    assert texts == [
        "Café-style drop-ins with the OH nurse \u2013 staff say they\u2019re “approachable”.",
        "Funding: £40k cut from the EAP budget, naïve to think it won\u2019t show.",
    ]


def test_utf8_with_bom_reads_the_first_header_cleanly(app: Flask) -> None:
    table = imports.read_csv((FILES / "utf8_bom.csv").read_bytes())
    assert table.headers[0] == "Question" and table.encoding == "utf-8"
    assert "they\u2019re" in table.rows[0][1]


def test_xlsx_with_numbers_and_dates(app: Flask, facilitator) -> None:
    _, qid, client = facilitator
    event = make_event(app, title="Focus group, Eastfield")
    map_url = _upload(client, qid, "focus_groups.xlsx").location
    assert "Fast-track MSK referrals" in text_of(client.get(map_url))
    response = _commit(
        client,
        map_url,
        {"text": "1", "question": "0", "stakeholder_group": "2", "organisation": "3",
         "region": "4", "date": "5", "event": str(event)},
    )  # fmt: skip
    assert response.status_code == 302, text_of(response)[:1500]
    rows = _imported(app)
    assert [r[0] for r in rows] == [
        "Fast-track MSK referrals keep porters at work.",
        "Night staff can never reach OH: it is 9 to 5 only.",
        "1234",
    ]
    assert rows[2][1] == _question_id(app, qid, "What gets in the way")  # "2": question 2
    with app.app_context():
        assert {r.event_id for r in db.session.execute(select(Response)).scalars()} == {event}


def test_unreadable_files_get_clear_messages(app: Flask, facilitator) -> None:
    _, qid, client = facilitator
    for name, data, message in [
        ("undecodable.csv", None, "neither UTF-8 nor Windows-1252"),
        ("empty.csv", b"", "The selected file is empty"),
        ("only-header.csv", b"Question,Note\r\n", "no rows of data"),
        ("fake.xlsx", b"PK\x03\x04 not really a zip", "This Excel file cannot be read"),
        ("old.xls", b"\xd0\xcf\x11\xe0", "Old Excel .xls files are not supported"),
        ("binary.csv", b"\x00\x01\x02" * 50, "binary data"),
        ("notes.pdf", b"%PDF-1.4", "Upload a CSV (.csv) or Excel (.xlsx) file"),
    ]:
        response = _upload(client, qid, name, data)
        assert response.status_code == 200, name
        page = text_of(response)
        assert "There is a problem" in page and message in page, (name, page[:800])
    with app.app_context():
        assert db.session.execute(select(func.count(ImportBatch.id))).scalar_one() == 0


def test_choosing_the_wrong_encoding_is_explained(app: Flask, facilitator) -> None:
    _, qid, client = facilitator
    map_url = _upload(client, qid, "windows1252.csv").location
    page = text_of(client.get(map_url + "?encoding=utf-8"))
    assert "cannot be read as UTF-8" in page


def test_oversized_upload_is_413(app: Flask, facilitator) -> None:
    _, qid, client = facilitator
    app.config["FEEDBACK_IMPORT_MAX_BYTES"] = 1024
    response = _upload(client, qid, "big.csv", b"Question,Note\r\n" + b"Q1,words words\r\n" * 200)
    assert response.status_code == 413 and "The file or form is too large" in text_of(response)
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = _upload(client, qid, "bigger.csv", b"x" * 4096)
    assert response.status_code == 413
    with app.app_context():
        assert db.session.execute(select(func.count(ImportBatch.id))).scalar_one() == 0


def test_discard_and_undo(app: Flask, facilitator) -> None:
    _, qid, client = facilitator
    map_url = _upload(client, qid, "windows1252.csv").location
    token = csrf_from(client.get(map_url).get_data(as_text=True))
    discarded = client.post(map_url, data={"csrf_token": token, "action": "discard"})
    assert "nothing was imported" in text_of(client.get(discarded.location))
    with app.app_context():
        assert db.session.execute(select(ImportBatch)).scalar_one().data is None
    map_url = _upload(client, qid, "windows1252.csv").location
    _commit(client, map_url, {"text": "1", "question": "0", "stakeholder_group": "2", "date": "3"})
    assert len(_imported(app)) == 2
    with app.app_context():
        batch_id = db.session.execute(
            select(ImportBatch.id).where(ImportBatch.status == "committed")
        ).scalar_one()
    token = csrf_from(client.get(f"/feedback/{qid}/import").get_data(as_text=True))
    undone = client.post(f"/feedback/{qid}/imports/{batch_id}/undo", data={"csrf_token": token})
    assert "2 imported responses removed" in text_of(client.get(undone.location))
    assert _imported(app) == []


def test_stale_uploads_are_cleaned_up(app: Flask, facilitator) -> None:
    from datetime import timedelta

    from ohwb_engage.database import utcnow

    _, qid, client = facilitator
    _upload(client, qid, "good.csv")
    with app.app_context():
        assert imports.cleanup_stale_uploads(utcnow()) == 0
        assert imports.cleanup_stale_uploads(utcnow() + timedelta(hours=25)) == 1
