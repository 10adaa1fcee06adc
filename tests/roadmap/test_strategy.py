"""Assembly from the live framework and roadmap, versions, reviewer links and comments."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from itsdangerous import TimestampSigner
from sqlalchemy import select

from ohwb_engage.audit.models import AuditEntry
from ohwb_engage.extensions import db
from ohwb_engage.mail.models import OutboxMessage
from ohwb_engage.roadmap import strategy
from ohwb_engage.roadmap.models import Programme, Reference
from ohwb_engage.roadmap.strategy_models import ReviewComment, StrategyVersion
from ohwb_engage.themes.models import Theme, ThemeMember
from tests.factories import make_staff
from tests.roadmap.factories import make_programme
from tests.roadmap.strategy_factories import make_strategy_world, set_priority


def _draft(app: Flask, programme_id: int):
    with app.app_context():
        return strategy.draft_document(db.session.get(Programme, programme_id))


def _user(user_id: int):
    from ohwb_engage.accounts.models import User

    return db.session.get(User, user_id)


def test_one_section_per_priority_theme_with_evidence_and_recommendations(app: Flask) -> None:
    world = make_strategy_world(app)
    document = _draft(app, world["programme"])
    assert [s.title for s in document.sections] == ["MSK and physio", "Line managers"]
    msk, managers = document.sections
    assert msk.key == f"theme-{world['theme:MSK and physio']}"
    assert (msk.evidence.answers, msk.evidence.responses) == (3, 3)
    assert dict(msk.evidence.by_stakeholder_group) == {"OH lead": 2, "OH clinician": 1}
    # The parent's progress is rolled up from its children: (100 + 20) / 2.
    assert [(r.title, r.progress) for r in msk.recommendations] == [
        ("Fast-track physiotherapy", 60)
    ]
    assert msk.recommendations[0].owner == "OH lead, North"
    # Dropped items are neither recommended nor on the timeline.
    assert [r.title for r in managers.recommendations] == ["Manager training"]
    # Quotes are redacted again before they reach reviewers outside the team.
    assert msk.quotes[0].text == "Call me on [phone] about the physio service"
    short, medium, long_ = document.timeline
    assert [(i.title, i.depth) for i in short.items] == [
        ("Fast-track physiotherapy", 0),
        ("Pilot in two trusts", 1),
    ]
    assert [i.title for i in medium.items] == ["Roll out nationally"]
    assert [i.title for i in long_.items] == ["Manager training"]
    methods = document.methods
    assert (methods.answers, methods.answers_in_themes, methods.not_relevant) == (6, 6, 0)
    assert [q.submitted for q in methods.questionnaires] == [6]
    assert methods.questionnaires[0].response_rate is None  # open link, no event


def test_recommendations_cite_their_references(app: Flask) -> None:
    world = make_strategy_world(app)
    with app.app_context():
        db.session.add(
            Reference(
                item_id=world["parent"], kind="academic", title="Thriving at Work",
                authors="Stevenson D, Farmer P", year=2017, url="https://example.org/tw",
            )
        )  # fmt: skip
        db.session.add(Reference(item_id=world["parent"], kind="practice", title="OH Together"))
        db.session.commit()
    recommendation = _draft(app, world["programme"]).sections[0].recommendations[0]
    assert recommendation.references == (
        "Stevenson D, Farmer P (2017). Thriving at Work. Academic evidence. https://example.org/tw",
        "OH Together. Best-practice example.",
    )


def test_assembly_follows_a_live_theme_change_but_a_published_version_does_not(
    app: Flask,
) -> None:
    world = make_strategy_world(app)
    admin = make_staff(app, "admin")
    with app.app_context():
        strategy.publish(world["programme"], 0, actor=_user(admin))
    with app.app_context():
        # An analyst moves the parking answer into MSK and makes Parking a priority.
        db.session.add(
            ThemeMember(theme_id=world["theme:MSK and physio"], answer_id=world["answer5"])
        )
        db.session.commit()
    set_priority(app, [world["theme:Parking"]])
    document = _draft(app, world["programme"])
    assert [s.title for s in document.sections] == ["MSK and physio", "Line managers", "Parking"]
    assert document.sections[0].evidence.answers == 4
    with app.app_context():
        version = db.session.execute(select(StrategyVersion)).scalar_one()
        frozen = strategy.version_document(version)
    assert [s.title for s in frozen.sections] == ["MSK and physio", "Line managers"]
    assert frozen.sections[0].evidence.answers == 3 and frozen.version == 1


def test_publishing_numbers_versions_and_refuses_a_stale_page(app: Flask) -> None:
    world = make_strategy_world(app)
    analyst = make_staff(app, "analyst")
    with app.app_context():
        draft = strategy.save_draft_text(
            world["programme"], "Our strategy", "Why.\n\nHow.", 0, actor=_user(analyst)
        )
        lock = draft.lock_version
        # A second analyst's page still shows "no draft yet": their save is refused.
        with pytest.raises(strategy.StrategyConflict):
            strategy.save_draft_text(world["programme"], "Theirs", "", 0, actor=_user(analyst))
        first = strategy.publish(world["programme"], lock, actor=_user(analyst))
        assert (first.number, first.title, first.published) == (1, "Our strategy", True)
        with pytest.raises(strategy.StrategyConflict):  # the page still shows draft 1
            strategy.publish(world["programme"], lock, actor=_user(analyst))
        second = strategy.publish(world["programme"], 0, actor=_user(analyst))
        assert second.number == 2 and second.title == "Our strategy"
        assert strategy.version_document(second).introduction == "Why.\n\nHow."
        actions = db.session.execute(select(AuditEntry.action)).scalars().all()
    assert actions.count("strategy.published") == 2
    assert "strategy.draft_edited" in actions


def test_publishing_without_a_framework_is_refused_and_leaves_nothing(app: Flask) -> None:
    programme_id = make_programme(app, title="Empty")
    admin = make_staff(app, "admin")
    with app.app_context():
        with pytest.raises(strategy.StrategyError, match="framework"):
            strategy.publish(programme_id, 0, actor=_user(admin))
        db.session.rollback()
        assert db.session.execute(select(StrategyVersion)).first() is None


def test_publishing_with_no_priority_theme_is_refused_and_leaves_nothing(app: Flask) -> None:
    world = make_strategy_world(app)
    set_priority(app, [world["theme:MSK and physio"], world["theme:Line managers"]], False)
    admin = make_staff(app, "admin")
    with app.app_context():
        with pytest.raises(strategy.StrategyError, match="priority"):
            strategy.publish(world["programme"], 0, actor=_user(admin))
        db.session.rollback()
        assert db.session.execute(select(StrategyVersion)).first() is None


def _invite(
    app: Flask, world: dict[str, int], email: str = "expert@example.org"
) -> tuple[int, str]:
    admin = make_staff(app, "admin")
    with app.app_context():
        if strategy.latest_published(world["programme"]) is None:
            strategy.publish(world["programme"], 0, actor=_user(admin))
        reviewer = strategy.invite_reviewer(
            world["programme"], "Dr Ada Shah", email, "expert", actor=_user(admin)
        )
        return reviewer.id, strategy.review_link(reviewer).rsplit("/", 1)[1]


def test_reviewer_links_are_signed_revocable_and_replaced_by_new_invitations(app: Flask) -> None:
    world = make_strategy_world(app)
    reviewer_id, token = _invite(app, world)
    with app.app_context():
        assert strategy.reviewer_from_token(token).id == reviewer_id
        with pytest.raises(strategy.ReviewLinkError) as tampered:
            strategy.reviewer_from_token(token[:-2] + "xx")
        assert tampered.value.code == 400 and "not valid" in str(tampered.value)
        message = db.session.execute(select(OutboxMessage)).scalar_one()
        assert message.to_address == "expert@example.org" and token in message.body_text
        audit = db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "strategy.reviewer_invited")
        ).scalar_one()
        assert "expert@example.org" not in str(audit.details)
    _, newer = _invite(app, world)  # invited again: the first link stops working
    with app.app_context():
        with pytest.raises(strategy.ReviewLinkError, match="newer review link"):
            strategy.reviewer_from_token(token)
        assert strategy.reviewer_from_token(newer).id == reviewer_id
        admin = make_staff(app, "admin")
        strategy.revoke_reviewer(reviewer_id, actor=_user(admin))
        with pytest.raises(strategy.ReviewLinkError, match="withdrawn") as revoked:
            strategy.reviewer_from_token(newer)
        assert revoked.value.code == 403


def test_an_expired_reviewer_link_is_refused_with_words(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_strategy_world(app)
    reviewer_id, _ = _invite(app, world)
    days = app.config["STRATEGY_REVIEW_MAX_AGE_DAYS"]
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(
        TimestampSigner, "get_timestamp", lambda self: real(self) - (days + 1) * 86400
    )
    with app.app_context():
        from ohwb_engage.roadmap.strategy_models import Reviewer

        old = strategy.review_link(db.session.get(Reviewer, reviewer_id)).rsplit("/", 1)[1]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    with app.app_context(), pytest.raises(strategy.ReviewLinkError, match="expired") as exc:
        strategy.reviewer_from_token(old)
    assert exc.value.code == 403


def test_comments_stay_with_their_version_and_resolve_once(app: Flask) -> None:
    world = make_strategy_world(app)
    reviewer_id, _ = _invite(app, world)
    analyst = make_staff(app, "analyst")
    section = f"theme-{world['theme:MSK and physio']}"
    with app.app_context():
        v1 = strategy.latest_published(world["programme"])
        comment = strategy.add_comment(
            v1.id, section, "Cite the NICE guideline.", reviewer_id=reviewer_id
        )
        with pytest.raises(strategy.StrategyError, match="section"):
            strategy.add_comment(v1.id, "theme-999999", "Where?", reviewer_id=reviewer_id)
        with pytest.raises(strategy.StrategyError, match="Enter your comment"):
            strategy.add_comment(v1.id, "methods", "   ", reviewer_id=reviewer_id)
        strategy.resolve_comment(comment.id, "Added in version 2.", actor=_user(analyst))
        with pytest.raises(strategy.StrategyConflict):
            strategy.resolve_comment(comment.id, "Me too", actor=_user(analyst))
        v2 = strategy.publish(world["programme"], 0, actor=_user(analyst))
        assert strategy.comments_by_section(v2) == {}
        kept = strategy.comments_by_section(db.session.get(StrategyVersion, v1.id))[section]
        assert [(c.body, c.resolution_note) for c in kept] == [
            ("Cite the NICE guideline.", "Added in version 2.")
        ]
        assert kept[0].author_label == "Dr Ada Shah, National expert"
        assert db.session.execute(select(ReviewComment.resolved_by_id)).scalar_one() == analyst


def test_themes_not_in_the_framework_never_become_sections(app: Flask) -> None:
    world = make_strategy_world(app)
    other_framework = make_strategy_world(app)["framework"]
    with app.app_context():
        assert db.session.execute(
            select(Theme.id).where(Theme.framework_id == other_framework, Theme.priority)
        ).all()
    document = _draft(app, world["programme"])
    assert len(document.sections) == 2


def test_data_subject_requests_cover_reviewers(app: Flask) -> None:
    from ohwb_engage.privacy import services as privacy

    world = make_strategy_world(app)
    reviewer_id, token = _invite(app, world, email="reviewer@example.org")
    admin = make_staff(app, "admin")
    with app.app_context():
        version = strategy.latest_published(world["programme"])
        comment = strategy.add_comment(
            version.id, "methods", "Say how you coded.", reviewer_id=reviewer_id
        )
        comment_id = comment.id
        strategy.resolve_comment(comment_id, "Coding described.", actor=_user(admin))
        held = privacy.collect("Reviewer@Example.org")["strategy_reviewers"]
        assert [(r["name"], [c["comment"] for c in r["comments"]]) for r in held] == [
            ("Dr Ada Shah", ["Say how you coded."])
        ]
        assert privacy.erase("reviewer@example.org", actor=_user(admin)).reviewers == 1
    with app.app_context():
        with pytest.raises(strategy.ReviewLinkError):
            strategy.reviewer_from_token(token)
        kept = db.session.get(ReviewComment, comment_id)
        assert kept.body == privacy.ERASED_MARK and kept.resolution_note == "Coding described."
        assert privacy.collect("reviewer@example.org")["strategy_reviewers"] == []


def test_racing_publishes_of_one_page_make_one_version(app: Flask) -> None:
    world = make_strategy_world(app)
    analyst = make_staff(app, "analyst")
    outcomes: list[str] = []

    def press() -> None:
        with app.app_context():
            try:
                strategy.publish(world["programme"], 0, actor=_user(analyst), number=1)
                outcomes.append("published")
            except strategy.StrategyConflict:
                outcomes.append("conflict")

    threads = [threading.Thread(target=press) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 3 + ["published"]
    with app.app_context():
        numbers = db.session.execute(select(StrategyVersion.number)).scalars().all()
    assert numbers == [1]
