"""The answering pages are cached per process under the questionnaire's structure key: every
edit of a section or question renews the key, so participants never see a stale page."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from ohwb_engage.accounts.models import User
from ohwb_engage.extensions import db
from ohwb_engage.feedback import services, structure
from ohwb_engage.feedback.models import Answer, Question, Questionnaire, Section
from tests.factories import make_staff
from tests.feedback.factories import TWO_PAGES, make_questionnaire, public_code, question_ids
from tests.feedback.helpers import answer_page
from tests.helpers import text_of


def _key(app: Flask, qid: int) -> str:
    with app.app_context():
        return db.session.get(Questionnaire, qid).structure_key


def _page(client, path: str, page: int = 1) -> str:
    return text_of(client.get(f"{path}?page={page}"))


def test_every_structure_edit_shows_on_the_next_page_view(app: Flask, client) -> None:
    staff = make_staff(app, "facilitator")
    qid = make_questionnaire(app, staff, pages=TWO_PAGES)
    path = f"/q/{public_code(app, qid)}"
    first, second, *_ = question_ids(app, qid)
    assert "What works well for staff wellbeing" in _page(client, path)
    assert structure.cached_keys()[qid] == _key(app, qid)

    with app.app_context():
        actor = db.session.get(User, staff)
        question = db.session.get(Question, first)
        data = services.QuestionData(
            kind="long_text", text="What would help you most at work?",
            section_id=question.section_id, required=True,
        )  # fmt: skip
        services.update_question(question, data, actor=actor)
    shown = _page(client, path)
    assert "What would help you most at work?" in shown
    assert "What works well for staff wellbeing" not in shown

    with app.app_context():
        actor = db.session.get(User, staff)
        services.delete_question(db.session.get(Question, second), actor=actor)
    assert "How well does support meet staff needs?" not in _page(client, path)

    with app.app_context():
        actor = db.session.get(User, staff)
        questionnaire = db.session.get(Questionnaire, qid)
        services.add_section(questionnaire, "A new first page", "", actor=actor)
        section = db.session.execute(
            select(Section).where(Section.title == "A new first page")
        ).scalar_one()
        services.add_question(
            questionnaire,
            services.QuestionData(kind="short_text", text="Your team", section_id=section.id),
            actor=actor,
        )
        for _ in range(2):  # to the top
            services.move_section(db.session.get(Section, section.id), -1, actor=actor)
    assert "Your team" in _page(client, path, 1)
    assert "Page 1 of 3" in _page(client, path, 1)
    assert "What would help you most at work?" in _page(client, path, 2)


def test_an_answer_is_checked_against_the_edited_questions(app: Flask, client) -> None:
    """The server-side check uses the cached shapes too: an option added after the first
    view is accepted at once, and the answer lands on the right question."""
    staff = make_staff(app, "facilitator")
    qid = make_questionnaire(
        app, staff, pages=[[("single_choice", "Which matters most?", True, ("Access", "MSK"))]]
    )
    path = f"/q/{public_code(app, qid)}"
    (question_id,) = question_ids(app, qid)
    assert "Access" in _page(client, path)
    with app.app_context():
        actor = db.session.get(User, staff)
        question = db.session.get(Question, question_id)
        services.update_question(
            question,
            services.QuestionData(
                kind="single_choice",
                text="Which matters most?",
                section_id=question.section_id,
                required=True,
                options=("Access", "MSK", "Mental health"),
            ),
            actor=actor,
        )
        new_key = next(
            o["key"] for o in db.session.get(Question, question_id).options
            if o["label"] == "Mental health"
        )  # fmt: skip
    done = answer_page(
        client, path, {f"q{question_id}": new_key, "stakeholder_group": "none", "consent": "y"}
    )
    assert done.status_code == 303, text_of(done)
    with app.app_context():
        answer = db.session.execute(select(Answer)).scalar_one()
        assert (answer.question_id, answer.choices) == (question_id, [new_key])


def test_only_a_real_change_renews_the_key(app: Flask) -> None:
    staff = make_staff(app, "facilitator")
    qid = make_questionnaire(app, staff, pages=TWO_PAGES)
    other = make_questionnaire(app, staff, pages=TWO_PAGES)
    before, untouched = _key(app, qid), _key(app, other)
    with app.app_context():
        question = db.session.get(Question, question_ids(app, qid)[0])
        question.text = question.text  # the same value: not a change
        db.session.commit()
    assert _key(app, qid) == before
    with app.app_context():
        db.session.get(Question, question_ids(app, qid)[0]).help_text = "New hint"
        db.session.commit()
    renewed = _key(app, qid)
    assert renewed != before and _key(app, other) == untouched
    with app.app_context():  # a section's own edit counts too
        section = db.session.execute(
            select(Section).where(Section.questionnaire_id == qid)
        ).scalars().first()  # fmt: skip
        section.description = "Changed"
        db.session.commit()
    assert _key(app, qid) != renewed


def test_a_cached_form_class_gives_every_request_the_same_fields(app: Flask, client) -> None:
    """Form classes serve every request: building a form must not grow the field's filters
    (the trimmed fields once appended to the caller's list each time)."""
    staff = make_staff(app, "facilitator")
    qid = make_questionnaire(app, staff, pages=TWO_PAGES)
    path = f"/q/{public_code(app, qid)}"
    first = question_ids(app, qid)[0]
    for _ in range(3):
        assert client.get(path).status_code == 200
    with app.test_request_context():
        questionnaire = db.session.get(Questionnaire, qid)
        (variant, cls), *_ = structure._cache[qid].forms.items()
        counts = {len(cls()[f"q{first}"].filters) for _ in range(3)}
        assert counts == {2}, variant  # the text clean-up and the trim, once each
        assert structure.answer_pages(questionnaire)[0].questions[0].id == first
