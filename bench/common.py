"""Shared pieces of the HTTP benchmarks: a database per run, the ceiling, a result table."""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.databases import create_postgres_database
from tests.live import LoadResult, gunicorn, hammer

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "ohwb_bench"


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="measure in this many alternating rounds (ceiling, feature, ...), so a box "
        "that speeds up or slows down during the run moves both alike",
    )
    return parser.parse_args()


def database_urls(args: argparse.Namespace, tmp: str) -> Iterator[tuple[str, str]]:
    if args.database in ("sqlite", "both"):
        yield "SQLite", f"sqlite:///{tmp}/bench.sqlite"
    if args.database in ("postgresql", "both"):
        # A database of its own: never the one a test run may be using.
        yield "PostgreSQL", create_postgres_database(args.postgres_url, BENCH_DATABASE)


def fresh_schema(url: str) -> None:
    """Build the schema with the migrations, as a deployment would (the database is new)."""
    from flask_migrate import upgrade

    from bench.ceiling import prepare
    from ohwb_engage import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench" * 10})
    with app.app_context():
        upgrade()
    prepare(app)


@contextmanager
def server(url: str, args: argparse.Namespace) -> Iterator[Any]:
    with (
        tempfile.TemporaryDirectory() as instance,
        gunicorn(
            url, instance, workers=args.workers, threads=args.threads, app_path="bench.ceiling:app"
        ) as live,
    ):
        yield live


Tasks = list[Callable[[], tuple[int, float]]]


def merged(results: list[LoadResult]) -> LoadResult:
    """Rounds as one result: every request's status and latency, the rounds' time summed."""
    return LoadResult(
        [s for r in results for s in r.statuses],
        [t for r in results for t in r.latencies],
        sum(r.elapsed for r in results),
        [e for r in results for e in r.errors],
    )


def interleaved(
    runs: dict[str, Callable[[int, int], Tasks]],
    requests: int,
    rounds: int,
    concurrency: int,
    settle: dict[str, Callable[[], None]] | None = None,
) -> dict[str, LoadResult]:
    """Fire ``requests`` of every run in ``rounds`` alternating rounds and merge each run's.

    Measured one after the other, a ratio moved with the shared machine: a neighbour's load
    during the second half lowered the feature's figure alone (0.36x and 0.52x in two runs
    of the same code). Alternating gives every run the same share of fast and slow spells.
    ``runs`` maps a name to ``make(n, round) -> tasks`` (a round number keeps e-mail
    addresses and keys unique). ``settle`` maps a name to a call that returns once the
    work its requests left for background jobs is done: its time counts in the round, so
    work moved off the request is still paid for (and never spills into the next run's
    round).
    """
    per_round = [requests // rounds + (1 if k < requests % rounds else 0) for k in range(rounds)]
    results: dict[str, list[LoadResult]] = {name: [] for name in runs}
    for k, n in enumerate(per_round):
        for name, make in runs.items():
            result = hammer(make(n, k), concurrency)
            if settle and name in settle:
                began = time.perf_counter()
                settle[name]()
                result = merged([result, LoadResult([], [], time.perf_counter() - began, [])])
            results[name].append(result)
    return {name: merged(found) for name, found in results.items()}


def row(label: str, result: LoadResult, ceiling: LoadResult | None) -> str:
    p99 = result.percentile(99) * 1000
    line = (
        f"| {label} | {result.throughput:8.1f} | {result.percentile(50) * 1000:7.1f} | "
        f"{p99:7.1f} | {result.server_errors} |"
    )
    if ceiling is not None:
        ratio = result.throughput / ceiling.throughput if ceiling.throughput else 0.0
        p99_ratio = p99 / (ceiling.percentile(99) * 1000) if ceiling.latencies else 0.0
        line += f" {ratio:5.2f} | {p99_ratio:5.2f} |"
    else:
        line += " 1.00 | 1.00 |"
    return line


HEADER = (
    "| run | req/s | p50 ms | p99 ms | errors | throughput / ceiling | p99 / ceiling |\n"
    "|---|---|---|---|---|---|---|"
)


def ceiling_tasks(base_url: str, n: int) -> list[Callable[[], tuple[int, float]]]:
    import time

    from tests.live import request

    def task() -> tuple[int, float]:
        start = time.perf_counter()
        status, _, _ = request("POST", base_url + "/_bench/insert", body={"body": "x"})
        return status, time.perf_counter() - start

    return [task] * n
