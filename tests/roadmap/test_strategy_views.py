"""The strategy pages over HTTP: staff publish and export; reviewers read and comment."""

from __future__ import annotations

import io
import re

from docx import Document
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ohwb_engage.extensions import db
from ohwb_engage.roadmap.strategy_models import ReviewComment, Reviewer, StrategyVersion
from ohwb_engage.themes.models import ThemeMember
from tests.factories import PASSWORD, make_staff
from tests.helpers import csrf_from, login, submit, text_of
from tests.roadmap.strategy_factories import make_strategy_world
from tests.smtp import SMTPServer


def _signed_in(app: Flask, role: str = "analyst") -> FlaskClient:
    make_staff(app, role, email=f"{role}-strategy@example.org")
    client = app.test_client()
    response = login(client, f"{role}-strategy@example.org", PASSWORD)
    assert response.status_code == 302, text_of(response)
    return client


def _publish(client: FlaskClient, programme_id: int) -> str:
    page = f"/roadmap/programmes/{programme_id}/strategy"
    html = client.get(page).get_data(as_text=True)
    hidden = dict(re.findall(r'name="(lock_version|number)" type="hidden" value="(\d+)"', html))
    response = submit(client, page, hidden, action=f"{page}/publish")
    assert response.status_code == 302, text_of(response)
    return response.location


def _version_id(app: Flask, number: int) -> int:
    with app.app_context():
        return db.session.execute(
            select(StrategyVersion.id).where(StrategyVersion.number == number)
        ).scalar_one()


def test_staff_see_the_live_draft_publish_it_and_export_every_format(app: Flask) -> None:
    world = make_strategy_world(app)
    client = _signed_in(app)
    page = client.get(f"/roadmap/programmes/{world['programme']}/strategy")
    assert page.status_code == 200
    text = text_of(page)
    assert "MSK and physio" in text and "Line managers" in text and "Parking" not in text
    assert "Publish as version 1" in text
    location = _publish(client, world["programme"])
    version_id = _version_id(app, 1)
    assert location.endswith(f"/roadmap/strategy/versions/{version_id}")
    assert "Version 1 published" in text_of(client.get(location))

    docx = client.get(f"/roadmap/strategy/versions/{version_id}/export.docx")
    assert docx.status_code == 200
    assert docx.headers["Content-Disposition"] == (
        'attachment; filename="msk-programme-draft-strategy-v1.docx"'
    )
    opened = Document(io.BytesIO(docx.data))
    level1 = [p.text for p in opened.paragraphs if p.style.name == "Heading 1"]
    assert level1 == ["MSK and physio", "Line managers", "Roadmap timeline", "Appendix: methods"]
    counts = [{r.cells[0].text: r.cells[1].text for r in t.rows} for t in opened.tables[:2]]
    assert [c["Answers"] for c in counts] == ["3", "2"]

    markdown = client.get(f"/roadmap/strategy/versions/{version_id}/export.md")
    assert markdown.mimetype == "text/markdown"
    assert "\n## MSK and physio\n" in markdown.get_data(as_text=True)
    html = client.get(f"/roadmap/strategy/versions/{version_id}/export.html")
    assert html.headers["Content-Disposition"].startswith("inline;")
    assert "css/strategy.css" in html.get_data(as_text=True)
    draft = client.get(f"/roadmap/programmes/{world['programme']}/strategy/draft.docx")
    assert 'working-draft.docx"' in draft.headers["Content-Disposition"]
    with app.app_context():
        from ohwb_engage.audit.models import AuditEntry

        exports = db.session.execute(
            select(AuditEntry.details).where(AuditEntry.action == "strategy.exported")
        ).scalars()
        assert [(d["version"], d["format"]) for d in exports] == [
            (1, "docx"), (1, "md"), (1, "html"), (0, "docx"),
        ]  # fmt: skip


def test_facilitators_cannot_open_the_strategy(app: Flask) -> None:
    world = make_strategy_world(app)
    client = _signed_in(app, "facilitator")
    assert client.get(f"/roadmap/programmes/{world['programme']}/strategy").status_code == 403
    assert client.get("/roadmap/strategy/").status_code == 403


def test_a_stale_edit_is_refused_and_the_newer_draft_kept(app: Flask) -> None:
    world = make_strategy_world(app)
    first, second = _signed_in(app), _signed_in(app, "admin")
    edit = f"/roadmap/programmes/{world['programme']}/strategy/edit"
    stale = csrf_from(second.get(edit).get_data(as_text=True))
    response = submit(
        first,
        edit,
        {"title": "First title", "introduction": "Ours", "lock_version": "0", "number": "1"},
    )
    assert response.status_code == 302
    response = second.post(
        edit,
        data={
            "csrf_token": stale,
            "title": "Second",
            "introduction": "",
            "lock_version": "0",
            "number": "1",
        },
    )
    assert response.status_code == 409
    assert "Someone else changed or published the draft" in text_of(response)
    # Pressing "Publish" twice on one page publishes one version, not two.
    page = f"/roadmap/programmes/{world['programme']}/strategy"
    html = first.get(page).get_data(as_text=True)
    hidden = dict(re.findall(r'name="(lock_version|number)" type="hidden" value="(\d+)"', html))
    for _ in range(2):
        submit(first, page, hidden, action=f"{page}/publish")
    assert text_of(response).startswith("Error:") or "There is a problem" in text_of(response)
    with app.app_context():
        version = db.session.execute(select(StrategyVersion)).scalar_one()
        assert (version.title, version.introduction, version.number) == ("First title", "Ours", 1)
        assert version.published


def test_reviewer_journey_invite_read_comment_resolve_over_real_smtp(
    smtp_app: Flask, smtp: SMTPServer
) -> None:
    app = smtp_app
    world = make_strategy_world(app)
    staff = _signed_in(app)
    _publish(staff, world["programme"])
    reviewers = f"/roadmap/programmes/{world['programme']}/strategy/reviewers"
    response = submit(
        staff,
        reviewers,
        {"name": "Dr Ada Shah", "email": "Ada@Example.org", "role": "steering_group"},
    )
    assert response.status_code == 302, text_of(response)
    mail = smtp.wait_for("ada@example.org")[0]
    assert "draft strategy" in mail.subject
    link = re.search(r"http://localhost(/roadmap/review/\S+)", mail.text()).group(1)

    reviewer = app.test_client()
    page = reviewer.get(link)
    assert page.status_code == 200
    text = text_of(page)
    assert "Draft for review, version 1" in text and "MSK and physio" in text
    section = f"theme-{world['theme:MSK and physio']}"
    response = submit(reviewer, link, {"section": section, "body": "Add the waiting times."})
    assert response.status_code == 302
    assert "Your comments on version 1" in text_of(reviewer.get(link))
    missing = submit(reviewer, link, {"section": section, "body": ""})
    assert missing.status_code == 200 and "Enter your comment" in text_of(missing)

    # The reviewer holds no staff session: staff pages and raw responses send them to sign in.
    for url in (
        f"/roadmap/programmes/{world['programme']}/strategy",
        f"/roadmap/strategy/versions/{_version_id(app, 1)}",
        "/feedback/corpus",
    ):
        assert reviewer.get(url).location.startswith("/login"), url

    version_page = f"/roadmap/strategy/versions/{_version_id(app, 1)}"
    text = text_of(staff.get(version_page))
    assert "Add the waiting times." in text and "Dr Ada Shah, Steering group member" in text
    with app.app_context():
        comment_id = db.session.execute(select(ReviewComment.id)).scalar_one()
    empty = submit(
        staff, version_page, {f"c{comment_id}-note": ""},
        action=f"/roadmap/strategy/comments/{comment_id}/resolve",
    )  # fmt: skip
    assert empty.status_code == 200 and "Enter what the team did" in text_of(empty)
    resolved = submit(
        staff, version_page, {f"c{comment_id}-note": "Added to version 2."},
        action=f"/roadmap/strategy/comments/{comment_id}/resolve", follow=True,
    )  # fmt: skip
    assert "Comment resolved." in text_of(resolved)
    assert "Resolved" in text_of(reviewer.get(link)) and "Added to version 2." in text_of(
        reviewer.get(link)
    )

    # A new version: the reviewer reads it; the old comment stays on version 1.
    _publish(staff, world["programme"])
    assert "version 2" in text_of(reviewer.get(link))
    assert "Add the waiting times." in text_of(staff.get(version_page))


def test_reviewer_links_tampered_revoked_or_unknown_get_pages_with_words(app: Flask) -> None:
    world = make_strategy_world(app)
    staff = _signed_in(app, "admin")
    _publish(staff, world["programme"])
    reviewers = f"/roadmap/programmes/{world['programme']}/strategy/reviewers"
    submit(staff, reviewers, {"name": "Prof Lee", "email": "lee@example.org", "role": "expert"})
    with app.app_context():
        from ohwb_engage.mail.models import OutboxMessage

        body = db.session.execute(select(OutboxMessage.body_text)).scalar_one()
        reviewer_id = db.session.execute(select(Reviewer.id)).scalar_one()
    link = re.search(r"http://localhost(/roadmap/review/\S+)", body).group(1)
    visitor = app.test_client()
    tampered = visitor.get(link[:-3] + "abc")
    assert tampered.status_code == 400 and "This link is not valid" in text_of(tampered)
    assert visitor.get("/roadmap/review/not-a-token").status_code == 400
    assert (
        submit(
            staff, reviewers, {}, action=f"/roadmap/strategy/reviewers/{reviewer_id}/revoke"
        ).status_code
        == 302
    )
    revoked = visitor.get(link)
    assert revoked.status_code == 403 and "withdrawn" in text_of(revoked)
    # A form posted from a page opened before the link was withdrawn is refused too.
    assert visitor.post(link, data={"section": "methods", "body": "x"}).status_code in (400, 403)
    with app.app_context():
        assert db.session.execute(select(ReviewComment)).first() is None


def test_inviting_before_publishing_is_explained(app: Flask) -> None:
    world = make_strategy_world(app)
    staff = _signed_in(app)
    reviewers = f"/roadmap/programmes/{world['programme']}/strategy/reviewers"
    response = submit(staff, reviewers, {"name": "A", "email": "a@example.org", "role": "expert"})
    assert response.status_code == 200 and "Publish a version of the draft first" in text_of(
        response
    )


def test_unknown_ids_are_404_not_500(app: Flask) -> None:
    client = _signed_in(app)
    for url in (
        "/roadmap/programmes/999/strategy",
        "/roadmap/strategy/versions/999",
        "/roadmap/strategy/versions/999/export.docx",
    ):
        assert client.get(url).status_code == 404, url


def test_the_draft_page_follows_a_live_change(app: Flask) -> None:
    world = make_strategy_world(app)
    client = _signed_in(app)
    page = f"/roadmap/programmes/{world['programme']}/strategy"
    assert "| Answers | 3 |" in client.get(f"{page}/draft.md").get_data(as_text=True)
    with app.app_context():
        db.session.add(
            ThemeMember(theme_id=world["theme:MSK and physio"], answer_id=world["answer5"])
        )
        db.session.commit()
    markdown = client.get(f"{page}/draft.md").get_data(as_text=True)
    assert "| Answers | 4 |" in markdown


def test_strategy_pages_are_for_analysts_and_admins_and_only_the_review_page_is_public(
    app: Flask,
) -> None:
    from ohwb_engage.accounts.access import PUBLIC

    access = {
        rule.endpoint: app.view_functions[rule.endpoint].access
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("roadmap.") and "strategy" in rule.endpoint
    }
    assert access.pop("roadmap.review_strategy") == PUBLIC
    assert len(access) == 11
    assert set(access.values()) == {frozenset({"admin", "analyst"})}


def _reviewer_link(app: Flask, staff: FlaskClient, programme_id: int) -> str:
    reviewers = f"/roadmap/programmes/{programme_id}/strategy/reviewers"
    submit(staff, reviewers, {"name": "Prof Lee", "email": "lee@example.org", "role": "expert"})
    with app.app_context():
        from ohwb_engage.mail.models import OutboxMessage

        body = db.session.execute(select(OutboxMessage.body_text)).scalars().all()[-1]
    return re.search(r"http://localhost(/roadmap/review/\S+)", body).group(1)


def test_a_comment_stays_with_the_version_its_author_read(app: Flask) -> None:
    world = make_strategy_world(app)
    staff = _signed_in(app, "admin")
    _publish(staff, world["programme"])
    link = _reviewer_link(app, staff, world["programme"])
    reviewer = app.test_client()
    token = csrf_from(reviewer.get(link).get_data(as_text=True))  # the page shows version 1
    _publish(staff, world["programme"])  # version 2 appears while they write
    response = reviewer.post(
        link, data={"csrf_token": token, "version": "1", "section": "timeline", "body": "Dates?"}
    )
    assert response.status_code == 302
    with app.app_context():
        number = db.session.execute(
            select(StrategyVersion.number).join(ReviewComment.version)
        ).scalar_one()
    assert number == 1
    page = text_of(reviewer.get(link))
    assert "version 2" in page and "1 comment on earlier versions" in page


def test_reviewer_comments_are_rate_limited(app: Flask) -> None:
    app.config["PUBLIC_POST_RATE_LIMIT"] = "2 per minute"
    world = make_strategy_world(app)
    staff = _signed_in(app, "admin")
    _publish(staff, world["programme"])
    link = _reviewer_link(app, staff, world["programme"])
    reviewer = app.test_client()
    token = csrf_from(reviewer.get(link).get_data(as_text=True))
    codes = [
        reviewer.post(
            link, data={"csrf_token": token, "section": "methods", "body": f"n{n}"}
        ).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]


def test_staff_comment_on_a_version_with_clear_errors(app: Flask) -> None:
    world = make_strategy_world(app)
    staff = _signed_in(app)
    _publish(staff, world["programme"])
    page = f"/roadmap/strategy/versions/{_version_id(app, 1)}"
    action = f"{page}/comments"
    empty = submit(staff, page, {"section": "timeline", "body": " "}, action=action)
    assert empty.status_code == 200 and "Enter your comment" in text_of(empty)
    unknown = submit(staff, page, {"section": "theme-999999", "body": "Hm"}, action=action)
    assert unknown.status_code == 200 and "not in this version" in text_of(unknown)
    added = submit(staff, page, {"section": "timeline", "body": "Check dates"}, action=action)
    assert added.status_code == 302 and added.location.endswith("#timeline")
    text = text_of(staff.get(page))
    assert "Check dates" in text and "(programme team)" in text
