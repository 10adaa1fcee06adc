"""Discovery: determinism, every response accounted for, theme rules, edge cases."""

from __future__ import annotations

import importlib
import json
import time

import numpy as np
import pytest
import scipy.sparse as sp

from ohwb_engage.themes.engine import (
    DiscoveryResult,
    ThemeDiscoverer,
    clustering_scores,
    describe_themes,
    discover,
    to_dict,
)
from ohwb_engage.themes.engine.discover import mixture_cem


def _run(texts, seed=0, **kw) -> DiscoveryResult:
    return ThemeDiscoverer(random_state=seed, **kw).fit(texts).result_


def test_same_input_and_seed_give_equal_results(corpus) -> None:
    texts, _ = corpus
    assert _run(texts, 3) == _run(texts, 3)


def test_threads_polishing_the_runs_do_not_change_the_result(corpus) -> None:
    texts, _ = corpus
    one, two = _run(texts, 3, n_jobs=1), _run(texts, 3, n_jobs=2)
    assert one.assignments == two.assignments and one.themes == two.themes
    assert one.stability == two.stability and one.config["n_jobs"] == 1


def test_a_progress_callback_that_raises_stops_the_word_mixture(corpus, monkeypatch) -> None:
    module = importlib.import_module("ohwb_engage.themes.engine.discover")  # not the function
    seen: list[str] = []
    calls: list[int] = []

    def counted(*args, **kwargs):
        calls.append(1)
        time.sleep(0.5)  # a run long enough for the caller to react, as at scale
        return mixture_cem(*args, **kwargs)

    monkeypatch.setattr(module, "mixture_cem", counted)

    def progress(fraction: float, message: str) -> None:
        seen.append(message)
        if message.startswith("word mixture"):
            raise RuntimeError("superseded")

    with pytest.raises(RuntimeError, match="superseded"):
        ThemeDiscoverer(n_themes=3, n_jobs=1).fit(corpus[0], progress=progress)
    assert [m for m in seen if m.startswith("word mixture")] == ["word mixture 1 of 10"]
    assert len(calls) <= 2  # the first run, and at most the one its thread had begun


@pytest.mark.parametrize("n_jobs", [0, -2])
def test_a_nonsense_number_of_threads_is_refused(corpus, n_jobs) -> None:
    with pytest.raises(ValueError, match="n_jobs"):
        _run(corpus[0], n_jobs=n_jobs)


def test_recovers_clear_topics(corpus) -> None:
    texts, labels = corpus
    result = _run(texts, n_themes=3)
    assert result.n_themes == 3
    assert clustering_scores(labels, result.assignments)["nmi"] > 0.8
    labels_text = " ".join(t.label for t in result.themes)
    assert "mental health" in labels_text  # bigram, not "mental, health"


def test_auto_number_of_themes_within_bounds(corpus) -> None:
    texts, labels = corpus
    result = _run(texts, min_themes=2, max_themes=6)
    assert 2 <= result.n_themes <= 6
    assert clustering_scores(labels, result.assignments)["nmi"] > 0.5
    assert result.config["k_searched"]


def test_every_response_is_accounted_for(corpus) -> None:
    texts, _ = corpus
    extra = ["", "n/a", "Nothing", texts[0], "Danke, das ist nicht sehr gut für uns", "the of"]
    result = _run(texts + extra, n_themes=3)
    n = len(texts) + len(extra)
    assert len(result.assignments) == len(result.status) == len(result.sentiment) == n
    c = result.counts
    assert sum(c[s] for s in ("answer", "duplicate", "empty", "non_answer",
                              "non_english", "no_terms")) == n  # fmt: skip
    assert c["assigned"] + sum(1 for a in result.assignments if a < 0) == n
    tail = result.status[-6:]
    assert tail == ("empty", "non_answer", "non_answer", "duplicate", "non_english", "no_terms")
    # a duplicate takes the theme of its first occurrence; non-answers are never clustered
    assert result.assignments[n - 3] == result.assignments[0]
    assert result.assignments[n - 5] == result.assignments[n - 4] == -1
    assert result.unassigned_share < 0.1
    assert sum(t.size for t in result.themes) == c["assigned"]


def test_theme_evidence(corpus) -> None:
    texts, _ = corpus
    result = _run(texts, n_themes=3)
    for theme in result.themes:
        assert theme.label and theme.terms and theme.quotes
        assert all(result.assignments[q] == theme.id for q in theme.quotes)
        assert theme.size >= 5 and -1 <= theme.sentiment <= 1
        weights = [w for _, w in theme.terms]
        assert weights == sorted(weights, reverse=True)
    assert [t.size for t in result.themes] == sorted((t.size for t in result.themes), reverse=True)


def test_config_is_json_and_stability_reported(corpus) -> None:
    texts, _ = corpus
    result = _run(texts, n_themes=3, domain_stop_words=("canteen",))
    json.dumps(result.config)
    json.dumps(to_dict(result))
    assert result.config["random_state"] == 0 and result.config["domain_stop_words"] == ["canteen"]
    assert result.stability is not None and -1 <= result.stability <= 1
    assert "total" in result.timings


def test_progress_is_reported_in_order(corpus) -> None:
    texts, _ = corpus
    seen: list[tuple[float, str]] = []
    ThemeDiscoverer(n_themes=3).fit(texts, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert len(seen) > 5 and fractions == sorted(fractions)
    assert fractions[-1] == 1.0 and all(0 <= f <= 1 for f in fractions)


def test_split_a_small_theme() -> None:
    texts = [f"parking {w} at night" for w in ("fees", "spaces", "barrier", "permit", "costs")]
    texts += [f"canteen {w} food" for w in ("hot", "cold", "healthy", "vegan", "late", "cheap")]
    texts += ["rota changes", "rota too late", "rota swaps", "rota app"]
    assert len(texts) == 15
    result = discover(texts, min_themes=2, max_themes=4, min_theme_size=2)
    assert 2 <= result.n_themes <= 4
    assert sum(1 for a in result.assignments if a >= 0) >= 13


@pytest.mark.parametrize(
    "texts",
    [[], ["nothing", "n/a", ""], ["parking"], ["parking", "parking", "parking"],
     ["one answer about parking", "another about food"]],
)  # fmt: skip
def test_degenerate_inputs_do_not_crash(texts) -> None:
    result = _run(texts)
    assert len(result.assignments) == len(texts)
    assert result.n_themes <= max(1, len(texts))


def test_fixed_number_and_max_themes_cap(corpus) -> None:
    texts, _ = corpus
    result = _run(texts, n_themes=100)
    assert result.n_themes <= 12  # min size 5 and near-duplicate merging
    assert all(t.size >= 5 for t in result.themes)


def test_describe_arbitrary_grouping(corpus) -> None:
    texts, labels = corpus
    groups = sorted(set(labels))
    assignments = [groups.index(lab) for lab in labels]
    assignments[0] = -1  # an analyst moved one answer out
    themes = describe_themes(texts, assignments, n_quotes=3)
    assert len(themes) == 3
    by_label = {t.label: t for t in themes}
    assert any("mental health" in lab for lab in by_label)
    assert any("parking" in lab for lab in by_label)
    assert sum(t.size for t in themes) == len(texts) - 1
    with pytest.raises(ValueError):
        describe_themes(texts, assignments[:-1])


def test_invalid_parameters() -> None:
    with pytest.raises(ValueError):
        ThemeDiscoverer(n_themes="many").fit(["a b"])
    with pytest.raises(ValueError):
        ThemeDiscoverer(min_themes=5, max_themes=2).fit(["a b"])


def test_auto_prefers_the_fewest_themes_that_explain_the_data(corpus) -> None:
    texts, labels = corpus
    greedy = _run(texts, max_themes=12, min_theme_size=2, k_tolerance=0.0)
    parsimonious = _run(texts, max_themes=12, min_theme_size=2, k_tolerance=0.3)
    scores = {int(k): v for k, v in parsimonious.config["k_searched"].items()}
    assert scores == {int(k): v for k, v in greedy.config["k_searched"].items()}
    best = max(scores.values())
    # tolerance 0 keeps the best silhouette; 0.3 the smallest k within 30% of it
    assert greedy.n_themes == max(scores, key=scores.get)
    assert parsimonious.n_themes == min(k for k, v in scores.items() if v >= 0.7 * best)
    assert parsimonious.n_themes < greedy.n_themes
    assert clustering_scores(labels, parsimonious.assignments)["nmi"] > 0.95


def test_k_tolerance_is_validated() -> None:
    with pytest.raises(ValueError, match="k_tolerance"):
        ThemeDiscoverer(k_tolerance=1.5).fit(["a b"])


def test_word_mixture_moves_answers_to_the_theme_of_their_words() -> None:
    # rows 0-2 talk about parking, rows 3-5 about food; row 2 starts in the wrong theme
    present = sp.csr_matrix(
        np.array(
            [
                [1, 1, 0, 0, 0],
                [1, 0, 1, 0, 0],
                [0, 1, 1, 0, 0],
                [0, 0, 0, 1, 1],
                [0, 0, 0, 1, 0],
                [0, 0, 0, 0, 1],
            ],
            dtype=float,
        )
    )
    start = np.array([0, 0, 1, 1, 1, 1])
    w = np.ones(6)
    labels = mixture_cem(present, start, w)
    assert labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert np.array_equal(mixture_cem(present, start, w), labels)  # deterministic
    # rows of weight 0 are assigned but do not shape the themes
    w0 = np.array([1.0, 1, 0, 1, 1, 1])
    assert mixture_cem(present, start, w0).tolist() == [0, 0, 0, 1, 1, 1]
    assert mixture_cem(present, start, w, n_iter=0).tolist() == start.tolist()


def test_answers_of_weight_0_leave_the_others_themes_alone() -> None:
    rng = np.random.default_rng(4)
    present = sp.random(300, 40, density=0.15, random_state=4, format="csr")
    present.data[:] = 1.0
    start = rng.integers(0, 5, 300)
    w = rng.integers(1, 3, 300).astype(float)
    weighted = np.arange(200)
    alone = mixture_cem(present[weighted], start[weighted], w[weighted])
    w[200:] = 0.0  # the last 100 only ride along
    together = mixture_cem(present, start, w)
    pairs = set(zip(together[weighted].tolist(), alone.tolist(), strict=True))
    # the same partition, maybe renumbered
    assert len(pairs) == len(set(alone.tolist())) == len(set(together[weighted].tolist()))
    assert set(together[200:].tolist()) <= set(together[weighted].tolist())


def test_word_mixture_can_be_switched_off(corpus) -> None:
    texts, labels = corpus
    result = _run(texts, n_themes=3, mixture_iter=0)
    assert result.config["mixture_iter"] == 0
    assert clustering_scores(labels, result.assignments)["nmi"] > 0.8
    with pytest.raises(ValueError, match="mixture"):
        ThemeDiscoverer(mixture_smoothing=0).fit(["a b"])
