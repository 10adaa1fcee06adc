"""A small themed corpus for run tests: realistic answers from the demo's phrase banks."""

from __future__ import annotations

import random

from flask import Flask

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
