"""The review workspace as the corpus grows: theme list and a theme's first page, 1k vs 100k.

For each database and size: a fresh schema from the migrations, N answers bulk-inserted
(one response each, spread over 10 events, the stakeholder groups and regions, a year of
dates) in a framework of 20 themes of skewed sizes (about 10% of answers in two themes),
then through the Flask test client, signed in as an analyst: the framework page (the theme
list) and the largest theme's first page of responses, each warmed up and then timed
``--repeat`` times. Prints the median per page and size, and the ratio of the largest size
to the smallest. Goal: at most 3 (counts from kept counters and GROUP BY in the database,
responses paginated by the members' primary key, nothing loads every row).

    .venv/bin/python -m bench.workspace [--database sqlite|postgresql|both] [--sizes 1000 100000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select

from bench.common import DEFAULT_POSTGRES
from tests.databases import create_postgres_database

N_THEMES = 20
N_EVENTS = 10
CHUNK = 10_000
VOCABULARY = (
    "staff wellbeing physio counselling managers training rota shift night parking canteen "
    "rest break sleep stress burnout support team flexible working occupational health "
    "referral waiting time mental health menopause back pain desk assessment leadership "
    "culture recognition pay workload sickness absence return to work coaching peer"
)
WORDS = tuple(VOCABULARY.split())
REGIONS = ("London", "North West", "North East and Yorkshire", "Midlands", "South West")


def _app(url: str) -> Any:
    from ohwb_engage import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench" * 10})


def _schema(url: str) -> None:
    import logging

    from flask_migrate import upgrade

    with _app(url).app_context():
        upgrade()
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _text(rng: random.Random, i: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 22))
    return f"Answer {i}: " + " ".join(words)


def _load(url: str, n: int, seed: int = 0) -> tuple[int, int]:
    """Bulk-insert the corpus and the framework; (framework id, largest theme id) back."""
    from ohwb_engage.accounts.models import User
    from ohwb_engage.database import utcnow
    from ohwb_engage.extensions import db
    from ohwb_engage.feedback.models import Answer, Question, Response
    from ohwb_engage.reference.models import StakeholderGroup
    from ohwb_engage.reference.services import ensure_default_groups
    from ohwb_engage.themes.models import Framework, FrameworkAnswer, Theme, ThemeMember
    from ohwb_engage.workshops.models import Event
    from tests.factories import password_hash
    from tests.feedback.factories import make_questionnaire

    rng = random.Random(seed)
    app = _app(url)
    questionnaire_id = make_questionnaire(app, None)
    with app.app_context():
        ensure_default_groups()
        db.session.add(
            User(
                email="analyst@example.org",
                name="Bench Analyst",
                role="analyst",
                password_hash=password_hash("bench password 1234"),
            )
        )
        now = utcnow()
        events = [
            Event(
                title=f"Workshop {e}",
                kind="codesign_workshop",
                starts_at=now - timedelta(days=30 * e),
                ends_at=now - timedelta(days=30 * e) + timedelta(hours=2),
                status="published",
            )
            for e in range(N_EVENTS)
        ]
        db.session.add_all(events)
        db.session.commit()
        event_ids = [e.id for e in events]
        group_ids = [*db.session.execute(select(StakeholderGroup.id)).scalars(), None]
        question_id = (
            db.session.execute(
                select(Question.id).where(Question.questionnaire_id == questionnaire_id)
            )
            .scalars()
            .first()
        )
        framework = Framework(name=f"Bench framework ({n} answers)")
        db.session.add(framework)
        db.session.commit()
        framework_id = framework.id
        first_response = (db.session.execute(select(Response.id)).scalars().all() or [0])[-1] + 1
        first_answer = (db.session.execute(select(Answer.id)).scalars().all() or [0])[-1] + 1
        weights = [1 / (k + 1) ** 0.7 for k in range(N_THEMES)]
        members: list[list[int]] = [[] for _ in range(N_THEMES)]
        sentiment: dict[int, float] = {}
        for start in range(0, n, CHUNK):
            responses, answers, corpus = [], [], []
            for i in range(start, min(n, start + CHUNK)):
                rid, aid = first_response + i, first_answer + i
                anonymous = i % 7 == 0
                responses.append(
                    {
                        "id": rid,
                        "questionnaire_id": questionnaire_id,
                        "submission_key": f"bench-{i}",
                        "status": "submitted",
                        "source": "online",
                        "anonymous": anonymous,
                        "event_id": event_ids[i % N_EVENTS] if i % 5 else None,
                        "stakeholder_group_id": group_ids[i % len(group_ids)],
                        "organisation": "" if anonymous else f"Trust {i % 40}",
                        "region": "" if anonymous else REGIONS[i % len(REGIONS)],
                        "answered_at": now - timedelta(hours=i * 8760 // max(n, 1)),
                        "consent_at": now,
                        "last_page": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                answers.append(
                    {
                        "id": aid,
                        "response_id": rid,
                        "question_id": question_id,
                        "text": _text(rng, i),
                    }
                )
                sentiment[aid] = round(rng.uniform(-1, 1), 3)
                corpus.append(
                    {
                        "framework_id": framework_id,
                        "answer_id": aid,
                        "sentiment": sentiment[aid],
                        "status": "answer",
                        "not_relevant": False,
                    }
                )
                themes = {rng.choices(range(N_THEMES), weights)[0]}
                if rng.random() < 0.1:
                    themes.add(rng.randrange(N_THEMES))
                for k in themes:
                    members[k].append(aid)
            db.session.execute(insert(Response), responses)
            db.session.execute(insert(Answer), answers)
            db.session.execute(insert(FrameworkAnswer), corpus)
            db.session.commit()
        theme_ids = []
        for k in range(N_THEMES):
            theme = Theme(
                framework_id=framework_id,
                name=f"Theme {k + 1}: {WORDS[k]} and {WORDS[k + 20]}",
                position=k,
                terms=[[WORDS[(k + j) % len(WORDS)], 1.0 - j / 10] for j in range(10)],
                quote_answer_ids=members[k][:5],
                member_count=len(members[k]),
                sentiment_sum=sum(sentiment[a] for a in members[k]),
            )
            db.session.add(theme)
            db.session.flush()
            theme_ids.append(theme.id)
        db.session.commit()
        for k, theme_id in enumerate(theme_ids):
            for start in range(0, len(members[k]), CHUNK):
                db.session.execute(
                    insert(ThemeMember),
                    [
                        {"theme_id": theme_id, "answer_id": a, "source": "discovered"}
                        for a in members[k][start : start + CHUNK]
                    ],
                )
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does after a bulk load: statistics and the visibility map.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        largest = theme_ids[max(range(N_THEMES), key=lambda k: len(members[k]))]
        db.engine.dispose()
    return framework_id, largest


def _time(url: str, framework_id: int, theme_id: int, repeat: int) -> dict[str, float]:
    """Median seconds of each page through the test client, after a warm-up."""
    from tests.helpers import login

    app = _app(url)
    client = app.test_client()
    response = login(client, "analyst@example.org", "bench password 1234")
    assert response.status_code == 302, "could not sign in"
    pages = {
        "theme list": f"/themes/frameworks/{framework_id}",
        "theme, first page of responses": f"/themes/frameworks/{framework_id}/themes/{theme_id}",
    }
    medians = {}
    for label, path in pages.items():
        for _ in range(3):
            assert client.get(path).status_code == 200, path
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            status = client.get(path).status_code
            times.append(time.perf_counter() - start)
            assert status == 200, path
        medians[label] = statistics.median(times)
    with app.app_context():
        from ohwb_engage.extensions import db

        db.engine.dispose()
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    databases = []
    if args.database in ("sqlite", "both"):
        databases.append("SQLite")
    if args.database in ("postgresql", "both"):
        databases.append("PostgreSQL")
    print("| database | page | " + " | ".join(f"{n:,} answers (ms)" for n in args.sizes)
          + f" | ratio {args.sizes[-1]:,}/{args.sizes[0]:,} |")  # fmt: skip
    print("|---|---|" + "---|" * len(args.sizes) + "---|")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for label in databases:
            results: dict[int, dict[str, float]] = {}
            for n in args.sizes:
                if label == "SQLite":
                    url = f"sqlite:///{tmp}/workspace-{n}.sqlite"
                else:
                    url = create_postgres_database(args.postgres_url, "ohwb_bench_workspace")
                _schema(url)
                started = time.perf_counter()
                framework_id, theme_id = _load(url, n)
                loaded = time.perf_counter() - started
                results[n] = _time(url, framework_id, theme_id, args.repeat)
                print(f"<!-- {label}: loaded {n:,} answers in {loaded:.1f}s -->", flush=True)
            for page in results[args.sizes[0]]:
                cells = [f"{1000 * results[n][page]:.1f}" for n in args.sizes]
                ratio = results[args.sizes[-1]][page] / results[args.sizes[0]][page]
                worst = max(worst, ratio)
                print(f"| {label} | {page} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    print(f"\nWorst ratio: {worst:.2f} (goal: at most 3): {'met' if worst <= 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
