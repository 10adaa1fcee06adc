""" "Map all": train the engine's mapper on the reviewed framework and apply it to every answer.

Runs as a job (a ``ThemeRun`` of kind ``map`` keeps its progress, so the page survives a
reload). What it learns from: the analysts' coded examples, the themes' names and
descriptions as weak examples and, while few answers are coded, the current members. It
replaces discovered and earlier mapped memberships and never touches coded or moved ones.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy import bindparam, case, delete, func, select, update

from ohwb_engage.accounts.models import User
from ohwb_engage.audit.services import record
from ohwb_engage.database import begin_write, utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback.models import Answer
from ohwb_engage.themes.engine import ThemeMapper
from ohwb_engage.themes.models import (
    Framework,
    FrameworkAnswer,
    MemberSource,
    RunKind,
    RunStatus,
    Theme,
    ThemeMember,
    ThemeRun,
)
from ohwb_engage.themes.review import ReviewError, lock_framework, record_change, recount
from ohwb_engage.themes.runs import (
    ProgressWriter,
    hand_to_worker,
    run_as_job,
    succeed,
)

JOB = "ohwb_engage.themes.review_map:run_map"
TO_CODE = 20
MIN_CODED_FOR_MEMBERS_ONLY = 5  # per theme: below it, current members also teach the model
MIN_CODED_FOR_AGREEMENT = 20  # coded answers needed before held-out agreement means anything
KEPT = (MemberSource.CODED.value, MemberSource.MOVED.value)


def start_map(framework_id: int, *, actor: User, random_state: int = 0) -> ThemeRun:
    """Queue a mapping run for the framework; refuse while one is already queued or running."""
    begin_write()
    framework = db.session.get(Framework, framework_id)
    if framework is None:
        raise ReviewError("That framework no longer exists.")
    themes = db.session.execute(
        select(Theme.id).where(Theme.framework_id == framework_id)
    ).scalars()
    if not list(themes):
        db.session.rollback()
        raise ReviewError("This framework has no themes to map answers to.")
    busy = db.session.execute(
        select(ThemeRun.id).where(
            ThemeRun.framework_id == framework_id,
            ThemeRun.kind == RunKind.MAP.value,
            ThemeRun.status.in_([RunStatus.QUEUED.value, RunStatus.RUNNING.value]),
        )
    ).first()
    if busy:
        db.session.rollback()
        raise ReviewError("A mapping of this framework is already running: wait for it to end.")
    run = ThemeRun(
        framework_id=framework_id,
        kind=RunKind.MAP.value,
        config={"random_state": random_state, "framework_version": framework.version},
        corpus_filters=framework.corpus_filters or {},
        created_by_id=actor.id,
    )
    db.session.add(run)
    db.session.flush()
    record("themes.map_started", run, actor=actor, framework_id=framework_id)
    run_id = run.id  # before the commit: reading it after would start a transaction whose
    db.session.commit()  # snapshot (SQLite) hides what an inline job writes next
    hand_to_worker(run_id, JOB)
    return db.session.get(ThemeRun, run_id)


class MappingFailed(ReviewError):
    """A reason the mapping could not be made, as people read it on the map page."""


def run_map(run_id: int) -> str:
    """The job: fit, predict, write memberships; a failure is kept on the run with its reason.

    Claimed like a discovery run (one conditional UPDATE, so a job delivered twice maps
    once) and every later write is fenced by the attempt. Returns the run's final status.
    """
    return run_as_job(
        run_id,
        RunKind.MAP,
        "Reading the framework",
        _map_or_say_why,
        (MappingFailed,),
        "The mapping failed: unexpected error",
    )


def _map_or_say_why(run_id: int, attempt: int) -> None:
    try:
        _map(run_id, attempt)
    except (ReviewError, ValueError) as exc:
        raise MappingFailed(f"The mapping failed: {exc}") from exc


def _corpus(framework_id: int) -> tuple[list[int], list[str]]:
    rows = db.session.execute(
        select(FrameworkAnswer.answer_id, Answer.text)
        .join(Answer, Answer.id == FrameworkAnswer.answer_id)
        .where(
            FrameworkAnswer.framework_id == framework_id, FrameworkAnswer.not_relevant.is_(False)
        )
        .order_by(FrameworkAnswer.answer_id)
    ).all()
    rows = [(a, t) for a, t in rows if (t or "").strip()]
    return [a for a, _ in rows], [t for _, t in rows]


def _labels(framework_id: int, sources: tuple[str, ...]) -> dict[int, set[str]]:
    labels: dict[int, set[str]] = defaultdict(set)
    for theme_id, answer_id in db.session.execute(
        select(ThemeMember.theme_id, ThemeMember.answer_id)
        .join(Theme, Theme.id == ThemeMember.theme_id)
        .where(Theme.framework_id == framework_id, ThemeMember.source.in_(sources))
    ):
        labels[answer_id].add(str(theme_id))
    return labels


def _agreement(
    ids: list[int], texts: list[str], coded: dict[int, set[str]], random_state: int
) -> dict[str, Any] | None:
    """Micro/macro F1 of a model trained on 80% of the coded answers, scored on the rest."""
    pool = [i for i, a in enumerate(ids) if a in coded]
    if len(pool) < MIN_CODED_FOR_AGREEMENT:
        return None
    random.Random(random_state).shuffle(pool)
    cut = max(1, len(pool) // 5)
    test, train = pool[:cut], pool[cut:]
    mapper = ThemeMapper(random_state=random_state, self_training=False)
    mapper.fit([texts[i] for i in train], [coded[ids[i]] for i in train])
    scores = mapper.score([texts[i] for i in test], [coded[ids[i]] for i in test])
    return {
        "micro_f1": round(scores.micro_f1, 3),
        "macro_f1": round(scores.macro_f1, 3),
        "n": scores.n,
    }


def _map(run_id: int, attempt: int) -> None:
    run = db.session.get(ThemeRun, run_id)
    framework_id = run.framework_id
    seed = int(run.config.get("random_state", 0))
    actor = db.session.get(User, run.created_by_id) if run.created_by_id else None
    themes = {
        str(t.id): f"{t.name}. {t.description or ''}"
        for t in db.session.execute(
            select(Theme).where(Theme.framework_id == framework_id)
        ).scalars()
    }
    ids, texts = _corpus(framework_id)
    if not ids:
        raise ReviewError("there are no answers with text in this framework")
    coded = _labels(framework_id, (MemberSource.CODED.value,))
    per_theme = defaultdict(int)
    for keys in coded.values():
        for key in keys:
            per_theme[key] += 1
    few = min((per_theme.get(k, 0) for k in themes), default=0) < MIN_CODED_FOR_MEMBERS_ONLY
    teaching = (
        _labels(framework_id, tuple(s.value for s in MemberSource if s != MemberSource.MAPPED))
        if few
        else coded
    )
    db.session.commit()

    def stage(low: float, high: float) -> ProgressWriter:
        """The runs' throttled, attempt-fenced progress writer, scaled to this stage."""
        return ProgressWriter(run_id, attempt, low=low, high=high)

    stage(0.0, 0.05).write(0.05, "Learning from the coded examples")
    train = [i for i, a in enumerate(ids) if teaching.get(a)]
    untaught = [i for i, a in enumerate(ids) if not teaching.get(a)]
    mapper = ThemeMapper(random_state=seed)
    mapper.fit(
        [texts[i] for i in train],
        [teaching[ids[i]] for i in train],
        themes=themes,
        unlabeled=[texts[i] for i in untaught],
        progress=stage(0.05, 0.6),
    )
    proba = _every_answer(mapper, texts, train, untaught, stage(0.6, 0.75))
    result = mapper.predict_from_proba(proba)
    uncoded = [i for i, a in enumerate(ids) if a not in coded]
    suggest = ThemeMapper.least_certain(proba[uncoded], k=TO_CODE)
    to_code = [ids[uncoded[p]] for p in suggest]
    stage(0.75, 0.8).write(0.8, "Checking agreement on held-out coded answers")
    agreement = _agreement(ids, texts, coded, seed)
    stage(0.8, 0.9).write(0.9, "Saving the mapping")
    _write(run_id, attempt, framework_id, ids, result, to_code, agreement, len(train), actor)


def _every_answer(
    mapper: ThemeMapper,
    texts: list[str],
    train: list[int],
    untaught: list[int],
    progress: ProgressWriter,
) -> np.ndarray:
    """Theme probabilities of every answer, in ``texts`` order: the mapper scored the answers
    it was fitted on already, so only those it did not keep are read again."""
    proba = np.zeros((len(texts), len(mapper.classes_)))
    proba[train] = mapper.train_proba_
    if mapper.unlabeled_proba_ is not None:
        proba[untaught] = mapper.unlabeled_proba_
    elif untaught:
        proba[untaught] = mapper.predict_proba([texts[i] for i in untaught], progress=progress)
    return proba


def _write(run_id, attempt, framework_id, ids, result, to_code, agreement, n_train, actor) -> None:
    """All memberships and the run's success in one transaction, only if still this attempt's."""
    framework = lock_framework(framework_id)
    theme_ids = set(
        db.session.execute(select(Theme.id).where(Theme.framework_id == framework_id)).scalars()
    )
    kept = {
        (t, a)
        for t, a in db.session.execute(
            select(ThemeMember.theme_id, ThemeMember.answer_id).where(
                ThemeMember.theme_id.in_(theme_ids), ThemeMember.source.in_(KEPT)
            )
        )
    }
    db.session.execute(
        delete(ThemeMember).where(
            ThemeMember.theme_id.in_(theme_ids), ThemeMember.source.not_in(KEPT)
        )
    )
    rows, confidence = [], []
    for answer_id, prediction in zip(ids, result.predictions, strict=True):
        confidence.append({"a": answer_id, "c": float(prediction.top_score)})
        for label, score in zip(prediction.labels, prediction.scores, strict=True):
            theme_id = int(label)
            if theme_id in theme_ids and (theme_id, answer_id) not in kept:
                rows.append(
                    {
                        "theme_id": theme_id,
                        "answer_id": answer_id,
                        "source": MemberSource.MAPPED.value,
                        "confidence": max(0.0, min(1.0, float(score))),
                        "created_at": utcnow(),
                    }
                )
    if rows:
        db.session.execute(ThemeMember.__table__.insert(), rows)
    fa = FrameworkAnswer.__table__

    if confidence:
        db.session.execute(
            update(fa)
            .where(fa.c.framework_id == framework_id, fa.c.answer_id == bindparam("a"))
            .values(map_confidence=bindparam("c")),
            confidence,
        )
    recount(theme_ids)
    summary = {
        "mapped": len(rows),
        "answers": len(ids),
        "trained_on": n_train,
        "to_code": to_code,
        "agreement": agreement,
        "unmapped": sum(1 for p in result.predictions if not p.labels),
    }
    record_change(
        framework,
        "map",
        f"Mapped {len(ids)} answers to the framework ({len(rows)} memberships)",
        actor,
        run_id=run_id,
        mapped=len(rows),
    )
    succeed(run_id, attempt, summary=summary, corpus_size=len(ids))
    db.session.commit()


def latest_map(framework_id: int) -> ThemeRun | None:
    return db.session.execute(
        select(ThemeRun)
        .where(ThemeRun.framework_id == framework_id, ThemeRun.kind == RunKind.MAP.value)
        .order_by(ThemeRun.created_at.desc(), ThemeRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def least_certain(framework_id: int, answer_ids: list[int]) -> list[tuple[int, str, float | None]]:
    """The suggested answers with their text and confidence, in the suggested order."""
    if not answer_ids:
        return []
    rows = {
        a: (t, c)
        for a, t, c in db.session.execute(
            select(Answer.id, Answer.text, FrameworkAnswer.map_confidence)
            .join(FrameworkAnswer, FrameworkAnswer.answer_id == Answer.id)
            .where(FrameworkAnswer.framework_id == framework_id, Answer.id.in_(answer_ids))
        )
    }
    return [(a, rows[a][0] or "", rows[a][1]) for a in answer_ids if a in rows]


CONFIDENCE_BANDS = (
    (0.8, "High (0.8 or more)"),
    (0.5, "Medium (0.5 to 0.8)"),
    (0.2, "Low (0.2 to 0.5)"),
    (0.0, "Very low (under 0.2)"),
)


def confidence_bands(framework_id: int) -> list[tuple[str, int]]:
    """How sure the latest mapping was about the framework's answers, in bands (one query)."""
    conf = FrameworkAnswer.map_confidence
    band = case(
        *[(conf >= low, label) for low, label in CONFIDENCE_BANDS],
        else_="Not mapped yet",
    ).label("band")
    counts = dict(
        db.session.execute(
            select(band, func.count())
            .where(
                FrameworkAnswer.framework_id == framework_id,
                FrameworkAnswer.not_relevant.is_(False),
            )
            .group_by(band)
        ).all()
    )
    labels = [label for _, label in CONFIDENCE_BANDS] + ["Not mapped yet"]
    return [(label, counts.get(label, 0)) for label in labels]
