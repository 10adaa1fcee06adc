"""Programmes with a framework and roadmap items for the strategy tests: ids back."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

from flask import Flask

from ohwb_engage.extensions import db
from ohwb_engage.roadmap.models import Programme, RoadmapItem, RoadmapItemTheme
from ohwb_engage.themes.models import Theme
from tests.themes.factories import make_answers, make_framework

TEXTS = [
    "Physio waits are too long for staff with back pain",
    "Fast-track physio got me back to work",
    "Managers do not know how to support mental health",
    "Line managers need training in wellbeing conversations",
    "Call me on 07700 900123 about the physio service",
    "Parking at the hospital is a nightmare",
]
_seq = count(1)


def make_programme(app: Flask, framework_id: int | None, title: str = "MSK programme") -> int:
    with app.app_context():
        programme = Programme(
            title=title,
            framework_id=framework_id,
            slug=f"{title.lower().replace(' ', '-')}-{next(_seq)}",
        )
        db.session.add(programme)
        db.session.commit()
        return programme.id


def make_item(
    app: Flask,
    programme_id: int,
    title: str,
    *,
    themes: Sequence[int] = (),
    horizon: str = "short",
    status: str = "in_progress",
    progress: int = 0,
    parent_id: int | None = None,
    owner: str = "",
) -> int:
    with app.app_context():
        item = RoadmapItem(
            programme_id=programme_id,
            title=title,
            horizon=horizon,
            status=status,
            progress=progress,
            parent_id=parent_id,
            owner=owner,
        )
        db.session.add(item)
        db.session.flush()
        for theme_id in themes:
            db.session.add(RoadmapItemTheme(item_id=item.id, theme_id=theme_id))
        db.session.commit()
        return item.id


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
    programme_id = make_programme(app, framework_id)
    parent = make_item(
        app, programme_id, "Fast-track physiotherapy", themes=[themes["MSK and physio"]],
        owner="OH lead, North",
    )  # fmt: skip
    make_item(app, programme_id, "Pilot in two trusts", parent_id=parent, progress=100,
              status="done")  # fmt: skip
    make_item(app, programme_id, "Roll out nationally", parent_id=parent, progress=20,
              horizon="medium")  # fmt: skip
    make_item(
        app, programme_id, "Manager training", themes=[themes["Line managers"]],
        horizon="long", status="proposed",
    )  # fmt: skip
    make_item(app, programme_id, "Dropped idea", themes=[themes["Line managers"]],
              status="dropped")  # fmt: skip
    return {
        "programme": programme_id,
        "framework": framework_id,
        "parent": parent,
        "answer0": ids[0],
        "answer5": ids[5],
        **{f"theme:{name}": theme_id for name, theme_id in themes.items()},
    }
