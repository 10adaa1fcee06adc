"""Programmes and their roadmap items: the use cases behind the analysts' pages.

Each public function is one use case: it takes plain values and the acting user, starts a
write (``begin_write``), locks the programme row so tree changes to one programme queue
behind each other (two analysts cannot build a cycle between them), checks the rules,
audits, and commits once. Edits carry the ``lock_version`` the form was drawn from; a stale
one raises ``EditConflict`` and nothing is written. Publishing lives in ``roadmap.public``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.services import record
from ohwb_engage.database import begin_write, utcnow
from ohwb_engage.extensions import db
from ohwb_engage.roadmap import items as tree
from ohwb_engage.roadmap.models import (
    Horizon,
    ItemStatus,
    Programme,
    Reference,
    ReferenceKind,
    RoadmapItem,
    RoadmapItemTheme,
)
from ohwb_engage.themes.evidence import Evidence, evidence_for
from ohwb_engage.themes.models import Framework, Theme

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80

CONFLICT_MESSAGE = (
    "Someone else changed this {what} while you were editing it, so your changes were not "
    "saved. The page now shows their version: make your changes again."
)


class RoadmapError(Exception):
    """A rule said no; ``str()`` is the message for the page."""

    field: str | None = None


class NotFound(RoadmapError):
    pass


class EditConflict(RoadmapError):
    """The record changed since the form was drawn; nothing was overwritten."""


class SlugTaken(RoadmapError):
    field = "slug"


class CycleRefused(RoadmapError):
    field = "parent_id"


class BadParent(RoadmapError):
    field = "parent_id"


class BadThemes(RoadmapError):
    field = "theme_ids"


class FrameworkInUse(RoadmapError):
    field = "framework_id"


@dataclass(frozen=True)
class ProgrammeDetails:
    title: str
    summary: str
    framework_id: int | None
    slug: str


@dataclass(frozen=True)
class ItemDetails:
    title: str
    description: str
    horizon: str
    owner: str
    status: str
    progress: int
    parent_id: int | None
    theme_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ReferenceDetails:
    kind: str
    title: str
    authors: str
    year: int | None
    url: str
    note: str


def slugify(text: str) -> str:
    """A URL-safe slug from a title: lower case words joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-") or "programme"


# Reading ----------------------------------------------------------------------------------


def programmes() -> list[Programme]:
    return list(db.session.execute(select(Programme).order_by(Programme.title)).scalars())


def framework_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(Framework.id, Framework.name).order_by(Framework.name))
    return [(fid, name) for fid, name in rows]


def theme_choices(programme: Programme) -> list[tuple[int, str]]:
    if programme.framework_id is None:
        return []
    rows = db.session.execute(
        select(Theme.id, Theme.name)
        .where(Theme.framework_id == programme.framework_id)
        .order_by(Theme.position, Theme.id)
    )
    return [(tid, name) for tid, name in rows]


def parent_choices(programme: Programme, item: RoadmapItem | None) -> list[tuple[int, str]]:
    """Items the item may sit under: never itself or one of its descendants."""
    rows = tree.flatten(programme.items)
    excluded: set[int] = set()
    if item is not None:
        excluded = {item.id} | tree.descendants(item.id, tree.children_of(programme.items))
    return [
        (row.item.id, "\u2014 " * row.depth + row.item.title)  # type: ignore[attr-defined]
        for row in rows
        if row.item.id not in excluded
    ]


# Helpers (flush only) ---------------------------------------------------------------------


def _locked(programme_id: int) -> Programme | None:
    """Lock the programme row until the commit (PostgreSQL; SQLite's BEGIN IMMEDIATE already
    has): ``FOR NO KEY UPDATE``, so inserting items (a key share on it) does not deadlock."""
    return db.session.execute(
        select(Programme)
        .where(Programme.id == programme_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def lock_programme(programme_id: int) -> Programme:
    """Start the write and lock the programme: its tree changes one use case at a time."""
    begin_write()
    programme = _locked(programme_id)
    if programme is None:
        db.session.rollback()
        raise NotFound("There is no such programme.")
    return programme


def _item_for_write(item_id: int) -> tuple[Programme, RoadmapItem]:
    begin_write()
    programme_id = db.session.execute(
        select(RoadmapItem.programme_id).where(RoadmapItem.id == item_id)
    ).scalar_one_or_none()
    programme = _locked(programme_id) if programme_id is not None else None
    item = db.session.get(RoadmapItem, item_id, populate_existing=True) if programme else None
    if programme is None or item is None:
        db.session.rollback()
        raise NotFound("There is no such roadmap item.")
    return programme, item


def _check_version(current: int, expected: int | None, what: str) -> None:
    if expected is not None and current != expected:
        db.session.rollback()
        raise EditConflict(CONFLICT_MESSAGE.format(what=what))


def commit_or_conflict(what: str) -> None:
    """Commit, turning a lost optimistic-lock race into the same clear conflict."""
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict(CONFLICT_MESSAGE.format(what=what)) from exc


def _check_slug(slug: str, programme_id: int | None) -> None:
    if not SLUG_PATTERN.match(slug) or len(slug) > SLUG_MAX:
        raise SlugTaken(
            "Enter an address using only lower-case letters, numbers and single hyphens"
        )
    clash = db.session.execute(
        select(Programme.id).where(Programme.slug == slug, Programme.id != (programme_id or 0))
    ).first()
    if clash is not None:
        raise SlugTaken("Another programme already uses this address; choose another")


def _check_item(programme: Programme, details: ItemDetails, item: RoadmapItem | None) -> None:
    if details.horizon not in {h.value for h in Horizon}:
        raise RoadmapError("Choose a horizon from the list")
    if details.status not in {s.value for s in ItemStatus}:
        raise RoadmapError("Choose a status from the list")
    if not 0 <= details.progress <= 100:
        raise RoadmapError("Progress must be between 0 and 100")
    parents = {i.id: i.parent_id for i in programme.items}
    if details.parent_id is not None:
        if details.parent_id not in parents:
            raise BadParent("Choose a parent item from this programme's roadmap")
        if item is not None and tree.would_cycle(item.id, details.parent_id, parents):
            raise CycleRefused(
                "An item cannot sit under itself or under one of its own sub-items; "
                "choose another parent"
            )
    if details.theme_ids:
        allowed = {tid for tid, _ in theme_choices(programme)}
        if not set(details.theme_ids) <= allowed:
            raise BadThemes("Choose themes from this programme's framework")


def _next_position(programme_id: int, parent_id: int | None) -> int:
    siblings = select(func.coalesce(func.max(RoadmapItem.position), -1)).where(
        RoadmapItem.programme_id == programme_id,
        RoadmapItem.parent_id.is_(None)
        if parent_id is None
        else RoadmapItem.parent_id == parent_id,
    )
    return int(db.session.execute(siblings).scalar_one()) + 1


def _set_themes(item: RoadmapItem, theme_ids: Sequence[int]) -> None:
    db.session.execute(
        RoadmapItemTheme.__table__.delete().where(RoadmapItemTheme.item_id == item.id)
    )
    for theme_id in sorted(set(theme_ids)):
        db.session.add(RoadmapItemTheme(item_id=item.id, theme_id=theme_id))
    db.session.flush()
    db.session.expire(item, ["themes"])


def _apply(item: RoadmapItem, details: ItemDetails) -> None:
    item.title = details.title
    item.description = details.description
    item.horizon = details.horizon
    item.owner = details.owner
    item.status = details.status
    # Done means done: 100, so a finished leaf never pulls its parent down.
    item.progress = 100 if details.status == ItemStatus.DONE.value else details.progress
    item.updated_at = utcnow()  # always an UPDATE, so theme-only edits bump lock_version too


# Programmes -------------------------------------------------------------------------------


def create_programme(details: ProgrammeDetails, *, actor: User) -> Programme:
    begin_write()
    slug = details.slug or slugify(details.title)
    try:
        _check_slug(slug, None)
        _check_framework(details.framework_id)
    except RoadmapError:
        db.session.rollback()
        raise
    programme = Programme(
        title=details.title,
        summary=details.summary,
        framework_id=details.framework_id,
        slug=slug,
        created_by_id=actor.id,
    )
    db.session.add(programme)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a racing create took the slug
        db.session.rollback()
        raise SlugTaken("Another programme already uses this address; choose another") from exc
    record("roadmap.programme_create", programme, actor=actor, slug=slug)
    db.session.commit()
    return programme


def _check_framework(framework_id: int | None) -> None:
    if framework_id is not None and db.session.get(Framework, framework_id) is None:
        raise RoadmapError("Choose a framework from the list")


def update_programme(
    programme_id: int, details: ProgrammeDetails, lock_version: int | None, *, actor: User
) -> Programme:
    programme = lock_programme(programme_id)
    _check_version(programme.lock_version, lock_version, "programme")
    slug = details.slug or programme.slug
    try:
        _check_slug(slug, programme.id)
        _check_framework(details.framework_id)
        if details.framework_id != programme.framework_id and _linked_themes(programme.id):
            raise FrameworkInUse(
                "Roadmap items link to this framework's themes. Remove those links before "
                "choosing another framework, so no item loses its evidence unnoticed."
            )
    except RoadmapError:
        db.session.rollback()
        raise
    before = {"title": programme.title, "slug": programme.slug, "framework": programme.framework_id}
    programme.title = details.title
    programme.summary = details.summary
    programme.framework_id = details.framework_id
    programme.slug = slug
    programme.updated_at = utcnow()
    db.session.flush()
    record("roadmap.programme_update", programme, actor=actor, before=before)
    commit_or_conflict("programme")
    return programme


def _linked_themes(programme_id: int) -> int:
    return int(
        db.session.execute(
            select(func.count())
            .select_from(RoadmapItemTheme)
            .join(RoadmapItem, RoadmapItem.id == RoadmapItemTheme.item_id)
            .where(RoadmapItem.programme_id == programme_id)
        ).scalar_one()
    )


# Items ------------------------------------------------------------------------------------


def create_item(programme_id: int, details: ItemDetails, *, actor: User) -> RoadmapItem:
    programme = lock_programme(programme_id)
    try:
        _check_item(programme, details, None)
    except RoadmapError:
        db.session.rollback()
        raise
    item = RoadmapItem(
        programme_id=programme.id,
        parent_id=details.parent_id,
        position=_next_position(programme.id, details.parent_id),
    )
    _apply(item, details)
    db.session.add(item)
    db.session.flush()
    _set_themes(item, details.theme_ids)
    record(
        "roadmap.item_create",
        item,
        actor=actor,
        programme=programme.id,
        parent=details.parent_id,
        themes=sorted(details.theme_ids),
    )
    db.session.commit()
    return item


def update_item(
    item_id: int, details: ItemDetails, lock_version: int | None, *, actor: User
) -> RoadmapItem:
    programme, item = _item_for_write(item_id)
    _check_version(item.lock_version, lock_version, "roadmap item")
    try:
        _check_item(programme, details, item)
    except RoadmapError:
        db.session.rollback()
        raise
    before = {
        "status": item.status,
        "progress": item.progress,
        "parent": item.parent_id,
        "themes": sorted(t.id for t in item.themes),
    }
    if details.parent_id != item.parent_id:
        item.parent_id = details.parent_id
        item.position = _next_position(programme.id, details.parent_id)
    _apply(item, details)
    db.session.flush()
    _set_themes(item, details.theme_ids)
    after = {**asdict(details), "theme_ids": sorted(details.theme_ids)}
    record("roadmap.item_update", item, actor=actor, before=before, after=after)
    commit_or_conflict("roadmap item")
    return item


def delete_item(item_id: int, lock_version: int | None, *, actor: User) -> int:
    """Delete an item; its sub-items move up to its parent, so none is lost with it."""
    programme, item = _item_for_write(item_id)
    _check_version(item.lock_version, lock_version, "roadmap item")
    moved = db.session.execute(
        update(RoadmapItem)
        .where(RoadmapItem.parent_id == item.id)
        .values(parent_id=item.parent_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    record(
        "roadmap.item_delete",
        item,
        actor=actor,
        programme=programme.id,
        title=item.title,
        children_moved_up=moved,
    )
    db.session.delete(item)
    commit_or_conflict("roadmap item")
    return programme.id


def move_item(item_id: int, direction: str, *, actor: User) -> int:
    """Swap an item with its neighbour among its siblings ("up" or "down").

    Positions change with a plain UPDATE that leaves ``lock_version`` alone: reordering
    does not change what an item says, so it should not make someone's open edit conflict.
    """
    programme, item = _item_for_write(item_id)
    siblings = [i for i in programme.items if i.parent_id == item.parent_id]
    siblings.sort(key=lambda i: (i.position, i.id))
    index = next(n for n, i in enumerate(siblings) if i.id == item.id)
    other = index - 1 if direction == "up" else index + 1
    if direction not in {"up", "down"} or not 0 <= other < len(siblings):
        db.session.rollback()
        return programme.id
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        db.session.execute(
            update(RoadmapItem.__table__)
            .where(RoadmapItem.id == sibling.id)
            .values(position=position)
        )
    record("roadmap.item_move", item, actor=actor, programme=programme.id, direction=direction)
    db.session.commit()
    return programme.id


# References -------------------------------------------------------------------------------


def add_reference(item_id: int, details: ReferenceDetails, *, actor: User) -> Reference:
    if details.kind not in {k.value for k in ReferenceKind}:
        raise RoadmapError("Choose the kind of reference")
    _programme, item = _item_for_write(item_id)
    reference = Reference(item_id=item.id, **asdict(details))
    db.session.add(reference)
    db.session.flush()
    record("roadmap.reference_add", reference, actor=actor, item=item.id, kind=details.kind)
    db.session.commit()
    return reference


def delete_reference(reference_id: int, *, actor: User) -> int:
    begin_write()
    reference = db.session.get(Reference, reference_id)
    if reference is None:
        db.session.rollback()
        raise NotFound("There is no such reference.")
    item_id = reference.item_id
    record("roadmap.reference_delete", reference, actor=actor, item=item_id, title=reference.title)
    db.session.delete(reference)
    db.session.commit()
    return item_id


def item_evidence(item: RoadmapItem) -> Evidence:
    """The item's evidence, from its themes in the live framework: never stored or typed."""
    return evidence_for([theme.id for theme in item.themes])


def relink_items(from_theme_ids: Sequence[int], to_theme_id: int, *, actor: User) -> int:
    """Items linked to themes being merged away follow them into the merged theme.

    Called by the theme merge inside its transaction (flushes only): without it the links
    would vanish with the deleted themes (ON DELETE CASCADE) and items lose their evidence.
    """
    linked = select(RoadmapItemTheme.item_id).where(
        RoadmapItemTheme.theme_id.in_(list(from_theme_ids))
    )
    already = select(RoadmapItemTheme.item_id).where(RoadmapItemTheme.theme_id == to_theme_id)
    item_ids = list(
        db.session.execute(
            select(RoadmapItem.id)
            .where(RoadmapItem.id.in_(linked), RoadmapItem.id.not_in(already))
            .order_by(RoadmapItem.id)
        ).scalars()
    )
    for item_id in item_ids:
        db.session.add(RoadmapItemTheme(item_id=item_id, theme_id=to_theme_id))
    if item_ids:
        db.session.flush()
        record(
            "roadmap.items_relinked",
            None,
            actor=actor,
            target_type="themes",
            target_id=to_theme_id,
            items=item_ids,
            merged=sorted(from_theme_ids),
        )
    return len(item_ids)
