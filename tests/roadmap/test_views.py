"""Roadmap pages: who may use them, forms with CSRF, clear errors, and a public page that
exists only once published and shows nothing that identifies anyone."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import Answer, Response
from ohwb_engage.roadmap.models import Programme, Reference, RoadmapItem
from tests.factories import PASSWORD, email_of, make_staff
from tests.feedback.factories import make_event
from tests.helpers import csrf_from, login, submit, text_of
from tests.roadmap.factories import make_item, make_programme
from tests.themes.factories import make_answers, make_framework


def _signed_in(app: Flask, role: str) -> FlaskClient:
    user_id = make_staff(app, role)
    client = app.test_client()
    assert login(client, email_of(app, user_id), PASSWORD).status_code == 302
    return client


def _item_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Physiotherapy within a week",
        "description": "Fast-track **MSK** referrals.",
        "parent_id": "",
        "horizon": "short",
        "owner": "National OH team",
        "status": "in_progress",
        "progress": "40",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role, status", [("facilitator", 403), ("analyst", 200), ("admin", 200)])
def test_only_analysts_and_admins_reach_roadmaps(app: Flask, role: str, status: int) -> None:
    programme = make_programme(app)
    item = make_item(app, programme)
    client = _signed_in(app, role)
    for url in ("/roadmap/", f"/roadmap/{programme}", f"/roadmap/items/{item}"):
        assert client.get(url).status_code == status, url


def test_forms_refuse_a_post_without_csrf(app: Flask) -> None:
    programme = make_programme(app)
    client = _signed_in(app, "analyst")
    response = client.post(f"/roadmap/{programme}/items/new", data=_item_form())
    assert response.status_code == 400
    with app.app_context():
        assert db.session.execute(select(RoadmapItem)).first() is None


def test_analyst_builds_a_roadmap_linked_to_themes(app: Flask) -> None:
    answers = make_answers(app, ["physio waits are long", "need faster physio", "rotas"])
    framework, themes = make_framework(app, {"Physio": answers[:2], "Rotas": answers[2:]})
    client = _signed_in(app, "analyst")
    response = submit(
        client,
        "/roadmap/new",
        {"title": "Healthy workforce", "summary": "", "framework_id": framework, "slug": ""},
    )
    assert response.status_code == 302, text_of(response)
    with app.app_context():
        programme = db.session.execute(select(Programme)).scalar_one()
        assert programme.slug == "healthy-workforce"
        programme_id = programme.id
    new_item = f"/roadmap/{programme_id}/items/new"
    parent = submit(
        client, new_item, _item_form(title="MSK", theme_ids=[themes["Physio"]], progress="0")
    )
    assert parent.status_code == 302, text_of(parent)
    with app.app_context():
        parent_id = db.session.execute(select(RoadmapItem.id)).scalar_one()
    submit(client, new_item, _item_form(title="Leaf one", parent_id=parent_id, progress="20"))
    submit(client, new_item, _item_form(title="Leaf two", parent_id=parent_id, status="done"))
    page = client.get(f"/roadmap/{programme_id}")
    text = text_of(page)
    assert page.status_code == 200
    assert "0 to 12 months" in text and "3 to 5 years" in text
    assert "MSK" in text and "60% done" in text  # mean of 20 and 100 (done)
    assert "Evidence: 2 responses in Physio" in text
    item_page = text_of(client.get(f"/roadmap/items/{parent_id}"))
    assert "2 answers from 2 responses" in item_page
    assert "physio waits are long" in item_page  # analysts see the quotes


def test_a_cycle_is_refused_with_a_form_error(app: Flask) -> None:
    programme = make_programme(app)
    top = make_item(app, programme, "Top")
    child = make_item(app, programme, "Child", parent_id=top)
    client = _signed_in(app, "analyst")
    response = submit(
        client,
        f"/roadmap/items/{top}/edit",
        _item_form(title="Top", parent_id=child, lock_version="1"),
    )
    # The child is not even offered as a parent; a forged choice gets a clear message.
    assert response.status_code == 200
    assert "An item cannot sit under itself or under one of its own sub-items" in text_of(response)
    with app.app_context():
        assert db.session.get(RoadmapItem, top).parent_id is None


def test_concurrent_edit_shows_a_conflict_and_keeps_the_first(app: Flask) -> None:
    programme = make_programme(app)
    item = make_item(app, programme, "Original")
    first, second = _signed_in(app, "analyst"), _signed_in(app, "admin")
    url = f"/roadmap/items/{item}/edit"
    token = csrf_from(second.get(url).get_data(as_text=True))  # both open version 1
    saved = submit(first, url, _item_form(title="First", lock_version="1"))
    assert saved.status_code == 302
    late = second.post(
        url, data={"csrf_token": token, **_item_form(title="Second", lock_version="1")}
    )
    assert late.status_code == 409
    assert "Someone else changed this roadmap item" in text_of(late)
    assert 'value="First"' in late.get_data(as_text=True)  # their version is shown
    with app.app_context():
        assert db.session.get(RoadmapItem, item).title == "First"


def test_bad_progress_is_a_form_error_not_a_crash(app: Flask) -> None:
    programme = make_programme(app)
    client = _signed_in(app, "analyst")
    response = submit(client, f"/roadmap/{programme}/items/new", _item_form(progress="150"))
    assert response.status_code == 200
    assert "Enter progress as a whole number from 0 to 100" in text_of(response)


def test_references_are_added_and_removed(app: Flask) -> None:
    programme = make_programme(app)
    item = make_item(app, programme)
    client = _signed_in(app, "analyst")
    page = f"/roadmap/items/{item}"
    bad = submit(
        client,
        page,
        {"kind": "academic", "title": "", "year": "20"},
        action=f"{page}/references",
    )
    assert bad.status_code == 400 and "Enter the reference" in text_of(bad)
    added = submit(
        client,
        page,
        {
            "kind": "practice",
            "title": "Mersey Care's just culture",
            "authors": "Mersey Care NHS FT",
            "year": "2021",
            "url": "https://example.org/just-culture",
            "note": "",
        },
        action=f"{page}/references",
    )
    assert added.status_code == 302
    with app.app_context():
        reference_id = db.session.execute(select(Reference.id)).scalar_one()
    assert "Best-practice example" in text_of(client.get(page))
    removed = submit(client, page, {}, action=f"/roadmap/references/{reference_id}/delete")
    assert removed.status_code == 302
    with app.app_context():
        assert db.session.execute(select(Reference)).first() is None


def test_delete_and_reorder_through_the_pages(app: Flask) -> None:
    programme = make_programme(app)
    first = make_item(app, programme, "First", position=0)
    second = make_item(app, programme, "Second", position=1)
    client = _signed_in(app, "analyst")
    roadmap = f"/roadmap/{programme}"
    assert submit(client, roadmap, {}, action=f"/roadmap/items/{second}/move/up").status_code == 302
    text = text_of(client.get(roadmap))
    assert text.index("Second") < text.index("First")
    delete = f"/roadmap/items/{first}/delete"
    assert submit(client, delete, {"lock_version": "1"}).status_code == 302
    with app.app_context():
        assert db.session.get(RoadmapItem, first) is None


# The public page ---------------------------------------------------------------------------


def _published_programme(app: Flask, *, published: bool = True) -> int:
    event = make_event(app, title="Breakfast Club at St Elsewhere")
    texts = [f"Pat Example at Example Trust wants faster physio {n}" for n in range(6)]
    answers = make_answers(
        app, texts, groups=["OH lead"] * 6, regions=["North West"] * 6, event_id=event
    )
    framework, themes = make_framework(app, {"Faster physio": answers})
    with app.app_context():
        response_ids = db.session.execute(
            select(Answer.response_id).where(Answer.id.in_(answers))
        ).scalars()
        for response in db.session.execute(
            select(Response).where(Response.id.in_(list(response_ids)))
        ).scalars():
            response.organisation = "Example Trust"
        db.session.commit()
    programme = make_programme(
        app, framework_id=framework, slug="healthy-teams", published=published
    )
    make_item(app, programme, "Physio in a week", theme_ids=[themes["Faster physio"]], progress=30)
    return programme


def test_unpublished_public_page_is_404(app: Flask, client: FlaskClient) -> None:
    _published_programme(app, published=False)
    assert client.get("/roadmap/p/healthy-teams").status_code == 404
    assert client.get("/roadmap/p/no-such-page").status_code == 404


def test_public_page_shows_aggregates_and_nothing_identifying(
    app: Flask, client: FlaskClient
) -> None:
    _published_programme(app)
    response = client.get("/roadmap/p/healthy-teams")
    text = text_of(response)
    assert response.status_code == 200
    assert "Faster physio" in text and "6 responses raised this" in text
    assert "OH lead" in text  # a group of six is shown as a count
    assert "Physio in a week" in text and "30% done" in text
    for identifying in ("Pat Example", "Example Trust", "North West", "St Elsewhere", "@"):
        assert identifying not in text, identifying  # no quotes without consent, no event


def test_publishing_from_the_roadmap_page(app: Flask) -> None:
    programme = _published_programme(app, published=False)
    client = _signed_in(app, "analyst")
    roadmap = f"/roadmap/{programme}"
    response = submit(client, roadmap, {}, action=f"/roadmap/{programme}/publish", follow=True)
    assert "Public page published" in text_of(response)
    assert client.get("/roadmap/p/healthy-teams").status_code == 200
    submit(client, roadmap, {}, action=f"/roadmap/{programme}/unpublish")
    assert client.get("/roadmap/p/healthy-teams").status_code == 404


def test_staff_preview_an_unpublished_page(app: Flask) -> None:
    programme = _published_programme(app, published=False)
    assert _signed_in(app, "facilitator").get(f"/roadmap/{programme}/preview").status_code == 403
    page = _signed_in(app, "analyst").get(f"/roadmap/{programme}/preview")
    assert page.status_code == 200
    assert "Preview for staff" in text_of(page) and "Physio in a week" in text_of(page)


def test_programme_edit_conflict_keeps_the_first_save(app: Flask) -> None:
    programme = make_programme(app, title="Original", slug="original")
    first, second = _signed_in(app, "analyst"), _signed_in(app, "admin")
    url = f"/roadmap/{programme}/edit"
    form = {"summary": "", "framework_id": "", "slug": "original", "lock_version": "1"}
    token = csrf_from(second.get(url).get_data(as_text=True))
    assert submit(first, url, {**form, "title": "First"}).status_code == 302
    late = second.post(url, data={"csrf_token": token, **form, "title": "Second"})
    assert late.status_code == 409 and "Someone else changed this programme" in text_of(late)
    with app.app_context():
        assert db.session.get(Programme, programme).title == "First"
