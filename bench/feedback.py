"""Questionnaire submission against the ceiling for a write, in one run, SQLite and PostgreSQL.

For each database: build the schema with the migrations, publish a one-page questionnaire
with a free-text question (redaction on, as by default), start gunicorn (same settings for
both measurements), then fire N requests at concurrency C at the ceiling (``/_bench/insert``,
a bare one-row insert) and at the open-link submission, in alternating rounds: CSRF token,
session cookie and form fetched beforehand as a browser would have them, each submission
with its own key and its own ~150-character answer. Goal: throughput >= 0.5x and p99 <= 2x
the ceiling's, with zero errors; every submission must be stored.

    .venv/bin/python -m bench.feedback [--database both] [--requests 2000] [--concurrency 64]
"""

from __future__ import annotations

import secrets
import tempfile
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.common import (
    HEADER,
    ceiling_tasks,
    fresh_schema,
    interleaved,
    parse_args,
    row,
    server,
)
from tests.databases import create_postgres_database
from tests.feedback.helpers import hidden_fields
from tests.live import Browserless, hammer, request

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/feedback_test"
WARM_UP = 64


def _databases(args: Any, tmp: str) -> list[tuple[str, str]]:
    urls = []
    if args.database in ("sqlite", "both"):
        urls.append(("SQLite", f"sqlite:///{tmp}/bench.sqlite"))
    if args.database in ("postgresql", "both"):
        # A scratch database of this benchmark's own, created from the server's existing one
        # (the default base, `test`, is never written to).
        name = f"{make_url(DEFAULT_POSTGRES).database}_bench_feedback"
        urls.append(("PostgreSQL", create_postgres_database(args.postgres_url, name)))
    return urls


def _app(url: str) -> Any:
    from ohwb_engage import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench" * 10})


def _questionnaire(url: str) -> tuple[str, int, int]:
    """(public code, question id, questionnaire id) of a published one-question form."""
    from ohwb_engage.accounts.models import User
    from ohwb_engage.extensions import db
    from ohwb_engage.feedback import services

    app = _app(url)
    with app.app_context():
        user = User(email="bench@example.org", name="Bench", role="facilitator")
        db.session.add(user)
        db.session.commit()
        questionnaire = services.create_questionnaire(
            services.Settings(title="Bench", kind="open_consultation", open_link=True),
            actor=user,
            use_standard_questions=False,
        )
        services.add_question(
            questionnaire,
            services.QuestionData(
                kind="long_text",
                text="What should the programme know?",
                section_id=questionnaire.sections[0].id,
                required=True,
            ),
            actor=user,
        )
        services.publish(questionnaire, actor=user)
        ids = questionnaire.public_code, questionnaire.questions[0].id, questionnaire.id
        db.engine.dispose()
    return ids


def _stored(url: str, questionnaire_id: int) -> int:
    from ohwb_engage.extensions import db
    from ohwb_engage.feedback.models import Response

    app = _app(url)
    with app.app_context():
        count = db.session.execute(
            select(func.count(Response.id)).where(
                Response.questionnaire_id == questionnaire_id, Response.status == "submitted"
            )
        ).scalar_one()
        db.engine.dispose()
    return count


def submission_tasks(
    base: str, code: str, question_id: int, n: int, prefix: str
) -> list[Callable[[], tuple[int, float]]]:
    client = Browserless(base)
    try:
        _, html = client.get(f"/q/{code}")
    except OSError:  # this thread's kept-alive connection timed out: the next one is fresh
        _, html = client.get(f"/q/{code}")
    form = hidden_fields(html)
    cookies = dict(client.cookies)

    def make(i: int) -> Callable[[], tuple[int, float]]:
        body = {
            **form,
            "submission_key": secrets.token_urlsafe(24),  # what each person's form carries
            f"q{question_id}": f"{prefix} {i}: staff wait weeks for physio and counselling; "
            "managers need training to have wellbeing conversations early. "
            + "More flexible rotas would help. "
            * (i % 3),
            "stakeholder_group": "none",
            "consent": "y",
        }

        def task() -> tuple[int, float]:
            start = time.perf_counter()
            status, _, _ = request("POST", f"{base}/q/{code}?page=1", body, cookies)
            elapsed = time.perf_counter() - start
            return (status if status == 303 else 500 + status), elapsed  # anything else: error

        return task

    return [make(i) for i in range(n)]


def _round(
    base: str, code: str, question_id: int, n: int, round_number: int
) -> list[Callable[[], tuple[int, float]]]:
    return submission_tasks(base, code, question_id, n, f"Answer {round_number}")


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    with tempfile.TemporaryDirectory() as tmp:
        for label, url in _databases(args, tmp):
            fresh_schema(url)
            code, question_id, questionnaire_id = _questionnaire(url)
            with server(url, args) as live:
                hammer(ceiling_tasks(live.url, WARM_UP), args.concurrency)
                hammer(
                    submission_tasks(live.url, code, question_id, WARM_UP, "warm"),
                    args.concurrency,
                )
                found = interleaved(
                    {
                        "ceiling": lambda n, k: ceiling_tasks(live.url, n),
                        "submissions": partial(_round, live.url, code, question_id),
                    },
                    args.requests,
                    args.rounds,
                    args.concurrency,
                )
                ceiling, submissions = found["ceiling"], found["submissions"]
            stored = _stored(url, questionnaire_id) - WARM_UP
            print(
                f"\n{label}: {args.requests} requests, concurrency {args.concurrency}, "
                f"gunicorn {args.workers} workers x {args.threads} threads, "
                f"in {args.rounds} alternating rounds"
            )
            print(HEADER)
            print(row("ceiling: bare insert", ceiling, None))
            print(row("questionnaire submission", submissions, ceiling))
            print(f"stored {stored} of {args.requests} submissions")


if __name__ == "__main__":
    main()
