"""Split a theme: re-discover sub-themes among its answers and give each its own theme.

The engine runs outside any write transaction; the write then checks that the theme still
holds exactly the answers the engine saw, so nothing moved meanwhile is lost or doubled.
A theme of up to ``SPLIT_INLINE_MAX_ANSWERS`` answers (a setting) is split while the page
waits, in a second or two; a bigger one is split by a job, a run of kind split that the
analyst follows on its own page, claimed and fenced by its attempt like every run.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, insert, select, update

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.services import record
from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import Answer
from ohwb_engage.themes.engine import DiscoveryResult, discover
from ohwb_engage.themes.engine.discover import Progress
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
from ohwb_engage.themes.runs import (
    ProgressWriter,
    hand_to_worker,
    is_stale,
    run_as_job,
    succeed,
)

JOB = "ohwb_engage.themes.review_split:run_split"
SPLIT_MIN_ANSWERS = 6
SPLIT_MAX_PARTS = 10
GONE = "That theme is no longer in this framework: it may have been merged."
UNEXPECTED = "The split stopped because of an unexpected problem. Start it again."
ACTIVE = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)


def inline_limit() -> int:
    """The most answers a theme may hold to be split while the page waits."""
    return int(current_app.config["SPLIT_INLINE_MAX_ANSWERS"])


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
) -> list[Theme] | ThemeRun:
    """Split a theme into 2..``max_themes`` parts; the first part keeps the theme itself.

    Returns the themes, or, for a theme too big to split while the page waits, the queued
    split run (the one already queued or running for this theme, if any).
    """
    if not 2 <= max_themes <= SPLIT_MAX_PARTS:
        raise ReviewError(f"Split into between 2 and {SPLIT_MAX_PARTS} themes.")
    theme = theme_in(framework_id, theme_id)
    if theme is None:
        raise ReviewError(GONE)
    members = _members(theme_id)
    db.session.rollback()  # no transaction held while the engine works
    _check_size(members)
    if len(members) > inline_limit():
        return queue_split(framework_id, theme_id, max_themes, actor, random_state)
    started = utcnow()
    result = _discover(members, max_themes, random_state)
    found_parts = _parts(members, result)
    run = ThemeRun(
        framework_id=framework_id,
        kind=RunKind.SPLIT.value,
        status=RunStatus.SUCCEEDED.value,
        progress=1.0,
        progress_message="Done",
        config=_config(result, max_themes, random_state),
        corpus_size=len(members),
        summary={"n_themes": result.n_themes, "counts": result.counts},
        target_theme_id=theme_id,
        created_by_id=actor.id,
        started_at=started,
        finished_at=utcnow(),
    )

    def keep_run() -> int:
        db.session.add(run)
        db.session.flush()
        return run.id

    return _write_split(framework_id, theme_id, members, result, found_parts, keep_run, actor)


def _check_size(members: list[tuple[int, str]]) -> None:
    if len(members) < SPLIT_MIN_ANSWERS:
        raise ReviewError(
            f"This theme has {len(members)} response(s) with text; splitting needs at least "
            f"{SPLIT_MIN_ANSWERS}."
        )


def _discover(
    members: list[tuple[int, str]],
    max_themes: int,
    random_state: int,
    progress: Progress | None = None,
) -> DiscoveryResult:
    return discover(
        [text for _, text in members],
        min_themes=2,
        max_themes=max_themes,
        min_theme_size=2 if len(members) < 50 else None,
        random_state=random_state,
        progress=progress,
    )


def _parts(members: list[tuple[int, str]], result: DiscoveryResult) -> list:
    """Each theme the engine found with its answer ids; refused unless two or more hold any."""
    ids = [a for a, _ in members]
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
    return found_parts


def _config(result: DiscoveryResult, max_themes: int, random_state: int) -> dict:
    return {**result.config, "max_themes": max_themes, "random_state": random_state}


# --- a split too big for the page: a job ----------------------------------------------------


def active_split(theme_id: int) -> ThemeRun | None:
    """The split of this theme queued or running now, unless its worker has gone (stale)."""
    run = db.session.execute(
        select(ThemeRun)
        .where(
            ThemeRun.kind == RunKind.SPLIT.value,
            ThemeRun.target_theme_id == theme_id,
            ThemeRun.status.in_(ACTIVE),
        )
        .order_by(ThemeRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return None if run is None or is_stale(run) else run


def queue_split(
    framework_id: int, theme_id: int, max_themes: int, actor: User, random_state: int = 0
) -> ThemeRun:
    """Record a queued split and hand it to the job runner. One split of a theme at a time:
    asking again (a second click, a colleague) returns the one already under way."""
    framework = lock_framework(framework_id)  # begins the write; serialises the check below
    already = active_split(theme_id)
    if already is not None:
        db.session.rollback()
        return already
    run = ThemeRun(
        framework_id=framework.id,
        kind=RunKind.SPLIT.value,
        status=RunStatus.QUEUED.value,
        progress_message="Waiting to start",
        config={"max_themes": max_themes, "random_state": random_state},
        target_theme_id=theme_id,
        created_by_id=actor.id,
    )
    db.session.add(run)
    db.session.flush()
    record("themes.split_started", run, actor=actor, framework_id=framework.id, theme_id=theme_id)
    run_id = run.id
    db.session.commit()
    hand_to_worker(run_id, JOB)
    return db.session.get(ThemeRun, run_id)


def run_split(run_id: int) -> str:
    """The job: read the theme's answers, discover its parts with progress, write them.

    A refusal (the theme was merged away, its answers changed meanwhile, no clean split) is
    the run's failure, with the reason people read on its page. Returns the final status.
    """
    return run_as_job(
        run_id,
        RunKind.SPLIT,
        "Reading the theme's responses",
        _split_in_job,
        (ReviewError,),
        UNEXPECTED,
    )


def _split_in_job(run_id: int, attempt: int) -> None:
    run = db.session.get(ThemeRun, run_id)
    framework_id, theme_id = run.framework_id, run.target_theme_id
    max_themes, seed = int(run.config["max_themes"]), int(run.config.get("random_state", 0))
    actor = db.session.get(User, run.created_by_id) if run.created_by_id else None
    if framework_id is None or theme_id is None or theme_in(framework_id, theme_id) is None:
        raise ReviewError(GONE)
    members = _members(theme_id)
    db.session.commit()  # no transaction held while the engine works
    _check_size(members)
    progress = ProgressWriter(run_id, attempt)
    progress.write(0.05, f"Looking for themes among {len(members)} responses")
    result = _discover(members, max_themes, seed, progress)
    found_parts = _parts(members, result)
    progress.write(0.9, "Saving the new themes")

    def finish_run() -> int:
        """This attempt's run succeeds in the split's own transaction, or nothing is written."""
        succeed(
            run_id,
            attempt,
            config=_config(result, max_themes, seed),
            corpus_size=len(members),
            summary={"n_themes": result.n_themes, "counts": result.counts},
        )
        return run_id

    _write_split(framework_id, theme_id, members, result, found_parts, finish_run, actor)


def split_run(framework_id: int, run_id: int) -> ThemeRun | None:
    """A split run of this framework, for its page."""
    run = db.session.get(ThemeRun, run_id)
    if run is None or run.kind != RunKind.SPLIT.value or run.framework_id != framework_id:
        return None
    return run


def split_parts(run: ThemeRun) -> list[Theme]:
    """The themes a finished split left: the split theme first, then those made from it."""
    if run.status != RunStatus.SUCCEEDED.value:
        return []
    made = db.session.execute(
        select(Theme).where(Theme.source_run_id == run.id).order_by(Theme.position)
    ).scalars()
    first = theme_in(run.framework_id, run.target_theme_id) if run.target_theme_id else None
    return [t for t in (first, *made) if t is not None]


def _record_run(run_id: int, members: list[tuple[int, str]], result: DiscoveryResult) -> None:
    """Keep what the split run saw and found: the answers, their parts and the themes."""
    db.session.execute(
        insert(RunItem),
        [
            {
                "run_id": run_id,
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
            run_id=run_id,
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


def _write_split(
    framework_id, theme_id, members, result, found_parts, keep_run, actor
) -> list[Theme]:
    """Write the parts in one transaction, if the theme still holds what the engine saw.
    ``keep_run()`` records the split's run in that transaction and returns its id."""
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
    run_id = keep_run()
    _record_run(run_id, members, result)
    for new in created:
        new.source_run_id = run_id
    record_change(
        framework,
        "split",
        f"Split \u201c{theme.name}\u201d into {len(names)} themes: " + ", ".join(names),
        actor,
        theme_id=theme.id,
        new_theme_ids=[t.id for t in created],
        parts=[len(p) for p in parts],
        run_id=run_id,
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
