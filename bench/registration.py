"""Registration POST against the ceiling for a write, in one run, on SQLite and PostgreSQL.

For each database: build the schema with the migrations, start gunicorn (same settings for
both measurements), then fire N requests at concurrency C at the ceiling (``/_bench/insert``,
a bare one-row insert) and at the registration POST (CSRF token and session cookie fetched
beforehand, as a browser would have them), in alternating rounds. Two registration runs: an
event with room for everyone (every POST takes a seat) and a 90-seat event (after 90, every
POST joins the waiting list under the event's row lock). Goal: throughput >= 0.5x and p99 <=
2x the ceiling's, with zero errors.

    .venv/bin/python -m bench.registration [--database both] [--requests 2000]
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

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
from tests.live import Browserless, LoadResult, hammer, request

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/events_test"
WARM_UP = 64
SEQUENTIAL = 300


def _databases(args: Any, tmp: str) -> list[tuple[str, str]]:
    urls = []
    if args.database in ("sqlite", "both"):
        urls.append(("SQLite", f"sqlite:///{tmp}/bench.sqlite"))
    if args.database in ("postgresql", "both"):
        # A scratch database of this benchmark's own, created from the server's existing one
        # (the default base, `test`, is never written to).
        name = f"{make_url(DEFAULT_POSTGRES).database}_bench_registration"
        urls.append(("PostgreSQL", create_postgres_database(args.postgres_url, name)))
    return urls


def _make_events(url: str, capacity_full: int) -> tuple[int, int, int]:
    """An event with room for all, a 90-seat event, and a stakeholder group id."""
    from datetime import timedelta

    from ohwb_engage import create_app
    from ohwb_engage.database import utcnow
    from ohwb_engage.extensions import db
    from ohwb_engage.reference.services import ensure_default_groups, stakeholder_groups
    from ohwb_engage.workshops.models import Event

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench" * 10})
    with app.app_context():
        ensure_default_groups()
        starts = utcnow() + timedelta(days=14)
        events = [
            Event(
                title=f"Bench {n}",
                kind="breakfast_club",
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                join_url="https://meet.example.org/j/b",
                capacity=capacity,
                status="published",
            )
            for n, capacity in (("open", None), ("full", capacity_full))
        ]
        db.session.add_all(events)
        db.session.commit()
        group = stakeholder_groups()[0].id
        ids = events[0].id, events[1].id, group
        db.engine.dispose()
    return ids


_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _session(base: str, event_id: int) -> tuple[str, dict[str, str]]:
    """A browser's CSRF token and session cookie for the registration form."""
    client = Browserless(base)
    try:
        _, html = client.get(f"/events/{event_id}/register")
    except OSError:  # this thread's kept-alive connection timed out: the next one is fresh
        _, html = client.get(f"/events/{event_id}/register")
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the registration page"
    return match.group(1), dict(client.cookies)


def registration_tasks(
    base: str, event_id: int, group: int, n: int, prefix: str
) -> list[Callable[[], tuple[int, float]]]:
    token, cookies = _session(base, event_id)

    def make(i: int) -> Callable[[], tuple[int, float]]:
        body = {
            "csrf_token": token,
            "name": f"Bench Person {i}",
            "email": f"{prefix}{i}@example.org",
            "organisation": "Riverside University Hospitals NHS Trust",
            "job_role": "Wellbeing lead",
            "stakeholder_group": str(group),
            "region": "London",
            "access_needs": "",
        }

        def task() -> tuple[int, float]:
            start = time.perf_counter()
            status, _, _ = request("POST", f"{base}/events/{event_id}/register", body, cookies)
            elapsed = time.perf_counter() - start
            return (status if status == 302 else 500 + status), elapsed  # anything else: error

        return task

    return [make(i) for i in range(n)]


def notices_settled(url: str) -> Callable[[], None]:
    """Finish the registrations' background work: draft every first e-mail still owed.

    The server's own job drafts them half a second after a burst (``notices.GATHER_SECONDS``)
    and in batches; at the end of a round that wait would be idle time, so this drafts what
    is left at once, as cron or an RQ worker would, on the same two cores and on the
    round's clock: the e-mails are paid for, whoever writes them.
    """
    from ohwb_engage import create_app
    from ohwb_engage.workshops.notices import draft_due_notices

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench" * 10})

    def settle() -> None:
        with app.app_context():
            draft_due_notices()

    return settle


def _round(
    base: str, event_id: int, group: int, prefix: str, n: int, round_number: int
) -> list[Callable[[], tuple[int, float]]]:
    return registration_tasks(base, event_id, group, n, f"{prefix}{round_number}-")


def _worker_cpu_seconds(master_pid: int) -> float | None:
    """CPU time used so far by gunicorn's workers (Linux /proc; None elsewhere)."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        total = 0
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
        return total / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def cpu_per_request(
    master_pid: int,
    tasks: list[Callable[[], tuple[int, float]]],
    settle: Callable[[], None] | None = None,
) -> str:
    """Server CPU per request, one request at a time: a figure the box's load moves less
    (with ``settle``, the background work the requests left is counted too: the workers'
    jobs as worker CPU, what ``settle`` finishes here as this process's CPU)."""
    before = _worker_cpu_seconds(master_pid)
    result = hammer(tasks, concurrency=1)  # a fresh thread: a fresh keep-alive connection
    settled = 0.0
    if settle is not None:
        began = time.process_time()
        settle()
        settled = time.process_time() - began
    after = _worker_cpu_seconds(master_pid)
    if result.server_errors:
        return "n/a (errors)"
    if before is None or after is None:
        return "n/a"
    return f"{(after - before + settled) / len(tasks) * 1000:.2f} ms"


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    with tempfile.TemporaryDirectory() as tmp:
        for label, url in _databases(args, tmp):
            fresh_schema(url)
            open_event, full_event, group = _make_events(url, 90)
            with server(url, args) as live:
                settle = notices_settled(url)
                hammer(ceiling_tasks(live.url, WARM_UP), args.concurrency)
                hammer(
                    registration_tasks(live.url, open_event, group, WARM_UP, "warm"),
                    args.concurrency,
                )
                found = interleaved(
                    {
                        "ceiling": lambda n, k: ceiling_tasks(live.url, n),
                        "seats": partial(_round, live.url, open_event, group, "p"),
                        "waiting": partial(_round, live.url, full_event, group, "w"),
                    },
                    args.requests,
                    args.rounds,
                    args.concurrency,
                    settle=dict.fromkeys(("seats", "waiting"), settle),
                )
                ceiling, seats, waiting = found["ceiling"], found["seats"], found["waiting"]
                pid = live.process.pid
                cpu_ceiling = cpu_per_request(pid, ceiling_tasks(live.url, SEQUENTIAL))
                cpu_registration = cpu_per_request(
                    pid,
                    registration_tasks(live.url, open_event, group, SEQUENTIAL, "s"),
                    settle,
                )
            print(
                f"\n{label}: {args.requests} requests, concurrency {args.concurrency}, "
                f"gunicorn {args.workers} workers x {args.threads} threads, "
                f"in {args.rounds} alternating rounds"
            )
            print(HEADER)
            print(row("ceiling: bare insert", ceiling, None))
            print(row("registration (seat taken)", seats, ceiling))
            print(row("registration (90 seats, waiting list)", waiting, ceiling))
            print(
                f"server CPU per request, one at a time: ceiling {cpu_ceiling}, "
                f"registration {cpu_registration}"
            )
            print(_emails_accounted(url))
            _verdict(seats, ceiling)


def _emails_accounted(url: str) -> str:
    """Moving the first e-mail off the request must not lose one: count them afterwards."""
    from sqlalchemy import create_engine, func, select

    from ohwb_engage.mail.models import OutboxMessage
    from ohwb_engage.workshops.models import Registration

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            places = connection.execute(select(func.count(Registration.id))).scalar_one()
            owed = connection.execute(
                select(func.count(Registration.id)).where(Registration.notice_due.is_(True))
            ).scalar_one()
            drafted = connection.execute(select(func.count(OutboxMessage.id))).scalar_one()
    finally:
        engine.dispose()
    verdict = "ok" if drafted == places and owed == 0 else "MISSING"
    return f"first e-mails: {places} registrations, {drafted} in the outbox, {owed} owed: {verdict}"


def _verdict(result: LoadResult, ceiling: LoadResult) -> None:
    throughput = result.throughput / ceiling.throughput if ceiling.throughput else 0.0
    p99 = result.percentile(99) / ceiling.percentile(99) if ceiling.latencies else 0.0
    ok = throughput >= 0.5 and p99 <= 2.0 and result.server_errors == 0
    print(f"goal (>= 0.5x throughput, <= 2x p99, no errors): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
