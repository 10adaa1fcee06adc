"""A framework with priority themes under a programme's roadmap, for the strategy tests."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask

from ohwb_engage.extensions import db
from ohwb_engage.roadmap.models import RoadmapItem
from ohwb_engage.themes.models import Theme
from tests.roadmap.factories import make_item, make_programme
from tests.themes.factories import make_answers, make_framework

TEXTS = [
    "Physio waits are too long for staff with back pain",
    "Fast-track physio got me back to work",
    "Managers do not know how to support mental health",
    "Line managers need training in wellbeing conversations",
    "Call me on 07700 900123 about the physio service",
    "Parking at the hospital is a nightmare",
]


def set_priority(app: Flask, theme_ids: Sequence[int], priority: bool = True) -> None:
    with app.app_context():
        for theme_id in theme_ids:
            db.session.get(Theme, theme_id).priority = priority
        db.session.commit()


def make_strategy_world(app: Flask) -> dict[str, int]:
    """Three themes (two priority), a programme, a parent item with two children, one more."""
    ids = make_answers(
        app,
        TEXTS,
        groups=["OH lead", "OH clinician", "System leader", "OH lead", "OH lead", None],
        regions=["London", "London", "North West", "London", "London", "London"],
    )
    framework_id, themes = make_framework(
        app,
        {
            "MSK and physio": [ids[0], ids[1], ids[4]],
            "Line managers": [ids[2], ids[3]],
            "Parking": [ids[5]],
        },
        sentiments={ids[0]: -0.6, ids[1]: 0.6, ids[4]: 0.0, ids[2]: -0.4, ids[3]: 0.2},
        quotes={"MSK and physio": [ids[4], ids[0]], "Line managers": [ids[2]]},
    )
    set_priority(app, [themes["MSK and physio"], themes["Line managers"]])
    programme_id = make_programme(app, framework_id=framework_id, title="MSK programme")
    msk, managers = themes["MSK and physio"], themes["Line managers"]
    parent = make_item(
        app, programme_id, "Fast-track physiotherapy", theme_ids=[msk], status="in_progress"
    )
    make_item(app, programme_id, "Pilot in two trusts", parent_id=parent, progress=100,
              status="done")  # fmt: skip
    make_item(app, programme_id, "Roll out nationally", parent_id=parent, progress=20,
              horizon="medium", status="in_progress", position=1)  # fmt: skip
    make_item(app, programme_id, "Manager training", theme_ids=[managers], horizon="long",
              position=1)  # fmt: skip
    make_item(app, programme_id, "Dropped idea", theme_ids=[managers], status="dropped",
              position=2)  # fmt: skip
    with app.app_context():
        db.session.get_one(RoadmapItem, parent).owner = "OH lead, North"
        db.session.commit()
    return {
        "programme": programme_id,
        "framework": framework_id,
        "parent": parent,
        "answer0": ids[0],
        "answer5": ids[5],
        **{f"theme:{name}": theme_id for name, theme_id in themes.items()},
    }
