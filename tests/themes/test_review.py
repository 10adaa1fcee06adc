"""The review workspace: the theme list, drill-down, and every change an analyst makes.

Arranged with the analysis factories in their own context, acted on through the client with
CSRF on, and checked in a fresh context: sizes, memberships, versions and the audit log.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from ohwb_engage.audit.models import AuditEntry
from ohwb_engage.extensions import db
from ohwb_engage.themes.models import (
    Framework,
    FrameworkAnswer,
    FrameworkChange,
    Theme,
    ThemeMember,
)
from tests.factories import PASSWORD, make_staff
from tests.helpers import login, submit, text_of
from tests.themes.factories import make_answers, make_framework
from tests.workshops.factories import make_event

FOOD = [
    "The canteen food was cold and there is nothing healthy to eat at night",
    "Healthy food at night would help, the canteen closes too early",
    "Hot meals for night shift staff, the vending machine food is poor",
    "Better food options in the canteen after eight in the evening",
    "Night workers cannot get a hot meal anywhere on site",
    "Fresh fruit and healthy snacks on the wards instead of biscuits",
]
PARKING = [
    "Parking is impossible, I spend twenty minutes finding a space",
    "Staff car park is full by seven in the morning",
    "Parking permits cost too much for part time staff",
    "The car park barrier breaks and we are late for shifts",
    "More parking spaces near the hospital entrance please",
    "Free parking for night shift staff would make a real difference",
]
REST = [
    "A quiet rest room to take breaks away from the ward",
    "Somewhere to sit down during breaks that is not the corridor",
    "Break rooms are always full and have no windows",
]


@pytest.fixture
def workspace(app: Flask) -> dict:
    """A framework of three themes with groups, regions, an event and one anonymous answer."""
    analyst = make_staff(app, "analyst", email="analyst@example.org")
    event = make_event(app, title="Wellbeing workshop")
    groups = ["OH lead", "Academic", None] * 5
    ids = make_answers(
        app,
        FOOD + PARKING,
        groups=groups[:12],
        regions=["London", "North West"] * 6,
        event_id=event,
    )
    rest = make_answers(app, REST, anonymous=True)
    sentiments = {a: (-0.5 if a in ids[:6] else 0.25) for a in ids + rest}
    framework_id, themes = make_framework(
        app,
        {"Food at night": ids[:6], "Parking": ids[6:], "Rest areas": rest},
        sentiments=sentiments,
    )
    return {
        "analyst": analyst,
        "event": event,
        "food_ids": ids[:6],
        "parking_ids": ids[6:],
        "rest_ids": rest,
        "framework": framework_id,
        "themes": themes,
    }


def _signed_in(app: Flask, email: str = "analyst@example.org"):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


def _base(ws: dict) -> str:
    return f"/themes/frameworks/{ws['framework']}"


def test_framework_page_lists_themes_with_size_share_sentiment_terms_and_quotes(
    app: Flask, workspace: dict
) -> None:
    with app.app_context():
        theme = db.session.get(Theme, workspace["themes"]["Parking"])
        theme.terms = [["car park", 0.9], ["permits", 0.5]]
        db.session.commit()
    client = _signed_in(app)
    listing_page = client.get("/themes/frameworks").get_data(as_text=True)
    assert 'href="/themes/runs/new"' in listing_page  # new frameworks start from a run
    listing = text_of(client.get("/themes/frameworks"))
    assert "Test framework 3 1" in listing  # name, themes, version
    response = client.get(_base(workspace))
    assert response.status_code == 200
    assert "car park, permits" in text_of(response)
    page = text_of(response)
    assert "Food at night" in page and "Parking" in page and "Rest areas" in page
    assert "15 relevant answers" in page
    assert "40.0%" in page  # 6 of 15
    assert "Negative (-0.50)" in page
    assert FOOD[0][:40] in page  # a representative quote
    html = response.get_data(as_text=True)
    assert "<svg" in html and 'role="img"' in html
    assert 'style="' not in html  # the CSP forbids inline styles


def test_theme_page_drills_down_with_context_and_pagination(app: Flask, workspace: dict) -> None:
    client = _signed_in(app)
    url = f"{_base(workspace)}/themes/{workspace['themes']['Food at night']}"
    page = text_of(client.get(url))
    for text in FOOD:
        assert text in page
    assert "Wellbeing workshop" in page and "OH lead" in page and "London" in page
    assert "What would make the biggest difference?" in page
    rest = text_of(client.get(f"{_base(workspace)}/themes/{workspace['themes']['Rest areas']}"))
    assert REST[0] in rest and "No event" in rest and "London" not in rest
    with app.app_context():
        more = make_answers(app, [f"Another canteen comment number {n}" for n in range(30)])
        theme = db.session.get(Theme, workspace["themes"]["Food at night"])
        db.session.add_all(ThemeMember(theme_id=theme.id, answer_id=a) for a in more)
        db.session.commit()
    first = text_of(client.get(url))
    second = text_of(client.get(url + "?page=2"))
    assert "Showing 1 to 25 of 36" in first
    assert "Showing 26 to 36 of 36" in second


def test_breakdown_by_group_event_region_and_month_with_tables(app: Flask, workspace: dict) -> None:
    client = _signed_in(app)
    theme_id = workspace["themes"]["Food at night"]
    response = client.get(f"{_base(workspace)}/themes/{theme_id}/breakdown")
    assert response.status_code == 200
    page = text_of(response)
    assert "By stakeholder group" in page and "By month" in page
    assert "OH lead 2" in page and "Academic 2" in page and "Not given 2" in page
    assert "Wellbeing workshop 6" in page
    assert "London 3" in page and "North West 3" in page
    assert response.get_data(as_text=True).count('class="app-chart"') == 4


def test_rename_and_describe_records_a_version_and_an_audit_entry(
    app: Flask, workspace: dict
) -> None:
    client = _signed_in(app)
    theme_id = workspace["themes"]["Parking"]
    url = f"{_base(workspace)}/themes/{theme_id}/edit"
    response = submit(
        client,
        url,
        {"name": "Car parking", "description": "Getting to work on time.", "lock_version": "1"},
    )
    assert response.status_code == 302
    with app.app_context():
        theme = db.session.get(Theme, theme_id)
        assert (theme.name, theme.description) == ("Car parking", "Getting to work on time.")
        framework = db.session.get(Framework, workspace["framework"])
        assert framework.version == 2
        change = db.session.execute(select(FrameworkChange)).scalar_one()
        assert change.version == 2 and change.action == "rename"
        assert change.actor_label.startswith("Analyst")
        assert {"name": "Car parking", "size": 6} in [
            {k: t[k] for k in ("name", "size")} for t in change.snapshot
        ]
        assert db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "themes.rename")
        ).scalar_one()


def test_second_analyst_editing_the_same_theme_gets_a_conflict_and_nothing_is_overwritten(
    app: Flask, workspace: dict
) -> None:
    make_staff(app, "analyst", email="second@example.org")
    first, second = _signed_in(app), _signed_in(app, "second@example.org")
    url = f"{_base(workspace)}/themes/{workspace['themes']['Parking']}/edit"
    from tests.helpers import csrf_from

    first_page = first.get(url).get_data(as_text=True)
    second_page = second.get(url).get_data(as_text=True)
    assert 'name="lock_version"' in second_page
    saved = first.post(
        url,
        data={
            "csrf_token": csrf_from(first_page),
            "name": "Car parking",
            "description": "",
            "lock_version": "1",
        },
    )
    assert saved.status_code == 302
    clash = second.post(
        url,
        data={
            "csrf_token": csrf_from(second_page),
            "name": "Parking and travel",
            "description": "Overwrites?",
            "lock_version": "1",
        },
    )
    assert clash.status_code == 409
    assert "Someone else changed the theme" in text_of(clash)
    assert "Nothing you typed was saved" in text_of(clash)
    with app.app_context():
        theme = db.session.get(Theme, workspace["themes"]["Parking"])
        assert theme.name == "Car parking" and theme.description == ""
        assert db.session.get(Framework, workspace["framework"]).version == 2


def test_priority_merge_and_refusing_a_merge_with_itself(app: Flask, workspace: dict) -> None:
    client = _signed_in(app)
    food, parking = workspace["themes"]["Food at night"], workspace["themes"]["Parking"]
    theme_url = f"{_base(workspace)}/themes/{food}"
    assert submit(client, theme_url, {}, action=f"{theme_url}/priority/on").status_code == 302
    edit = f"{theme_url}/edit"
    itself = submit(
        client, edit, {"merge-others": [food]}, action=f"{theme_url}/merge", follow=True
    )
    assert "cannot be merged with itself" in text_of(itself)
    merged = submit(client, edit, {"merge-others": [parking]}, action=f"{theme_url}/merge")
    assert merged.status_code == 302
    with app.app_context():
        assert db.session.get(Theme, parking) is None
        theme = db.session.get(Theme, food)
        assert theme.priority and theme.member_count == 12
        assert abs(theme.sentiment_sum - (-3.0 + 1.5)) < 1e-9
        versions = db.session.execute(
            select(FrameworkChange.action).order_by(FrameworkChange.version)
        ).scalars()
        assert list(versions) == ["priority", "merge"]


def test_move_remove_code_and_not_relevant_keep_the_counts_right(
    app: Flask, workspace: dict
) -> None:
    client = _signed_in(app)
    food, parking = workspace["themes"]["Food at night"], workspace["themes"]["Parking"]
    action = f"{_base(workspace)}/responses"
    page = f"{_base(workspace)}/themes/{food}"
    moved = workspace["food_ids"][:2]
    submit(
        client,
        page,
        {"answer_ids": moved, "action": "move", "target": parking, "from_theme": food},
        action=action,
    )
    removed = workspace["food_ids"][2]
    submit(
        client,
        page,
        {"answer_ids": [removed], "action": "remove", "from_theme": food},
        action=action,
    )
    coded = workspace["food_ids"][3]
    submit(
        client,
        page,
        {"answer_ids": [coded], "action": "code", "target": parking, "from_theme": food},
        action=action,
    )
    dropped = workspace["parking_ids"][0]
    submit(
        client,
        page,
        {"answer_ids": [dropped], "action": "not_relevant", "from_theme": food},
        action=action,
    )
    with app.app_context():
        sources = dict(
            db.session.execute(
                select(ThemeMember.answer_id, ThemeMember.source).where(
                    ThemeMember.theme_id == parking
                )
            ).all()
        )
        assert sources[moved[0]] == sources[moved[1]] == "moved"
        assert sources[coded] == "coded"
        assert db.session.get(Theme, food).member_count == 3  # 6 - 2 moved - 1 removed
        # 6 + 2 moved + 1 coded - 1 not relevant
        assert db.session.get(Theme, parking).member_count == 8
        assert db.session.get(FrameworkAnswer, (workspace["framework"], dropped)).not_relevant
        assert db.session.get(Framework, workspace["framework"]).version == 5


def test_bad_actions_give_messages_not_errors(app: Flask, workspace: dict) -> None:
    client = _signed_in(app)
    food = workspace["themes"]["Food at night"]
    page = f"{_base(workspace)}/themes/{food}"
    action = f"{_base(workspace)}/responses"
    nothing = submit(
        client,
        page,
        {"action": "move", "target": food, "from_theme": food},
        action=action,
        follow=True,
    )
    assert "Select at least one response" in text_of(nothing)
    same = submit(
        client,
        page,
        {
            "answer_ids": workspace["food_ids"][:1],
            "action": "move",
            "target": food,
            "from_theme": food,
        },
        action=action,
        follow=True,
    )
    assert "Choose a different theme" in text_of(same)
    elsewhere = submit(
        client,
        page,
        {"answer_ids": workspace["parking_ids"][:1], "action": "remove", "from_theme": food},
        action=action,
        follow=True,
    )
    assert "no longer in this theme" in text_of(elsewhere)
    split = submit(client, f"{page}/edit", {"split-parts": "1"}, action=f"{page}/split")
    assert split.status_code == 400 and "between 2 and 10" in text_of(split)
    assert client.get(f"{_base(workspace)}/themes/987654").status_code == 404
    assert client.get(f"{_base(workspace)}/history/compare?a=1&b=99").status_code == 400
    with app.app_context():
        assert db.session.get(Framework, workspace["framework"]).version == 1


def test_split_refuses_a_tiny_theme_and_splits_a_mixed_one(app: Flask, workspace: dict) -> None:
    client = _signed_in(app)
    rest = workspace["themes"]["Rest areas"]
    page = f"{_base(workspace)}/themes/{rest}"
    tiny = submit(client, f"{page}/edit", {"split-parts": "2"}, action=f"{page}/split", follow=True)
    assert "splitting needs at least 6" in text_of(tiny)
    food, parking = workspace["themes"]["Food at night"], workspace["themes"]["Parking"]
    food_page = f"{_base(workspace)}/themes/{food}"
    submit(client, f"{food_page}/edit", {"merge-others": [parking]}, action=f"{food_page}/merge")
    done = submit(client, f"{food_page}/edit", {"split-parts": "2"}, action=f"{food_page}/split")
    assert done.status_code == 302
    with app.app_context():
        themes = (
            db.session.execute(select(Theme).where(Theme.framework_id == workspace["framework"]))
            .scalars()
            .all()
        )
        assert len(themes) == 3
        sizes = sorted(t.member_count for t in themes if t.id != rest)
        assert sum(sizes) == 12 and min(sizes) > 0
        change = (
            db.session.execute(select(FrameworkChange).order_by(FrameworkChange.version.desc()))
            .scalars()
            .first()
        )
        assert change.action == "split" and len(change.snapshot) == 3
        # The split is kept as a run: its configuration and the 12 answers it saw.
        from ohwb_engage.themes.models import RunItem, RunTheme, ThemeRun

        run = db.session.execute(select(ThemeRun)).scalar_one()
        assert (run.kind, run.status, run.target_theme_id) == ("split", "succeeded", food)
        assert run.config["max_themes"] == 2 and run.corpus_size == 12
        assert len(db.session.execute(select(RunItem)).all()) == 12
        assert len(db.session.execute(select(RunTheme)).all()) == 2
        assert change.details["run_id"] == run.id


def test_history_and_version_comparison_side_by_side(app: Flask, workspace: dict) -> None:
    client = _signed_in(app)
    base = _base(workspace)
    parking = workspace["themes"]["Parking"]
    submit(
        client,
        f"{base}/themes/{parking}/edit",
        {"name": "Car parking", "description": "", "lock_version": "1"},
    )
    rest_page = f"{base}/themes/{workspace['themes']['Rest areas']}"
    submit(
        client,
        f"{rest_page}/edit",
        {"merge-others": [workspace["themes"]["Food at night"]]},
        action=f"{rest_page}/merge",
    )
    history = text_of(client.get(f"{base}/history"))
    assert "Renamed “Parking” to “Car parking”" in history and "Merged “Food at night”" in history
    compared = text_of(client.get(f"{base}/history/compare?a=2&b=3"))
    assert "Food at night 6 (not there) Removed" in compared
    assert "Rest areas 3 Rest areas 9 Changed size (+6)" in compared
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(FrameworkChange)).scalar() == 2


def test_facilitator_sees_counts_for_own_event_only_and_no_workspace(
    app: Flask, workspace: dict
) -> None:
    facilitator = make_staff(app, "facilitator", email="fac@example.org")
    other = make_staff(app, "facilitator", email="other@example.org")
    with app.app_context():
        from ohwb_engage.accounts.models import User
        from ohwb_engage.workshops.models import Event

        event = db.session.get(Event, workspace["event"])
        event.facilitators.append(db.session.get(User, facilitator))
        db.session.commit()
    own = _signed_in(app, "fac@example.org")
    overview = own.get(f"/events/manage/{workspace['event']}").get_data(as_text=True)
    assert f'href="/themes/events/{workspace["event"]}"' in overview  # reachable from the event
    page = own.get(f"/themes/events/{workspace['event']}")
    assert page.status_code == 200
    text = text_of(page)
    assert "Food at night 6" in text and "Parking 6" in text
    assert FOOD[0] not in text  # counts, never the answers
    assert own.get(_base(workspace)).status_code == 403
    assert own.get(f"{_base(workspace)}/export/responses.csv").status_code == 403
    assert (
        other
        and _signed_in(app, "other@example.org")
        .get(f"/themes/events/{workspace['event']}")
        .status_code
        == 403
    )


def test_two_runs_side_by_side(app: Flask, workspace: dict) -> None:
    from ohwb_engage.themes.models import RunTheme, ThemeRun

    with app.app_context():
        runs = []
        for n, labels in enumerate([("canteen food", "parking"), ("food", "car park", "rest")]):
            run = ThemeRun(
                framework_id=workspace["framework"],
                status="succeeded",
                corpus_size=15,
                config={"random_state": n},
            )
            db.session.add(run)
            db.session.flush()
            db.session.add_all(
                RunTheme(run_id=run.id, index=i, label=label, size=5 + i, terms=[[label, 1.0]])
                for i, label in enumerate(labels)
            )
            runs.append(run.id)
        db.session.commit()
    client = _signed_in(app)
    history = text_of(client.get(f"{_base(workspace)}/history"))
    assert "Compare two runs" in history
    page = text_of(client.get(f"/themes/runs/compare?a={runs[0]}&b={runs[1]}"))
    assert f"Run {runs[0]}" in page and f"Run {runs[1]}" in page
    assert "canteen food" in page and "car park" in page and "seed 1" in page
    assert client.get(f"/themes/runs/compare?a={runs[0]}&b=987654").status_code == 400


def test_malformed_edits_get_form_errors_and_change_nothing(app: Flask, workspace: dict) -> None:
    client = _signed_in(app)
    theme_id = workspace["themes"]["Parking"]
    url = f"{_base(workspace)}/themes/{theme_id}/edit"
    too_long = submit(client, url, {"name": "x" * 201, "description": "", "lock_version": "1"})
    assert too_long.status_code == 200 and "Field cannot be longer than 200" in text_of(too_long)
    blank = submit(client, url, {"name": "  ", "description": "", "lock_version": "1"})
    assert "Enter a name for the theme" in text_of(blank)
    tampered = submit(client, url, {"name": "New", "description": "", "lock_version": "abc"})
    assert "The form is out of date" in text_of(tampered)
    blind = submit(client, url, {"name": "New", "description": ""})  # no version sent
    assert "The form is out of date" in text_of(blind)
    bogus = submit(
        client,
        f"{_base(workspace)}/themes/{theme_id}",
        {"answer_ids": ["not-a-number"], "action": "remove", "from_theme": theme_id},
        action=f"{_base(workspace)}/responses",
        follow=True,
    )
    assert bogus.status_code == 200 and "There is a problem" in text_of(bogus)
    stranger = submit(
        client,
        url,
        {"merge-others": ["987654"]},
        action=f"{_base(workspace)}/themes/{theme_id}/merge",
    )
    assert stranger.status_code == 400
    with app.app_context():
        assert db.session.get(Theme, theme_id).name == "Parking"
        assert db.session.get(Framework, workspace["framework"]).version == 1
