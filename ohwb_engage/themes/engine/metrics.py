"""Clustering agreement with reference labels (used by the benchmark and tests)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

__all__ = ["cluster_accuracy", "clustering_scores", "predicted_groups"]


def cluster_accuracy(truth: Sequence[object], pred: Sequence[object]) -> float:
    """Best one-to-one match of clusters to labels (Hungarian), as a share."""
    t = np.unique(np.asarray(truth, dtype=str), return_inverse=True)[1]
    p = np.unique(np.asarray(pred, dtype=str), return_inverse=True)[1]
    if len(t) == 0:
        return 0.0
    m = np.zeros((p.max() + 1, t.max() + 1))
    np.add.at(m, (p, t), 1)
    r, c = linear_sum_assignment(-m)
    return float(m[r, c].sum() / len(t))


def predicted_groups(assignments: Sequence[int], status: Sequence[str]) -> list[str]:
    """Themes as groups; everything not in a theme grouped by its status.

    Non-answers, empty and non-English answers are explicit groups the engine reports,
    and the unassigned answers are one more group, so nothing is left out of a score.
    """
    return [
        str(a) if a >= 0 else f"unassigned:{s}" for a, s in zip(assignments, status, strict=True)
    ]


def clustering_scores(truth: Sequence[object], pred: Sequence[object]) -> dict[str, float]:
    """ACC, NMI and ARI of a grouping against reference labels."""
    t = [str(v) for v in truth]
    p = [str(v) for v in pred]
    return {
        "acc": round(cluster_accuracy(t, p), 4),
        "nmi": round(float(normalized_mutual_info_score(t, p)), 4),
        "ari": round(float(adjusted_rand_score(t, p)), 4),
    }
