"""A small themed corpus for run tests: realistic answers from the demo's phrase banks."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from ohwb_engage import jobs
from ohwb_engage.feedback.demo_corpus import compose
from tests.themes.factories import make_answers

THEMES = ("access", "mental_health", "managers")


def themed_texts(n: int = 60, seed: int = 7) -> list[str]:
    """``n`` answers about three themes, the same for the same seed."""
    rng = random.Random(seed)
    return [
        compose(rng, "OH lead", themes=(THEMES[i % len(THEMES)],), personal_rate=0.0).text
        for i in range(n)
    ]


def make_corpus(app: Flask, n: int = 60, **kwargs) -> list[int]:
    """``n`` submitted answers to a fresh questionnaire; answer ids back."""
    return make_answers(app, themed_texts(n), **kwargs)


# A job that holds a worker of the in-process runner until the test lets it go: with both
# workers held, a run just started stays queued for as long as the test needs.
WORKERS_HELD = threading.Event()
HOLD_PATH = "tests.themes.runs_factories:hold_a_worker"


def hold_a_worker() -> None:
    WORKERS_HELD.wait(timeout=120)


@contextmanager
def busy_runner(app: Flask, workers: int = 2) -> Iterator[None]:
    """Inside, every worker of ``app``'s thread runner is busy, so new jobs wait their turn."""
    WORKERS_HELD.clear()
    with app.app_context():
        handles = [jobs.enqueue(HOLD_PATH) for _ in range(workers)]
    try:
        yield
    finally:
        WORKERS_HELD.set()
        for handle in handles:
            handle.wait(timeout=30)
