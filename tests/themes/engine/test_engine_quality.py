"""Quality floor on small slices of the shared labelled data (fails on random themes)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ohwb_engage.themes.engine import ThemeDiscoverer, ThemeMapper, clustering_scores
from ohwb_engage.themes.engine.metrics import predicted_groups


def _load(path: Path, label: str, n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(len(rows), n, replace=False))
    return [rows[i]["text"] for i in pick], [rows[i][label] for i in pick]


def test_discovery_floor_on_stackoverflow(shared_data) -> None:
    texts, labels = _load(shared_data / "stackoverflow" / "stackoverflow.tsv", "label", 2000)
    result = ThemeDiscoverer(n_themes=20, random_state=0).fit(texts).result_
    scores = clustering_scores(labels, predicted_groups(result.assignments, result.status))
    shuffled = np.random.default_rng(1).permutation(result.assignments)
    chance = clustering_scores(labels, shuffled)
    assert scores["nmi"] > 0.5 > chance["nmi"] + 0.3
    assert result.unassigned_share < 0.1


def test_mapping_floor_on_nhs_feedback(shared_data) -> None:
    texts, labels = _load(shared_data / "nhs_fft_phase1" / "nhs_fft_phase1.tsv", "label", 2500)
    mapper = ThemeMapper(random_state=0).fit(texts[:2000], labels[:2000])
    scores = mapper.score(texts[2000:], labels[2000:])
    majority = max(labels[2000:].count(v) for v in set(labels)) / 500
    assert scores.accuracy > 0.6 > majority
    assert scores.macro_f1 > 0.35
