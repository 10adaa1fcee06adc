"""Split a theme: re-discover sub-themes among its answers and give each its own theme.

The engine runs outside any write transaction (it takes seconds); the write then checks
that the theme still holds exactly the answers the engine saw, so nothing moved meanwhile
is lost or doubled.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from ohwb_engage.accounts.models import User
from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import Answer
from ohwb_engage.themes.engine import DiscoveryResult, discover
from ohwb_engage.themes.evidence import members_with_relevance
from ohwb_engage.themes.models import (
    MemberSource,
    RunItem,
    RunKind,
    RunStatus,
    RunTheme,
    Theme,
    ThemeMember,
    ThemeRun,
)
from ohwb_engage.themes.review import (
    RELEVANT,
    ConflictError,
    ReviewError,
    existing_theme,
    lock_framework,
    record_change,
    recount,
    theme_in,
)

SPLIT_MIN_ANSWERS = 6
SPLIT_MAX_ANSWERS = 5_000  # inline: a bigger theme would hold the page for too long
SPLIT_MAX_PARTS = 10


def _members(theme_id: int) -> list[tuple[int, str]]:
    """The theme's relevant answers with text, in a fixed order (the engine's input)."""
    rows = db.session.execute(
        members_with_relevance(ThemeMember.answer_id, Answer.text)
        .join(Answer, Answer.id == ThemeMember.answer_id)
        .where(ThemeMember.theme_id == theme_id, RELEVANT)
        .order_by(ThemeMember.answer_id)
    ).all()
    return [(a, text) for a, text in rows if (text or "").strip()]


def split_theme(
    framework_id: int, theme_id: int, max_themes: int, *, actor: User, random_state: int = 0
) -> list[Theme]:
    """Split a theme into 2..``max_themes`` parts; the first part keeps the theme itself."""
    if not 2 <= max_themes <= SPLIT_MAX_PARTS:
        raise ReviewError(f"Split into between 2 and {SPLIT_MAX_PARTS} themes.")
    theme = theme_in(framework_id, theme_id)
    if theme is None:
        raise ReviewError("That theme is no longer in this framework: it may have been merged.")
    members = _members(theme_id)
    db.session.rollback()  # no transaction held while the engine works
    if len(members) < SPLIT_MIN_ANSWERS:
        raise ReviewError(
            f"This theme has {len(members)} response(s) with text; splitting needs at least "
            f"{SPLIT_MIN_ANSWERS}."
        )
    if len(members) > SPLIT_MAX_ANSWERS:
        raise ReviewError(
            f"This theme has {len(members)} responses; themes of up to {SPLIT_MAX_ANSWERS} "
            "can be split here. Start a new run on a narrower corpus instead."
        )
    ids = [a for a, _ in members]
    started = utcnow()
    result = discover(
        [text for _, text in members],
        min_themes=2,
        max_themes=max_themes,
        min_theme_size=2 if len(members) < 50 else None,
        random_state=random_state,
    )
    found_parts = [
        (found, [ids[p] for p, k in enumerate(result.assignments) if k == found.id])
        for found in result.themes
    ]
    found_parts = [(found, part) for found, part in found_parts if part]
    if len(found_parts) < 2:
        raise ReviewError(
            "The engine found no way to split this theme without leaving a part empty: "
            "its responses are too alike. Move responses by hand instead."
        )
    run = ThemeRun(
        framework_id=framework_id,
        kind=RunKind.SPLIT.value,
        status=RunStatus.SUCCEEDED.value,
        progress=1.0,
        progress_message="Done",
        config={**result.config, "max_themes": max_themes, "random_state": random_state},
        corpus_size=len(members),
        summary={"n_themes": result.n_themes, "counts": result.counts},
        target_theme_id=theme_id,
        created_by_id=actor.id,
        started_at=started,
        finished_at=utcnow(),
    )
    return _write_split(framework_id, theme_id, members, result, found_parts, run, actor)


def _record_run(run: ThemeRun, members: list[tuple[int, str]], result: DiscoveryResult) -> None:
    """Keep the split as a run of kind split: its configuration and the answers it saw."""
    db.session.add(run)
    db.session.flush()
    db.session.execute(
        insert(RunItem),
        [
            {
                "run_id": run.id,
                "position": p,
                "answer_id": answer_id,
                "text": text,
                "theme_index": result.assignments[p],
                "status": result.status[p],
                "confidence": float(result.confidence[p]),
                "sentiment": float(result.sentiment[p]),
            }
            for p, (answer_id, text) in enumerate(members)
        ],
    )
    db.session.add_all(
        RunTheme(
            run_id=run.id,
            index=found.id,
            label=found.label[:200],
            terms=[[t, w] for t, w in found.terms],
            quote_positions=list(found.quotes),
            size=found.size,
            sentiment=float(found.sentiment),
        )
        for found in result.themes
    )
    db.session.flush()


def _write_split(framework_id, theme_id, members, result, found_parts, run, actor) -> list[Theme]:
    ids = [a for a, _ in members]
    parts = [part for _, part in found_parts]
    framework = lock_framework(framework_id)
    theme = existing_theme(framework, theme_id)
    if [a for a, _ in _members(theme_id)] != ids:
        db.session.rollback()
        raise ConflictError(
            f"The responses in \u201c{theme.name}\u201d changed while it was being split. "
            "Nothing was changed: try the split again."
        )
    db.session.execute(
        update(Theme.__table__)
        .where(Theme.framework_id == framework.id, Theme.position > theme.position)
        .values(position=Theme.position + len(parts) - 1)
    )
    first, *rest = found_parts
    theme.terms = [[t, w] for t, w in first[0].terms]
    theme.quote_answer_ids = [ids[p] for p in first[0].quotes]
    taken = set(
        db.session.execute(select(Theme.name).where(Theme.framework_id == framework.id)).scalars()
    )
    created = []
    for offset, (found, part) in enumerate(rest, start=1):
        name = _unique(found.label.capitalize() or f"{theme.name} ({offset + 1})", taken)
        new = Theme(
            framework_id=framework.id,
            name=name,
            description=f"Split from \u201c{theme.name}\u201d.",
            position=theme.position + offset,
            terms=[[t, w] for t, w in found.terms],
            quote_answer_ids=[ids[p] for p in found.quotes],
        )
        db.session.add(new)
        db.session.flush()
        db.session.execute(
            delete(ThemeMember).where(
                ThemeMember.theme_id == theme.id, ThemeMember.answer_id.in_(part)
            )
        )
        db.session.add_all(
            ThemeMember(
                theme_id=new.id,
                answer_id=a,
                source=MemberSource.DISCOVERED.value,
                created_by_id=actor.id,
            )
            for a in part
        )
        created.append(new)
    db.session.flush()
    recount([theme.id] + [t.id for t in created])
    names = [theme.name] + [t.name for t in created]
    _record_run(run, members, result)
    for new in created:
        new.source_run_id = run.id
    record_change(
        framework,
        "split",
        f"Split \u201c{theme.name}\u201d into {len(names)} themes: " + ", ".join(names),
        actor,
        theme_id=theme.id,
        new_theme_ids=[t.id for t in created],
        parts=[len(p) for p in parts],
        run_id=run.id,
    )
    db.session.commit()
    return [theme, *created]


def _unique(name: str, taken: set[str]) -> str:
    name = name[:190]
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name} ({n})", n + 1
    taken.add(candidate)
    return candidate
