"""Shared fixtures for the theme-engine tests: small synthetic corpora, data paths."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))
SHARED_DATA = ROOT.parent / "shared" / "data"

TOPICS = {
    "parking": [
        "car park is always full", "parking costs too much", "no parking spaces near the ward",
        "parking permit took weeks", "the car park barrier broke", "parking charges for staff",
    ],
    "mental health": [
        "mental health support was great", "needed more mental health days",
        "mental health first aiders helped", "talk about mental health openly",
        "mental health check ins every week", "access to mental health counselling",
    ],
    "food": [
        "canteen food is cold at night", "healthy food options in the canteen",
        "the food at breakfast club was lovely", "hot food after eight pm",
        "vending machine food is poor", "free fruit and food on night shift",
    ],
}  # fmt: skip


def make_corpus(per_topic: int = 20, seed: int = 0) -> tuple[list[str], list[str]]:
    """Short answers from three clear topics, with small variations."""
    rng = random.Random(seed)
    fillers = ["", "honestly ", "i think ", "really ", "please note ", "overall "]
    endings = ["", ".", " thanks", " every time", " this year", "!"]
    texts, labels = [], []
    for topic, phrases in TOPICS.items():
        for _ in range(per_topic):
            texts.append(rng.choice(fillers) + rng.choice(phrases) + rng.choice(endings))
            labels.append(topic)
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[i] for i in order], [labels[i] for i in order]


@pytest.fixture(scope="session")
def corpus() -> tuple[list[str], list[str]]:
    return make_corpus()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared labelled data not found at {SHARED_DATA}")
    return SHARED_DATA
