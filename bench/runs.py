"""Theme runs at scale, around the engine: the snapshot, storing a result and "create
framework from this run", at 1,000 and 100,000 answers, on SQLite and PostgreSQL; then
"Map all" on that framework with the real engine.

The discovery engine has its own benchmark (``bench/themes.py``); here its result is made
up (20 themes, every answer placed), so the figures are the database work a run adds. Goal:
linear, i.e. the time per answer at 100,000 at most 2x the time per answer at 1,000, and
"create framework" at 100,000 answers in well under a minute (bulk inserts, no ORM objects
per answer). Prints seconds per step and that per-answer ratio. "Map all" (25 answers per
theme coded first) is timed whole and for its one writing transaction, the time it holds
SQLite's write lock, so other writers wait that long.

    .venv/bin/python -m bench.runs [--database both] [--sizes 1000,100000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from typing import Any

from sqlalchemy import insert

from bench.common import DEFAULT_POSTGRES, database_urls, fresh_schema

TEXT_BANK = 500
N_THEMES = 20


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--sizes", default="1000,100000")
    return parser.parse_args()


def _corpus(app: Any, n: int, user_id: int) -> int:
    """A questionnaire with ``n`` submitted free-text answers, inserted in bulk; its id."""
    from ohwb_engage.accounts.models import User
    from ohwb_engage.database import utcnow
    from ohwb_engage.extensions import db
    from ohwb_engage.feedback import services
    from ohwb_engage.feedback.models import Answer, Response
    from tests.themes.runs_factories import themed_texts

    texts = themed_texts(TEXT_BANK, seed=n)
    with app.app_context():
        user = db.session.get(User, user_id)
        questionnaire = services.create_questionnaire(
            services.Settings(title=f"Bench {n}", kind="kloe", open_link=True),
            actor=user,
            use_standard_questions=False,
        )
        services.add_question(
            questionnaire,
            services.QuestionData(kind="long_text", text="What would help?",
                                  section_id=questionnaire.sections[0].id, required=True),
            actor=user,
        )  # fmt: skip
        question_id, questionnaire_id = questionnaire.questions[0].id, questionnaire.id
        db.session.commit()
        now = utcnow()
        response_ids = db.session.scalars(
            insert(Response).returning(Response.id, sort_by_parameter_order=True),
            [
                {"questionnaire_id": questionnaire_id, "submission_key": f"b{n}-{i}",
                 "status": "submitted", "anonymous": False, "region": "London",
                 "answered_at": now, "consent_at": now}
                for i in range(n)
            ],
        ).all()  # fmt: skip
        db.session.execute(
            insert(Answer),
            [
                {"response_id": r, "question_id": question_id, "text": f"{texts[i % TEXT_BANK]}"}
                for i, r in enumerate(response_ids)
            ],
        )
        db.session.commit()
    return questionnaire_id


def _result(n: int) -> Any:
    from ohwb_engage.themes.engine.results import DiscoveryResult, Theme

    rng = random.Random(n)
    assignments = tuple(i % N_THEMES for i in range(n))
    themes = tuple(
        Theme(id=k, label=f"theme {k}", terms=((f"term{k}", 1.0), ("shared", 0.5)),
              quotes=tuple(range(k, min(n, k + 5 * N_THEMES), N_THEMES)),
              size=assignments.count(k), sentiment=0.1, share=1 / N_THEMES)
        for k in range(N_THEMES)
    )  # fmt: skip
    return DiscoveryResult(
        assignments=assignments,
        status=("answer",) * n,
        confidence=tuple(round(rng.random(), 4) for _ in range(n)),
        sentiment=tuple(round(rng.uniform(-1, 1), 4) for _ in range(n)),
        themes=themes,
        counts={"answer": n, "assigned": n, "unassigned": 0, "total": n},
        stability=0.5,
        config={"bench": True},
    )


def _map_all(framework_id: int, user_id: int) -> tuple[float, float]:
    """Code 25 answers per theme, then Map all (inline): (seconds in all, seconds writing)."""
    from sqlalchemy import func, select, update

    from ohwb_engage.accounts.models import User
    from ohwb_engage.extensions import db
    from ohwb_engage.themes import review_map
    from ohwb_engage.themes.models import Theme, ThemeMember

    ranked = (
        select(
            ThemeMember.theme_id,
            ThemeMember.answer_id,
            func.row_number()
            .over(partition_by=ThemeMember.theme_id, order_by=ThemeMember.answer_id)
            .label("n"),
        )
        .join(Theme, Theme.id == ThemeMember.theme_id)
        .where(Theme.framework_id == framework_id)
        .subquery()
    )
    coded = [(t, a) for t, a, _ in db.session.execute(select(ranked).where(ranked.c.n <= 25))]
    for theme_id, answer_id in coded:
        db.session.execute(
            update(ThemeMember)
            .where(ThemeMember.theme_id == theme_id, ThemeMember.answer_id == answer_id)
            .values(source="coded")
        )
    db.session.commit()
    writing = 0.0
    write = review_map._write

    def timed_write(*args: Any) -> None:
        nonlocal writing
        began = time.perf_counter()
        write(*args)
        writing = time.perf_counter() - began

    review_map._write = timed_write  # type: ignore[assignment]
    try:
        began = time.perf_counter()
        run = review_map.start_map(framework_id, actor=db.session.get(User, user_id))
        elapsed = time.perf_counter() - began
    finally:
        review_map._write = write  # type: ignore[assignment]
    db.session.rollback()  # end this thread's read snapshot: the job wrote after it began
    db.session.refresh(run)
    assert run.status == "succeeded", (run.status, run.error)
    return elapsed, writing


def measure(url: str, sizes: list[int]) -> list[tuple[int, float, float, float, float, float]]:
    from ohwb_engage import create_app
    from ohwb_engage.accounts.models import User
    from ohwb_engage.extensions import db
    from ohwb_engage.feedback.services import CorpusFilters
    from ohwb_engage.themes import runs
    from ohwb_engage.themes.models import ThemeRun

    fresh_schema(url)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench" * 10, "JOBS_MODE": "inline"}
    )
    with app.app_context():
        user = User(email="bench@example.org", name="Bench", role="admin")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    rows = []
    for n in sizes:
        questionnaire_id = _corpus(app, n, user_id)
        result = _result(n)
        with app.app_context():
            run = ThemeRun(
                status="running",
                attempts=1,
                config={"engine": runs.RunSettings().engine_params()},
                corpus_filters=runs.filters_to_dict(
                    CorpusFilters(questionnaire_ids=(questionnaire_id,))
                ),
            )
            db.session.add(run)
            db.session.commit()
            t0 = time.perf_counter()
            runs._snapshot(run.id)
            t1 = time.perf_counter()
            runs._store(run.id, 1, result, n)
            t2 = time.perf_counter()
            framework_id = runs.create_framework(
                run.id, name="Bench", actor=db.session.get(User, user_id)
            )
            t3 = time.perf_counter()
            mapped, written = _map_all(framework_id, user_id)
            rows.append((n, t1 - t0, t2 - t1, t3 - t2, mapped, written))
        print(f"  {n:>7,} answers: snapshot {t1 - t0:6.2f} s, store {t2 - t1:6.2f} s, "
              f"framework {t3 - t2:6.2f} s, map all {mapped:6.2f} s "
              f"(writing {written:5.2f} s)", flush=True)  # fmt: skip
    with app.app_context():
        db.engine.dispose()
    return rows


def main() -> None:
    args = _args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print("| database | answers | snapshot s | store s | framework s | per answer vs first "
          "| map all s | of which writing s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for label, url in database_urls(args, tmp):
            print(f"{label}:", flush=True)
            rows = measure(url, sizes)
            base = sum(rows[0][1:4]) / rows[0][0]
            for n, snap, store, framework, mapped, written in rows:
                ratio = (snap + store + framework) / n / base
                print(f"| {label} | {n:,} | {snap:.2f} | {store:.2f} | {framework:.2f} "
                      f"| {ratio:.2f}x | {mapped:.2f} | {written:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
