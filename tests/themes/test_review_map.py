""" "Map all": a mapping run as a job that keeps the analysts' coding and says what to code next."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, update

from ohwb_engage.extensions import db
from ohwb_engage.themes import review_map
from ohwb_engage.themes.models import (
    Framework,
    FrameworkAnswer,
    FrameworkChange,
    Theme,
    ThemeMember,
    ThemeRun,
)
from ohwb_engage.themes.review_map import run_map
from ohwb_engage.themes.runs import fail_run
from tests.factories import PASSWORD, make_staff
from tests.helpers import login, submit, text_of
from tests.themes.factories import make_answers, make_framework

TOPICS = {
    "Food": [
        "hot food for the night shift in the canteen",
        "healthy meals and snacks on the ward",
        "the canteen closes early and the food is cold",
        "vending machine food is poor, we need fresh meals",
    ],
    "Parking": [
        "parking spaces in the staff car park are full",
        "car park permits cost too much money",
        "finding a parking space makes me late for my shift",
        "more parking near the entrance for staff cars",
    ],
    "Rest": [
        "a quiet rest room to take a break away from the ward",
        "somewhere to sit and rest during breaks",
        "break rooms with windows and comfortable chairs",
        "time to rest and take proper breaks on long shifts",
    ],
}
EXTRA = [" please", " really", " every day", " for everyone", " soon", " at last", " again"]


def _arrange(app: Flask, coded_per_theme: int) -> dict:
    """21 answers per topic; the first two are the theme's members, some more are coded."""
    make_staff(app, "analyst", email="analyst@example.org")
    texts, topic_of = [], []
    for topic, phrases in TOPICS.items():
        for n in range(21):
            texts.append(phrases[n % 4] + EXTRA[n % 7])
            topic_of.append(topic)
    ids = make_answers(app, texts)
    by_topic = {t: [a for a, k in zip(ids, topic_of, strict=True) if k == t] for t in TOPICS}
    framework_id, themes = make_framework(app, {t: by_topic[t][:2] for t in TOPICS})
    with app.app_context():
        for answer_id in ids:
            if db.session.get(FrameworkAnswer, (framework_id, answer_id)) is None:
                db.session.add(FrameworkAnswer(framework_id=framework_id, answer_id=answer_id))
        for topic in TOPICS:
            for answer_id in by_topic[topic][2 : 2 + coded_per_theme]:
                db.session.add(
                    ThemeMember(theme_id=themes[topic], answer_id=answer_id, source="coded")
                )
        # An analyst moved one parking answer into Rest: the mapping must leave it there.
        db.session.add(
            ThemeMember(theme_id=themes["Rest"], answer_id=by_topic["Parking"][20], source="moved")
        )
        db.session.commit()
    return {"framework": framework_id, "themes": themes, "ids": ids, "by_topic": by_topic}


def _client(app: Flask):
    client = app.test_client()
    login(client, "analyst@example.org", PASSWORD)
    return client


def test_map_all_places_every_answer_keeps_coding_and_lists_what_to_code_next(
    app: Flask,
) -> None:
    ws = _arrange(app, coded_per_theme=8)
    client = _client(app)
    page = f"/themes/frameworks/{ws['framework']}/map"
    assert submit(client, page, {}).status_code == 302  # inline jobs in tests: done on return
    shown = client.get(page)
    text = text_of(shown)
    assert "Mapped 63 answers" in text
    assert "Agreement with your coding on" in text and "micro F1" in text
    assert "Code these next" in text
    with app.app_context():
        run = db.session.execute(select(ThemeRun)).scalar_one()
        assert (run.kind, run.status, run.progress) == ("map", "succeeded", 1.0)
        assert len(run.summary["to_code"]) == 20
        assert run.summary["agreement"]["n"] >= 4
        members = db.session.execute(
            select(ThemeMember.theme_id, ThemeMember.answer_id, ThemeMember.source)
        ).all()
        sources = {(t, a): s for t, a, s in members}
        themes, by_topic = ws["themes"], ws["by_topic"]
        assert sources[(themes["Food"], by_topic["Food"][2])] == "coded"
        assert sources[(themes["Rest"], by_topic["Parking"][20])] == "moved"
        assert "discovered" not in sources.values()
        mapped = [(t, a) for (t, a), s in sources.items() if s == "mapped"]
        right = sum(
            1 for t, a in mapped for topic in TOPICS if a in by_topic[topic] and t == themes[topic]
        )
        assert len(mapped) >= 30 and right / len(mapped) > 0.8
        confidences = db.session.execute(select(FrameworkAnswer.map_confidence)).scalars().all()
        assert all(c is not None and 0 <= c <= 1 for c in confidences)
        assert db.session.get(Theme, themes["Food"]).member_count >= 10
        change = db.session.execute(select(FrameworkChange)).scalar_one()
        assert change.action == "map" and change.version == 2


def test_code_next_from_the_map_page_codes_the_suggested_answers(app: Flask) -> None:
    ws = _arrange(app, coded_per_theme=2)
    client = _client(app)
    page = f"/themes/frameworks/{ws['framework']}/map"
    submit(client, page, {})
    with app.app_context():
        suggested = db.session.execute(select(ThemeRun)).scalar_one().summary["to_code"][:2]
    assert "Code at least 20 responses" in text_of(client.get(page))
    done = submit(
        client,
        page,
        {"answer_ids": suggested, "action": "code", "target": ws["themes"]["Food"]},
        action=f"/themes/frameworks/{ws['framework']}/responses",
    )
    assert done.location.endswith("/map")
    with app.app_context():
        for answer_id in suggested:
            member = db.session.get(ThemeMember, (ws["themes"]["Food"], answer_id))
            assert member.source == "coded"


def test_map_refuses_a_framework_without_themes_and_reports_a_failed_run(app: Flask) -> None:
    make_staff(app, "analyst", email="analyst@example.org")
    with app.app_context():
        empty = Framework(name="Empty")
        db.session.add(empty)
        db.session.commit()
        empty_id = empty.id
    only_blank = make_answers(app, ["   "])
    blank_id, _ = make_framework(app, {"Blank": only_blank})
    client = _client(app)
    refused = submit(client, f"/themes/frameworks/{empty_id}/map", {}, follow=True)
    assert "no themes to map answers to" in text_of(refused)
    failed = submit(client, f"/themes/frameworks/{blank_id}/map", {}, follow=True)
    assert failed.status_code == 200
    assert "The mapping failed: there are no answers with text" in text_of(failed)
    with app.app_context():
        run = db.session.execute(select(ThemeRun)).scalar_one()
        assert run.status == "failed"
        assert db.session.get(Framework, blank_id).version == 1


def test_a_running_mapping_shows_its_progress_and_refreshes_itself(app: Flask) -> None:
    ws = _arrange(app, coded_per_theme=0)
    with app.app_context():
        db.session.add(
            ThemeRun(
                framework_id=ws["framework"],
                kind="map",
                status="running",
                progress=0.42,
                progress_message="Training",
            )
        )
        db.session.commit()
    client = _client(app)
    page = client.get(f"/themes/frameworks/{ws['framework']}/map")
    html = page.get_data(as_text=True)
    assert "Training: 42% done" in text_of(page)
    assert '<meta http-equiv="refresh" content="5">' in html
    # No button for a second run while one is going (and a forged POST is refused).
    assert f'action="/themes/frameworks/{ws["framework"]}/map"' not in html
    again = submit(
        client,
        f"/themes/frameworks/{ws['framework']}",
        {},
        action=f"/themes/frameworks/{ws['framework']}/map",
        follow=True,
    )
    assert "already running" in text_of(again)


def test_a_mapping_job_delivered_twice_maps_once(app: Flask) -> None:
    ws = _arrange(app, coded_per_theme=8)
    submit(_client(app), f"/themes/frameworks/{ws['framework']}/map", {})
    with app.app_context():
        run = db.session.execute(select(ThemeRun)).scalar_one()
        before = db.session.execute(select(ThemeMember.theme_id, ThemeMember.answer_id)).all()
        assert run_map(run.id) == "skipped"  # RQ delivered it again: already succeeded
        db.session.expire_all()
        again = db.session.get(ThemeRun, run.id)
        assert (again.status, again.attempts) == ("succeeded", 1)
        assert db.session.execute(select(FrameworkChange)).scalars().all()[-1].version == 2
        after = db.session.execute(select(ThemeMember.theme_id, ThemeMember.answer_id)).all()
        assert sorted(after) == sorted(before)


def test_a_superseded_mapping_attempt_writes_nothing_and_cannot_fail_the_run(
    app: Flask, monkeypatch
) -> None:
    """Another attempt took the run while this one worked: its result and its failure are
    both dropped, and the run is left as the newer attempt has it."""
    ws = _arrange(app, coded_per_theme=8)
    with app.app_context():
        run = ThemeRun(framework_id=ws["framework"], kind="map", status="queued", config={})
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        original_write = review_map._write

        def taken_over(run_id, attempt, *args):
            db.session.execute(
                update(ThemeRun).where(ThemeRun.id == run_id).values(attempts=attempt + 1)
            )
            db.session.commit()
            original_write(run_id, attempt, *args)

        monkeypatch.setattr(review_map, "_write", taken_over)
        assert run_map(run_id) == "superseded"
        db.session.expire_all()
        run = db.session.get(ThemeRun, run_id)
        assert (run.status, run.attempts, run.error) == ("running", 2, None)
        mapped = db.session.execute(select(ThemeMember).where(ThemeMember.source == "mapped")).all()
        assert mapped == []
        fail_run(run_id, 1, "stale attempt")  # the old attempt's failure is fenced too
        db.session.expire_all()
        assert db.session.get(ThemeRun, run_id).status == "running"
