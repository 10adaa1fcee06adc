"""Server CPU per request, in-process: the registration and open-link feedback POSTs against
the ceiling (a bare one-row insert).

The wall-clock benchmarks (``bench.registration``, ``bench.feedback``) need a quiet machine;
this one measures what a request costs the server with ``time.process_time()`` around N
requests sent through Flask's test client (no network, no gunicorn), with the benchmarks'
settings (rate limits off, CSRF on) on a SQLite file. Best of R rounds; ``--profile`` adds
the cProfile listing of our own functions for one more round of each feature.

    .venv/bin/python -m bench.cpu [--requests 300] [--rounds 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import secrets
import tempfile
import time
from collections.abc import Callable
from typing import Any


def _client(tmp: str) -> tuple[Any, Any]:
    """(the ceiling app's test client, its database URL); the environment is the bench's."""
    url = f"sqlite:///{tmp}/cpu.sqlite"
    os.environ.update(
        OHWB_DATABASE_URL=url,
        OHWB_SECRET_KEY="bench" * 10,
        OHWB_INSTANCE_PATH=tmp,
        OHWB_RATELIMIT_ENABLED="false",
        OHWB_LOG_LEVEL="WARNING",
    )
    from bench.common import fresh_schema

    fresh_schema(url)
    from bench.ceiling import app  # built from the environment above

    return app.test_client(), url


def _registrations(client: Any, url: str, full: bool = False) -> Callable[[int], None]:
    """Registration POSTs: for an event with room for all, or (``full``) for a 90-seat
    event, which the warm-up fills, so the measured requests join its waiting list."""
    from bench.registration import _make_events

    open_id, full_id, group = _make_events(url, 90)
    event_id = full_id if full else open_id
    html = client.get(f"/events/{event_id}/register").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)  # type: ignore[union-attr]

    def send(i: int) -> None:
        response = client.post(
            f"/events/{event_id}/register",
            data={
                "csrf_token": token,
                "name": f"Person {i}",
                "email": f"p{i}@example.org",
                "organisation": "Trust",
                "job_role": "Lead",
                "stakeholder_group": str(group),
                "region": "London",
                "access_needs": "",
            },
        )
        assert response.status_code == 302, response.status_code

    return send


def _submissions(client: Any, url: str) -> Callable[[int], None]:
    from bench.feedback import _questionnaire
    from tests.feedback.helpers import hidden_fields

    code, question_id, _ = _questionnaire(url)
    form = hidden_fields(client.get(f"/q/{code}").text)

    def send(i: int) -> None:
        body = {
            **form,
            "submission_key": secrets.token_urlsafe(24),
            f"q{question_id}": f"Answer {i}: staff wait weeks for physio and counselling; "
            "managers need training to have wellbeing conversations early. "
            + "More flexible rotas would help. "
            * (i % 3),
            "stakeholder_group": "none",
            "consent": "y",
        }
        response = client.post(f"/q/{code}?page=1", data=body)
        assert response.status_code == 303, response.status_code

    return send


def _ceiling(client: Any) -> Callable[[int], None]:
    def send(i: int) -> None:
        assert client.post("/_bench/insert").status_code == 201

    return send


def _cpu_ms(send: Callable[[int], None], start: int, n: int) -> float:
    """CPU of the process (every thread) per request, the background jobs the requests
    queued included (a registration's e-mail is drafted by one)."""
    from bench.ceiling import app
    from ohwb_engage import jobs
    from ohwb_engage.workshops.notices import draft_due_notices

    began = time.process_time()
    for i in range(start, start + n):
        send(i)
    jobs.drain(app)  # waits for a running job; one not yet started is dropped, so:
    with app.app_context():
        draft_due_notices()  # what is still owed is drafted here, on the same clock
    return (time.process_time() - began) / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        client, url = _client(tmp)
        senders = {
            "ceiling": _ceiling(client),
            "registration": _registrations(client, url),
            "registration (waiting list)": _registrations(client, url, full=True),
            "feedback": _submissions(client, url),
        }
        n, best = args.requests, {name: float("inf") for name in senders}
        for send in senders.values():
            _cpu_ms(send, 0, n)  # warm up: caches, compiled statements, first connections
        for round_ in range(1, args.rounds + 1):
            for name, send in senders.items():
                best[name] = min(best[name], _cpu_ms(send, round_ * n, n))
        print("| POST | CPU ms/request | x ceiling |\n|---|---|---|")
        for name, ms in best.items():
            print(f"| {name} | {ms:.2f} | {ms / best['ceiling']:.2f} |")
        if args.profile:
            for name in ("registration", "registration (waiting list)", "feedback"):
                profile = cProfile.Profile()
                profile.runcall(_cpu_ms, senders[name], (args.rounds + 1) * n, n)
                stats = pstats.Stats(profile)
                print(f"\n{name}: {stats.total_calls / n:.0f} Python calls/request")
                stats.sort_stats("cumulative").print_stats("ohwb_engage", 25)


if __name__ == "__main__":
    main()
