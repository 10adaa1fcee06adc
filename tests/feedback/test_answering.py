"""Participants answer through open and personal links: pages, progress, edits, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback import answering
from ohwb_engage.feedback.models import Answer, Invitation, Questionnaire, Response
from tests.factories import make_staff
from tests.feedback.factories import (
    ONE_PAGE,
    TWO_PAGES,
    group_id,
    make_event,
    make_invitation,
    make_questionnaire,
    make_registration,
    public_code,
    question_ids,
)
from tests.feedback.helpers import answer_page, hidden_fields
from tests.helpers import text_of


def _responses(app: Flask) -> list[Response]:
    with app.app_context():
        rows = list(db.session.execute(select(Response).order_by(Response.id)).scalars())
        for r in rows:
            _ = [(a.question_id, a.text, a.choices) for a in r.answers]
        db.session.expunge_all()
        return rows


def _one_page(app: Flask, **kwargs) -> tuple[int, int, str]:
    staff = make_staff(app, "facilitator")
    qid = make_questionnaire(app, staff, pages=ONE_PAGE, **kwargs)
    return qid, question_ids(app, qid)[0], f"/q/{public_code(app, qid)}"


def test_open_link_answer_is_saved_with_its_context(app: Flask, client) -> None:
    _qid, question, path = _one_page(app)
    group = group_id(app, "Wellbeing lead")
    response = answer_page(
        client,
        path,
        {
            f"q{question}": "Quick access to physio made the difference.\nManagers noticed.",
            "stakeholder_group": str(group),
            "organisation": "North Trust",
            "region": "North West",
            "consent": "y",
        },
    )
    assert response.status_code == 303
    assert response.location.endswith(f"{path}/thanks")
    assert "Your answers have been saved" in text_of(client.get(response.location))
    [saved] = _responses(app)
    assert saved.status == "submitted" and saved.source == "online"
    assert saved.stakeholder_group_id == group
    assert (saved.organisation, saved.region) == ("North Trust", "North West")
    assert saved.consent_at is not None and saved.answered_at is not None
    assert saved.answers[0].text == "Quick access to physio made the difference.\nManagers noticed."


def test_a_double_submission_stores_one_response(app: Flask, client) -> None:
    _qid, question, path = _one_page(app)
    html = client.get(path).get_data(as_text=True)
    form = {
        **hidden_fields(html),
        f"q{question}": "Same words, sent twice",
        "stakeholder_group": "none",
        "consent": "y",
    }
    first = client.post(path + "?page=1", data=form)
    again = client.post(path + "?page=1", data=form)  # double click / resubmit / retry
    assert first.status_code == again.status_code == 303
    assert again.location == first.location
    assert len(_responses(app)) == 1
    # A new visit is a new response: an open link takes many.
    assert (
        answer_page(
            client, path, {f"q{question}": "Another", "stakeholder_group": "none", "consent": "y"}
        ).status_code
        == 303
    )
    assert len(_responses(app)) == 2


def test_two_pages_save_progress_and_submit_once_complete(app: Flask, client) -> None:
    staff = make_staff(app, "facilitator")
    qid = make_questionnaire(app, staff, pages=TWO_PAGES)
    ids = question_ids(app, qid)
    path = f"/q/{public_code(app, qid)}"
    first = client.get(path)
    assert "Page 1 of 2" in text_of(first)
    response = answer_page(client, path, {f"q{ids[0]}": "Fast-track physio", f"q{ids[1]}": "4"})
    assert response.status_code == 303 and response.location.endswith("page=2")
    [draft] = _responses(app)
    assert draft.status == "in_progress" and draft.last_page == 1
    assert {a.question_id: (a.text, a.choices) for a in draft.answers} == {
        ids[0]: ("Fast-track physio", None),
        ids[1]: (None, ["4"]),
    }
    # Back to page 1: the answers are there.
    assert "Fast-track physio" in client.get(path + "?page=1").get_data(as_text=True)
    response = answer_page(
        client,
        path,
        {
            f"q{ids[2]}": "o2",
            f"q{ids[3]}": ["o1", "o3"],
            f"q{ids[4]}": "yes",
            f"q{ids[5]}": "5",
            "stakeholder_group": "none",
            "consent": "y",
        },
        page=2,
    )
    assert response.status_code == 303 and response.location.endswith("/thanks")
    [done] = _responses(app)
    assert done.id == draft.id and done.status == "submitted"
    answers = {a.question_id: a for a in done.answers}
    assert answers[ids[3]].choices == ["o1", "o3"]
    assert answers[ids[5]].choices == ["5"]
    with app.app_context():
        assert db.session.get(Answer, answers[ids[1]].id).number == 4


def test_submitting_the_last_page_with_an_earlier_page_unanswered_goes_back(
    app: Flask, client
) -> None:
    staff = make_staff(app, "facilitator")
    qid = make_questionnaire(app, staff, pages=TWO_PAGES)
    ids = question_ids(app, qid)
    path = f"/q/{public_code(app, qid)}"
    response = answer_page(
        client, path, {f"q{ids[2]}": "o1", "stakeholder_group": "none", "consent": "y"}, page=2
    )
    assert response.status_code == 303 and response.location.endswith("page=1")
    page = client.get(response.location)
    assert "Some questions that need an answer have not been answered yet" in text_of(page)
    [draft] = _responses(app)
    assert draft.status == "in_progress"  # page 2's answer is kept, nothing submitted


def test_bad_answers_get_clear_messages_and_nothing_is_saved(app: Flask, client) -> None:
    staff = make_staff(app, "facilitator")
    qid = make_questionnaire(app, staff, pages=TWO_PAGES)
    ids = question_ids(app, qid)
    path = f"/q/{public_code(app, qid)}"
    cases = [
        ({f"q{ids[1]}": "3"}, "Enter an answer to “What works well for staff wellbeing where"),
        ({f"q{ids[0]}": "x" * 10_001}, "must be 10,000 characters or fewer"),
        ({f"q{ids[0]}": "ok", f"q{ids[1]}": "7"}, "Choose one of the options given"),
        ({f"q{ids[0]}": "ok", f"q{ids[1]}": "0"}, "Choose one of the options given"),
    ]
    for data, message in cases:
        response = answer_page(client, path, data)
        assert response.status_code == 200
        page = text_of(response)
        assert "There is a problem" in page and message in page, (data, page[:600])
    page_two = [
        ({f"q{ids[2]}": "o9", "stakeholder_group": "none", "consent": "y"}, "Choose one of"),
        ({f"q{ids[2]}": "o1", f"q{ids[3]}": ["o1", "zzz"], "stakeholder_group": "none",
          "consent": "y"}, "Choose one of the options given"),
        ({f"q{ids[2]}": "o1", "stakeholder_group": "none"}, "Confirm you agree"),
        ({f"q{ids[2]}": "o1", "consent": "y"}, "Select the group that best describes you"),
        ({f"q{ids[2]}": "o1", "stakeholder_group": "99999", "consent": "y"}, "Choose one of"),
    ]  # fmt: skip
    for data, message in page_two:
        response = answer_page(client, path, data, page=2)
        assert response.status_code == 200
        assert message in text_of(response), data
    assert _responses(app) == []


def test_control_characters_are_removed_and_forged_keys_refused(app: Flask, client) -> None:
    _qid, question, path = _one_page(app)
    response = answer_page(
        client,
        path,
        {f"q{question}": "Tea\x00 and\x07 toast\r\nplease", "stakeholder_group": "none",
         "consent": "y"},
    )  # fmt: skip
    assert response.status_code == 303
    assert _responses(app)[0].answers[0].text == "Tea and toast\nplease"
    html = client.get(path).get_data(as_text=True)
    fields = hidden_fields(html)
    fields["submission_key"] = "<script>"
    forged = client.post(path, data={**fields, f"q{question}": "x", "consent": "y"})
    assert forged.status_code == 400
    assert len(_responses(app)) == 1


def test_redaction_and_originals_follow_the_retention_policy(app: Flask, client) -> None:
    said = "My name is Jo Bloggs, call 07700 900123 or jo@trust.nhs.uk (NHS no 943 476 5919)."
    for keep_days in (0, 30):
        qid, question, path = _one_page(app, original_retention_days=keep_days)
        answer_page(
            client, path, {f"q{question}": said, "stakeholder_group": "none", "consent": "y"}
        )
        with app.app_context():
            answer = db.session.execute(
                select(Answer).join(Response).where(Response.questionnaire_id == qid)
            ).scalar_one()
            assert "07700" not in answer.text and "jo@trust" not in answer.text
            assert "Bloggs" not in answer.text and "943 476" not in answer.text
            assert "[email]" in answer.text and "[phone]" in answer.text
            assert answer.text_original == (said if keep_days else None)


def test_without_redaction_text_is_stored_as_written(app: Flask, client) -> None:
    _qid, question, path = _one_page(app, redact=False)
    said = "Ring me on 07700 900123"
    answer_page(client, path, {f"q{question}": said, "stakeholder_group": "none", "consent": "y"})
    answer = _responses(app)[0].answers[0]
    assert answer.text == said


def test_personal_link_answers_once_and_can_be_changed_until_close(app: Flask, client) -> None:
    staff = make_staff(app, "facilitator")
    event = make_event(app)
    registration = make_registration(
        app, event, "sam@example.org", organisation="South Trust", region="London"
    )
    qid = make_questionnaire(app, staff, pages=TWO_PAGES, open_link=False, event_id=event)
    ids = question_ids(app, qid)
    invitation, path = make_invitation(app, qid, "sam@example.org", registration_id=registration)
    answer_page(client, path, {f"q{ids[0]}": "First thoughts"})
    last = client.get(path + "?page=2")
    assert 'value="South Trust"' in last.get_data(as_text=True)  # from the registration
    answer_page(client, path, {f"q{ids[2]}": "o1", "stakeholder_group": "none",
                               "consent": "y", "organisation": "South Trust"}, page=2)  # fmt: skip
    # Another browser, same link: the same response, to change.
    other = app.test_client()
    page = other.get(path)
    assert "You answered this on" in text_of(page)
    assert "First thoughts" in page.get_data(as_text=True)
    answer_page(other, path, {f"q{ids[0]}": "Second thoughts"})
    answer_page(
        other,
        path,
        {f"q{ids[2]}": "o3", "stakeholder_group": "none", "consent": "y",
         "organisation": "South Trust"},
        page=2,
    )  # fmt: skip
    [response] = _responses(app)
    answers = {a.question_id: a for a in response.answers}
    assert answers[ids[0]].text == "Second thoughts" and answers[ids[2]].choices == ["o3"]
    assert response.invitation_id == invitation and response.registration_id == registration
    assert response.event_id == event and response.organisation == "South Trust"
    fields = hidden_fields(other.get(path).get_data(as_text=True))  # a page left open
    with app.app_context():
        assert db.session.get(Invitation, invitation).responded_at is not None
        db.session.get(Questionnaire, qid).closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    closed = other.get(path)
    assert "closed on" in text_of(closed) and "are saved" in text_of(closed)
    late = other.post(path, data={**fields, f"q{ids[0]}": "Late"})
    assert late.status_code == 409
    assert {a.text for a in _responses(app)[0].answers if a.text} == {"Second thoughts"}


def test_anonymous_answers_hold_no_identity_yet_ask_the_group(app: Flask, client) -> None:
    staff = make_staff(app, "facilitator")
    event = make_event(app)
    registration = make_registration(app, event, "anon@example.org")
    qid = make_questionnaire(
        app, staff, pages=ONE_PAGE, anonymous=True, open_link=False, event_id=event
    )
    [question] = question_ids(app, qid)
    invitation, path = make_invitation(app, qid, "anon@example.org", registration_id=registration)
    page = client.get(path).get_data(as_text=True)
    assert "Which group best describes you?" in page
    assert 'name="organisation"' not in page and 'name="region"' not in page
    group = group_id(app, "OH clinician")
    answer_page(client, path, {f"q{question}": "Honest view", "stakeholder_group": str(group),
                               "organisation": "Sneaky Trust", "consent": "y"})  # fmt: skip
    [response] = _responses(app)
    assert response.anonymous and response.stakeholder_group_id == group
    assert response.invitation_id is None and response.registration_id is None
    assert response.organisation == "" and response.region == ""
    assert response.answered_at.hour == 0 and response.answered_at.minute == 0
    with app.app_context():
        responded = db.session.get(Invitation, invitation).responded_at
        assert responded is not None and responded.hour == 0  # the day only
    again = client.get(path)
    assert "You have already answered" in text_of(again)
    assert len(_responses(app)) == 1


def test_closed_draft_and_unknown_questionnaires(app: Flask, client) -> None:
    staff = make_staff(app, "facilitator")
    closed = make_questionnaire(app, staff, closes_at=utcnow() - timedelta(days=1))
    page = client.get(f"/q/{public_code(app, closed)}")
    assert page.status_code == 200 and "closed on" in text_of(page)
    future = make_questionnaire(app, staff, opens_at=utcnow() + timedelta(days=3))
    assert "opens on" in text_of(client.get(f"/q/{public_code(app, future)}"))
    draft = make_questionnaire(app, staff, status="draft")
    assert client.get(f"/q/{public_code(app, draft)}").status_code == 404
    assert client.get("/q/no-such-code").status_code == 404
    bad_link = client.get("/q/p/not-a-real-token")
    assert bad_link.status_code == 404 and "not valid" in text_of(bad_link)
    assert client.get(f"/q/{public_code(app, closed)}?page=9").status_code == 200  # closed first


def test_a_questionnaire_closed_after_its_page_was_read_takes_nothing(app: Flask) -> None:
    """The open link's first page is written by one INSERT that checks the questionnaire
    is open as it writes; when it is not, the slow path says why and nothing is stored."""
    qid, question, _ = _one_page(app)
    key = answering.new_submission_key()
    about = answering.AboutYou()
    with app.app_context():
        questionnaire = db.session.get_one(Questionnaire, qid)
        questionnaire.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        with pytest.raises(answering.QuestionnaireClosed, match="closed on"):
            answering.save_page(qid, 1, {question: "Too late"}, key=key, about=about, consent=True)
        questionnaire = db.session.get_one(Questionnaire, qid)
        questionnaire.closes_at = None
        db.session.commit()
        saved = answering.save_page(
            qid, 1, {question: "In time"}, key=key, about=about, consent=True
        )
        assert saved.complete and not saved.duplicate
    assert [r.status for r in _responses(app)] == ["submitted"]


def test_pages_out_of_range_are_404(app: Flask, client) -> None:
    _, _, path = _one_page(app)
    assert client.get(path + "?page=2").status_code == 404
    assert client.get(path + "?page=0").status_code == 404


def test_public_posts_are_rate_limited(app: Flask, client) -> None:
    app.config["PUBLIC_POST_RATE_LIMIT"] = "3 per minute"
    _, _question, path = _one_page(app)
    fields = hidden_fields(client.get(path).get_data(as_text=True))
    statuses = [client.post(path, data=fields).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429


def test_staff_preview_saves_nothing(app: Flask, client) -> None:
    from tests.factories import PASSWORD, email_of
    from tests.helpers import login

    staff = make_staff(app, "facilitator")
    qid = make_questionnaire(app, staff, pages=TWO_PAGES, status="draft")
    login(client, email_of(app, staff), PASSWORD)
    page = client.get(f"/feedback/{qid}/preview?page=2")
    assert page.status_code == 200 and "Preview" in text_of(page)
    with app.app_context():
        assert db.session.execute(select(func.count(Response.id))).scalar_one() == 0


@pytest.mark.parametrize(
    "change, status",
    [
        ({"open_link": False}, 404),
        ({"public_code": "renamed-link-code"}, 404),
        ({"closes_at": utcnow() - timedelta(minutes=1)}, 409),
        ({"status": "draft"}, 404),
    ],
)
def test_a_remembered_open_link_writes_nothing_once_its_settings_change(
    app: Flask, client, change: dict, status: int
) -> None:
    """The first page of an open link is saved from this process's copy of the
    questionnaire; the one INSERT checks the row still says what the copy says, so a link
    switched off, renamed, closed or unpublished since then takes nothing."""
    qid, question, path = _one_page(app)
    first = answer_page(
        client, path, {f"q{question}": "Before", "stakeholder_group": "none", "consent": "y"}
    )
    assert first.status_code == 303
    with app.app_context():
        assert answering.known_open_link(path.rsplit("/", 1)[1]) is not None
        html = client.get(path).get_data(as_text=True)  # the form, read while still open
        questionnaire = db.session.get_one(Questionnaire, qid)
        for name, value in change.items():
            setattr(questionnaire, name, value)
        db.session.commit()
    form = {**hidden_fields(html), f"q{question}": "After", "stakeholder_group": "none"}
    form["consent"] = "y"
    late = client.post(path + "?page=1", data=form)
    assert late.status_code == status
    assert [a.text for r in _responses(app) for a in r.answers] == ["Before"]


def test_answering_without_the_pages_csrf_token_is_refused_and_saves_nothing(
    app: Flask, client
) -> None:
    """The answer form does not check the token itself: CSRFProtect does, before the view,
    on the path that saves from the remembered open link as on every other."""
    _qid, question, path = _one_page(app)
    words = {f"q{question}": "First", "stakeholder_group": "none", "consent": "y"}
    assert answer_page(client, path, words).status_code == 303  # the link is now remembered
    fields = hidden_fields(client.get(path).get_data(as_text=True))
    assert fields.get("csrf_token")
    data = {**fields, **words, f"q{question}": "Forged"}
    missing = client.post(
        path + "?page=1", data={k: v for k, v in data.items() if k != "csrf_token"}
    )
    forged = client.post(path + "?page=1", data={**data, "csrf_token": "forged"})
    assert missing.status_code == forged.status_code == 400
    assert [a.text for r in _responses(app) for a in r.answers] == ["First"]
