"""Frozen result types: what a run hands back to the web app, by position only.

Plain tuples and floats (no numpy arrays) so that two runs compare equal with ``==``
and results serialise to JSON with :func:`to_dict`. Timings are excluded from
equality: the same input and seed must give an *equal* result, however long it took.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DiscoveryResult",
    "MappingResult",
    "MappingScores",
    "Prediction",
    "Theme",
    "to_dict",
]


@dataclass(frozen=True)
class Theme:
    """One theme and its evidence."""

    id: int
    label: str
    terms: tuple[tuple[str, float], ...]  # distinctive terms, best first, with c-TF-IDF weight
    quotes: tuple[int, ...]  # positions in the input of the most representative answers
    size: int  # responses in the theme (duplicates included)
    sentiment: float  # mean VADER compound score of its responses
    share: float = 0.0  # size / number of responses


@dataclass(frozen=True)
class DiscoveryResult:
    """Themes found in a set of answers; every position is accounted for."""

    assignments: tuple[int, ...]  # theme id per response, -1 if unassigned or not clustered
    status: tuple[str, ...]  # answer / duplicate / empty / non_answer / non_english / no_terms
    confidence: tuple[float, ...]  # how strongly each response belongs to its theme, [0, 1]
    sentiment: tuple[float, ...]  # VADER compound per response
    themes: tuple[Theme, ...]
    counts: dict[str, int]  # responses per status, plus "unassigned" and "assigned"
    stability: float | None  # mean ARI between runs on resampled data (None if not computed)
    config: dict[str, Any]  # the full configuration of the run (JSON-serialisable)
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def n_themes(self) -> int:
        """Number of themes found."""
        return len(self.themes)

    @property
    def unassigned_share(self) -> float:
        """Share of clusterable responses (answers and duplicates) left unassigned."""
        total = len(self.assignments)
        return self.counts.get("unassigned", 0) / total if total else 0.0

    def theme(self, theme_id: int) -> Theme:
        """The theme with this id."""
        return self.themes[theme_id]

    def members(self, theme_id: int) -> tuple[int, ...]:
        """Positions of the responses in a theme (-1 gives the unassigned ones)."""
        return tuple(i for i, a in enumerate(self.assignments) if a == theme_id)


@dataclass(frozen=True)
class Prediction:
    """The themes of one response, each with a confidence in [0, 1]."""

    labels: tuple[str, ...]
    scores: tuple[float, ...]  # confidence of each predicted label (same order)
    top_label: str  # most likely label even when below the threshold
    top_score: float

    @property
    def confidence(self) -> float:
        """Confidence of the best label (0 when nothing clears the threshold)."""
        return max(self.scores) if self.scores else 0.0


@dataclass(frozen=True)
class MappingResult:
    """Predictions for every response, in input order."""

    predictions: tuple[Prediction, ...]
    classes: tuple[str, ...]
    config: dict[str, Any]


@dataclass(frozen=True)
class MappingScores:
    """Agreement of predictions with held-out coded examples."""

    micro_f1: float
    macro_f1: float
    accuracy: float  # share whose best label is one of the coded labels
    n: int
    per_theme_f1: dict[str, float]


def to_dict(result: Any) -> dict[str, Any]:
    """A JSON-ready dict of any result dataclass (tuples become lists)."""
    return dataclasses.asdict(result)
