"""Facilitators build questionnaires; once answered, nothing may orphan the answers."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.models import AuditEntry
from ohwb_engage.extensions import db
from ohwb_engage.feedback import services
from ohwb_engage.feedback.models import Answer, Question, Questionnaire, Response
from tests.factories import PASSWORD, email_of, make_staff
from tests.feedback.factories import (
    TWO_PAGES,
    make_event,
    make_questionnaire,
    public_code,
    question_ids,
)
from tests.feedback.helpers import answer_page
from tests.helpers import login, submit, text_of


def _signed_in(app: Flask, role: str = "facilitator") -> tuple[int, object]:
    user = make_staff(app, role)
    client = app.test_client()
    assert login(client, email_of(app, user), PASSWORD).status_code == 302
    return user, client


def _answer_first_page(app: Flask, qid: int) -> None:
    ids = question_ids(app, qid)
    client = app.test_client()
    response = answer_page(
        client, f"/q/{public_code(app, qid)}", {f"q{ids[0]}": "Yes", f"q{ids[1]}": "2"}
    )
    assert response.status_code == 303
    answer_page(
        client,
        f"/q/{public_code(app, qid)}",
        {f"q{ids[2]}": "o1", "stakeholder_group": "none", "consent": "y"},
        page=2,
    )


def test_facilitator_creates_from_the_standard_questions(app: Flask) -> None:
    user, client = _signed_in(app)
    page = client.get("/feedback/new")
    assert page.status_code == 200
    response = submit(
        client,
        "/feedback/new",
        {
            "title": "Follow-up: Breakfast Club on MSK",
            "kind": "follow_up",
            "use_standard": "y",
            "redact": "y",
            "retention_days": "365",
            "original_retention_days": "0",
            "event_id": "",
        },
    )
    assert response.status_code == 302, text_of(response)[:800]
    with app.app_context():
        questionnaire = db.session.execute(select(Questionnaire)).scalar_one()
        assert questionnaire.kind == "follow_up" and questionnaire.status == "draft"
        assert questionnaire.created_by_id == user
        levels = {q.impact_level for q in questionnaire.questions}
        assert {"reaction", "learning", "behaviour", "results"} <= levels
        entry = db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "questionnaire.create")
        ).scalar_one()
        assert entry.actor_id == user and entry.target_id == str(questionnaire.id)
    detail = client.get(response.location)
    assert "Follow-up: Breakfast Club on MSK" in text_of(detail)


def test_create_form_shows_errors_and_saves_nothing(app: Flask) -> None:
    _, client = _signed_in(app)
    response = submit(
        client,
        "/feedback/new",
        {"title": "", "kind": "nonsense", "retention_days": "0", "original_retention_days": "5"},
    )
    page = text_of(response)
    assert response.status_code == 200 and page.startswith("Error:")
    assert "There is a problem" in page and "Enter a title" in page
    assert "Enter a number of days from 1 to 3,650" in page
    with app.app_context():
        assert db.session.execute(select(func.count(Questionnaire.id))).scalar_one() == 0


def test_settings_rules(app: Flask) -> None:
    user = make_staff(app, "facilitator")
    with app.app_context():
        actor = db.session.get(User, user)
        base = services.Settings(title="T", kind="session_evaluation")
        for settings, message in [
            (services.Settings(title="T", kind="x"), "Choose a kind"),
            (services.Settings(title="T", kind="kloe", auto_send=True, event_id=None), "event"),
            (
                services.Settings(
                    title="T", kind="follow_up", auto_send=True, event_id=None, follow_up_weeks=4
                ),
                "event",
            ),
            (
                services.Settings(
                    title="T", kind="kloe", retention_days=10, original_retention_days=20
                ),
                "longer than the responses",
            ),
        ]:
            with pytest.raises(services.FeedbackError, match=message):
                services.create_questionnaire(settings, actor=actor)
        created = services.create_questionnaire(base, actor=actor)
        assert [s.title for s in created.sections] == ["Questions"]


def test_adding_editing_and_ordering_questions(app: Flask) -> None:
    user, client = _signed_in(app)
    qid = make_questionnaire(app, user, pages=[[]], status="draft")
    with app.app_context():
        section = db.session.get_one(Questionnaire, qid).sections[0].id
    url = f"/feedback/{qid}/questions/new?section={section}"
    bad = submit(client, url, {"text": "Pick", "kind": "single_choice", "options": "Only one",
                               "section_id": str(section), "impact_level": ""})  # fmt: skip
    assert "Enter at least 2 options" in text_of(bad)
    for text in ("First?", "Second?"):
        ok = submit(client, url, {"text": text, "kind": "long_text", "section_id": str(section),
                                  "impact_level": ""})  # fmt: skip
        assert ok.status_code == 302
    first, second = question_ids(app, qid)
    assert (
        client.post(
            f"/feedback/{qid}/questions/{second}/up",
            data={"csrf_token": _token(client, qid)},
        ).status_code
        == 302
    )
    assert question_ids(app, qid) == [second, first]
    edit = submit(
        client,
        f"/feedback/{qid}/questions/{first}",
        {"text": "First, reworded?", "kind": "rating", "options": "", "required": "y",
         "section_id": str(section), "impact_level": "reaction"},
    )  # fmt: skip
    assert edit.status_code == 302
    with app.app_context():
        question = db.session.get_one(Question, first)
        assert question.kind == "rating" and question.required
        assert next(o["label"] for o in question.options) == "Very poor"


def _token(client, qid: int) -> str:
    from tests.helpers import csrf_from

    return csrf_from(client.get(f"/feedback/{qid}").get_data(as_text=True))


def test_answered_questions_cannot_be_orphaned(app: Flask) -> None:
    user, client = _signed_in(app)
    qid = make_questionnaire(app, user, pages=TWO_PAGES)
    _answer_first_page(app, qid)
    ids = question_ids(app, qid)
    token = _token(client, qid)
    deleted = client.post(f"/feedback/{qid}/questions/{ids[0]}/delete", data={"csrf_token": token})
    assert "cannot be deleted" in text_of(client.get(deleted.location))
    with app.app_context():
        actor = db.session.get(User, user)
        question = db.session.get_one(Question, ids[0])
        with pytest.raises(services.WouldOrphanAnswers, match="type cannot change"):
            services.update_question(
                question,
                services.QuestionData(kind="short_text", text="x", section_id=question.section_id),
                actor=actor,
            )
        choice = db.session.get_one(Question, ids[2])
        with pytest.raises(services.WouldOrphanAnswers, match="“Access” has been chosen"):
            services.update_question(
                choice,
                services.QuestionData(
                    kind="single_choice",
                    text=choice.text,
                    section_id=choice.section_id,
                    options=("Mental health", "MSK", "Data"),
                ),
                actor=actor,
            )
        # Rewording the question and adding an option is fine; keys of kept options stay.
        services.update_question(
            choice,
            services.QuestionData(
                kind="single_choice",
                text="Which matters most to you?",
                section_id=choice.section_id,
                options=("Access", "Mental health", "MSK", "Data"),
            ),
            actor=actor,
        )
        assert [o["key"] for o in db.session.get_one(Question, ids[2]).options] == [
            "o1", "o2", "o3", "o4"
        ]  # fmt: skip
        with pytest.raises(services.WouldOrphanAnswers):
            services.update_settings(
                db.session.get_one(Questionnaire, qid),
                services.Settings(title="T", kind="kloe", anonymous=True),
                actor=actor,
            )
        with pytest.raises(services.WouldOrphanAnswers):
            services.delete_questionnaire(db.session.get_one(Questionnaire, qid), actor=actor)
    # The database is the last line of defence.
    with app.app_context(), pytest.raises(IntegrityError):
        db.session.execute(delete(Question).where(Question.id == ids[0]))
        db.session.commit()


def test_a_new_version_copies_questions_and_keeps_every_answer(app: Flask) -> None:
    user, client = _signed_in(app)
    qid = make_questionnaire(app, user, pages=TWO_PAGES)
    _answer_first_page(app, qid)
    response = client.post(f"/feedback/{qid}/new_version", data={"csrf_token": _token(client, qid)})
    assert response.status_code == 302
    with app.app_context():
        old = db.session.get_one(Questionnaire, qid)
        new = db.session.execute(
            select(Questionnaire).where(Questionnaire.previous_version_id == qid)
        ).scalar_one()
        assert old.status == "closed" and new.status == "draft" and new.version == 2
        assert [q.text for q in new.questions] == [q.text for q in old.questions]
        assert db.session.execute(select(func.count(Answer.id))).scalar_one() == 3
        assert db.session.execute(select(func.count(Response.id))).scalar_one() == 1
    assert "Version 2 created" in text_of(client.get(response.location))


def test_publish_needs_questions_and_closing_stops_answers(app: Flask) -> None:
    user, client = _signed_in(app)
    empty = make_questionnaire(app, user, pages=[[]], status="draft")
    client.post(f"/feedback/{empty}/publish", data={"csrf_token": _token(client, empty)})
    assert "Add at least one question" in text_of(client.get(f"/feedback/{empty}"))
    qid = make_questionnaire(app, user, status="draft")
    client.post(f"/feedback/{qid}/publish", data={"csrf_token": _token(client, qid)})
    assert app.test_client().get(f"/q/{public_code(app, qid)}").status_code == 200
    client.post(f"/feedback/{qid}/close", data={"csrf_token": _token(client, qid)})
    assert "closed on" in text_of(app.test_client().get(f"/q/{public_code(app, qid)}"))


def test_only_its_facilitators_and_admins_manage_a_questionnaire(app: Flask) -> None:
    owner = make_staff(app, "facilitator")
    qid = make_questionnaire(app, owner)
    _, other = _signed_in(app, "facilitator")
    assert other.get(f"/feedback/{qid}/settings").status_code == 403
    assert other.get(f"/feedback/{qid}/results").status_code == 403
    _, analyst = _signed_in(app, "analyst")
    assert analyst.get(f"/feedback/{qid}/results").status_code == 200
    assert analyst.get(f"/feedback/{qid}/settings").status_code == 403
    _, admin = _signed_in(app, "admin")
    assert admin.get(f"/feedback/{qid}/settings").status_code == 200
    # A facilitator of the questionnaire's event manages it too.
    event = make_event(app)
    co_facilitator, client = _signed_in(app, "facilitator")
    with app.app_context():
        from ohwb_engage.workshops.models import Event

        the_event = db.session.get_one(Event, event)
        the_event.facilitators.append(db.session.get(User, co_facilitator))
        db.session.get_one(Questionnaire, qid).event_id = event
        db.session.commit()
    assert client.get(f"/feedback/{qid}/settings").status_code == 200


def test_questionnaire_list_filters(app: Flask) -> None:
    user, client = _signed_in(app)
    make_questionnaire(app, user, title="Open KLOE", kind="kloe")
    make_questionnaire(app, user, title="Draft evaluation", kind="session_evaluation",
                       status="draft")  # fmt: skip
    everything = text_of(client.get("/feedback/"))
    assert "Open KLOE" in everything and "Draft evaluation" in everything
    drafts = text_of(client.get("/feedback/?state=draft"))
    assert "Open KLOE" not in drafts and "Draft evaluation" in drafts
    kloes = text_of(client.get("/feedback/?kind=kloe&state=open"))
    assert "Open KLOE" in kloes and "Draft evaluation" not in kloes
