"""Programmes and roadmap items for the roadmap tests: arranged in their own context, ids back."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

from flask import Flask

from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.roadmap.models import Programme, Reference, RoadmapItem, RoadmapItemTheme

_seq = count(1)


def make_programme(
    app: Flask,
    *,
    framework_id: int | None = None,
    title: str | None = None,
    slug: str | None = None,
    published: bool = False,
) -> int:
    n = next(_seq)
    with app.app_context():
        programme = Programme(
            title=title or f"Programme {n}",
            summary="A **bold** plan",
            framework_id=framework_id,
            slug=slug or f"programme-{n}",
            public_published_at=utcnow() if published else None,
        )
        db.session.add(programme)
        db.session.commit()
        return programme.id


def make_item(
    app: Flask,
    programme_id: int,
    title: str = "An item",
    *,
    parent_id: int | None = None,
    progress: int = 0,
    status: str = "proposed",
    horizon: str = "short",
    position: int = 0,
    theme_ids: Sequence[int] = (),
    references: Sequence[str] = (),
) -> int:
    with app.app_context():
        item = RoadmapItem(
            programme_id=programme_id,
            parent_id=parent_id,
            title=title,
            progress=progress,
            status=status,
            horizon=horizon,
            position=position,
        )
        db.session.add(item)
        db.session.flush()
        for theme_id in theme_ids:
            db.session.add(RoadmapItemTheme(item_id=item.id, theme_id=theme_id))
        for ref in references:
            db.session.add(Reference(item_id=item.id, kind="academic", title=ref))
        db.session.commit()
        return item.id
