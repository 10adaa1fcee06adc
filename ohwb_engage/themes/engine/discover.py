"""Discover themes: TF-IDF -> LSA views -> bagged KMeans ensemble -> consensus -> refine.

Why an ensemble: a single KMeans on short text swings by several NMI points with the
seed. Clustering bootstrap resamples on several LSA views and then clustering the
runs' votes (a consensus) is both more accurate and gives the stability score for
free: the agreement (ARI) between runs fitted on different resamples. A final
spherical-KMeans pass on the TF-IDF itself sharpens themes around their words.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.metrics.pairwise import cosine_distances
from sklearn.preprocessing import normalize

from .label import describe_themes
from .preprocess import (
    ANSWER,
    DEFAULT_DOMAIN_STOP_WORDS,
    DEFAULT_NON_ANSWERS,
    DUPLICATE,
    NO_TERMS,
    STATUSES,
    Preprocessor,
)
from .results import DiscoveryResult, Theme
from .sentiment import sentiment as _sentiment
from .vectorise import term_counts, tfidf

__all__ = ["Progress", "ThemeDiscoverer", "discover", "mixture_cem"]

Progress = Callable[[float, str], None]

#: Theme-set rules after themefinder.
MAX_THEMES = 70
_LARGE = 20_000  # above this many answers, MiniBatchKMeans and subsampled model selection


def _noop(_fraction: float, _message: str) -> None:
    return None


class _Stages:
    """Maps per-stage progress onto one overall fraction."""

    def __init__(self, progress: Progress | None, weights: dict[str, float]) -> None:
        self.progress = progress or _noop
        total = sum(weights.values())
        self.start: dict[str, float] = {}
        acc = 0.0
        for name, w in weights.items():
            self.start[name] = acc / total
            acc += w
        self.width = {name: w / total for name, w in weights.items()}

    def __call__(self, stage: str, fraction: float, message: str) -> None:
        value = self.start[stage] + self.width[stage] * min(max(fraction, 0.0), 1.0)
        self.progress(round(min(value, 1.0), 4), message)

    def sub(self, stage: str) -> Progress:
        return lambda f, m: self(stage, f, m)


class ThemeDiscoverer:
    """Find themes in free-text answers.

    Parameters
    ----------
    n_themes: ``"auto"`` (chosen by the data within ``min_themes..max_themes``) or an int.
    min_themes, max_themes: bounds for the automatic choice (max is capped at 70).
    min_theme_size: smallest theme kept; ``None`` means max(5, 0.1% of responses).
    merge_threshold: themes whose TF-IDF centres have a cosine above this are merged.
    min_similarity: answers less similar than this to their theme centre are unassigned.
    n_runs: KMeans runs in the ensemble (each on a resample of ``resample`` share).
    k_tolerance: with ``"auto"``, the smallest number of themes whose silhouette is
        within this share of the best one is chosen (parsimony; see ``_choose_k``).
    embeddings: ``None``/``"none"`` for TF-IDF only, ``"auto"`` to use the semantic extra
        when installed, ``"minilm"`` to require it; or pass an array to :meth:`fit`.
    n_jobs: threads that polish the ensemble's runs with the word mixture at once
        (``None``: up to 2; ``-1``: every core). Each holds a theme-by-word table, so
        memory grows with them. The result is the same for any value.
    """

    def __init__(
        self,
        n_themes: int | str = "auto",
        *,
        min_themes: int = 2,
        max_themes: int = 30,
        min_theme_size: int | None = None,
        merge_threshold: float = 0.6,
        min_similarity: float = 0.02,
        n_components: int = 200,
        n_runs: int = 10,
        resample: float = 0.8,
        refine_iter: int = 10,
        mixture_iter: int = 30,
        mixture_smoothing: float = 0.1,
        k_tolerance: float = 0.13,
        domain_stop_words: Iterable[str] = DEFAULT_DOMAIN_STOP_WORDS,
        non_answers: Iterable[str] = DEFAULT_NON_ANSWERS,
        redact_personal_data: bool = True,
        embeddings: str | None = None,
        n_terms: int = 10,
        n_quotes: int = 5,
        compute_sentiment: bool = True,
        n_jobs: int | None = None,
        random_state: int = 0,
    ) -> None:
        self.n_themes = n_themes
        self.min_themes = min_themes
        self.max_themes = max_themes
        self.min_theme_size = min_theme_size
        self.merge_threshold = merge_threshold
        self.min_similarity = min_similarity
        self.n_components = n_components
        self.n_runs = n_runs
        self.resample = resample
        self.refine_iter = refine_iter
        self.mixture_iter = mixture_iter
        self.mixture_smoothing = mixture_smoothing
        self.k_tolerance = k_tolerance
        self.domain_stop_words = domain_stop_words
        self.non_answers = non_answers
        self.redact_personal_data = redact_personal_data
        self.embeddings = embeddings
        self.n_terms = n_terms
        self.n_quotes = n_quotes
        self.compute_sentiment = compute_sentiment
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- configuration -------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """Constructor parameters (scikit-learn style)."""
        return {
            "n_themes": self.n_themes,
            "min_themes": self.min_themes,
            "max_themes": self.max_themes,
            "min_theme_size": self.min_theme_size,
            "merge_threshold": self.merge_threshold,
            "min_similarity": self.min_similarity,
            "n_components": self.n_components,
            "n_runs": self.n_runs,
            "resample": self.resample,
            "refine_iter": self.refine_iter,
            "mixture_iter": self.mixture_iter,
            "mixture_smoothing": self.mixture_smoothing,
            "k_tolerance": self.k_tolerance,
            "domain_stop_words": sorted(self.domain_stop_words),
            "non_answers": sorted(self.non_answers),
            "redact_personal_data": self.redact_personal_data,
            "embeddings": self.embeddings,
            "n_terms": self.n_terms,
            "n_quotes": self.n_quotes,
            "compute_sentiment": self.compute_sentiment,
            "n_jobs": self.n_jobs,
            "random_state": self.random_state,
        }

    def _validate(self) -> None:
        if not (self.n_themes == "auto" or (isinstance(self.n_themes, int) and self.n_themes >= 1)):
            raise ValueError("n_themes must be 'auto' or a positive integer")
        if not 1 <= self.min_themes <= self.max_themes:
            raise ValueError("need 1 <= min_themes <= max_themes")
        if not 0 < self.resample <= 1:
            raise ValueError("resample must be in (0, 1]")
        if self.mixture_iter < 0 or self.mixture_smoothing <= 0:
            raise ValueError("need mixture_iter >= 0 and mixture_smoothing > 0")
        if not 0 <= self.k_tolerance < 1:
            raise ValueError("k_tolerance must be in [0, 1)")
        if self.n_jobs is not None and (self.n_jobs == 0 or self.n_jobs < -1):
            raise ValueError("n_jobs must be None, -1 or a positive integer")

    # -- fitting -------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        progress: Progress | None = None,
        embeddings: np.ndarray | None = None,
    ) -> ThemeDiscoverer:
        """Discover themes; the result is in ``result_`` (and ``labels_``, ``themes_``)."""
        self._validate()
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        stages = _Stages(
            progress,
            {"preprocess": 2, "embed": 4 if self._wants_embeddings(embeddings) else 0.01,
             "vectorise": 2, "cluster": 4, "describe": 2},
        )  # fmt: skip
        texts = list(texts)
        n_total = len(texts)
        prep = Preprocessor(
            domain_stop_words=self.domain_stop_words,
            non_answers=self.non_answers,
            redact_personal_data=self.redact_personal_data,
        ).transform(texts, progress=stages.sub("preprocess"))
        timings["preprocess"] = time.perf_counter() - t0
        status = list(prep.status)
        dup_of = np.asarray(prep.duplicate_of, dtype=np.int64)
        unique = np.array([i for i, s in enumerate(status) if s == ANSWER], dtype=np.int64)
        clustered = np.array(
            [i for i, s in enumerate(status) if s in (ANSWER, DUPLICATE)], dtype=np.int64
        )
        weights = np.bincount(dup_of[clustered], minlength=n_total)[unique].astype(np.float64)

        t = time.perf_counter()
        stages("vectorise", 0.0, "building TF-IDF")
        min_df = 2 if len(unique) >= 50 else 1
        counts, _vocab = term_counts([prep.tokens[i] for i in unique], min_df=min_df)
        x = tfidf(counts)
        has_terms = np.asarray(x.getnnz(axis=1) > 0) if x.shape[1] else np.zeros(len(unique), bool)
        for i in unique[~has_terms]:
            status[i] = NO_TERMS
        for i, j in enumerate(prep.duplicate_of):
            if j != i and status[j] == NO_TERMS:
                status[i] = NO_TERMS
        rows = unique[has_terms]
        x = x[has_terms]
        counts = counts[has_terms]
        w = weights[has_terms]
        emb = self._embeddings(texts, rows, embeddings, stages.sub("embed"))
        stages("vectorise", 0.5, "latent semantic analysis")
        views = self._views(x, emb)
        timings["vectorise"] = time.perf_counter() - t

        t = time.perf_counter()
        min_size = self._min_size(n_total)
        k, k_scores = self._choose_k(views, w, len(rows), min_size, stages.sub("cluster"))
        labels = np.zeros(len(rows), dtype=np.int64)
        stability = None
        sims = np.ones(len(rows))
        if len(rows) and k > 1:
            # The word mixture is a words-only model: with sentence embeddings the
            # refinement already works on words and embeddings together.
            present = _presence(counts) if emb is None and self.mixture_iter else None
            labels, stability = self._ensemble(views, w, k, stages.sub("cluster"), present)
            labels = self._refine(x, emb, labels, w)
            if present is not None:
                labels = mixture_cem(present, labels, w, self.mixture_iter, self.mixture_smoothing)
        if len(rows):
            labels, sims = self._apply_rules(x, emb, labels, w, min_size)
        timings["cluster"] = time.perf_counter() - t

        t = time.perf_counter()
        assignments = np.full(n_total, -1, dtype=np.int64)
        confidence = np.zeros(n_total)
        assigned = sims >= self.min_similarity
        assignments[rows[assigned]] = labels[assigned]
        confidence[rows] = np.clip(sims, 0.0, 1.0)
        for i, j in enumerate(prep.duplicate_of):
            if j != i and status[i] == DUPLICATE:
                assignments[i] = assignments[j]
                confidence[i] = confidence[j]
        stages("describe", 0.0, "scoring sentiment")
        if self.compute_sentiment:
            sent = _sentiment(prep.texts)
        else:
            sent = tuple(0.0 for _ in range(n_total))
        stages("describe", 0.5, "labelling themes")
        themes = describe_themes(
            prep, assignments, n_terms=self.n_terms, n_quotes=self.n_quotes, sentiments=sent
        )
        timings["describe"] = time.perf_counter() - t
        counts_by_status = {s: status.count(s) for s in STATUSES}
        clusterable = [i for i, s in enumerate(status) if s in (ANSWER, DUPLICATE, NO_TERMS)]
        n_unassigned = int(sum(1 for i in clusterable if assignments[i] < 0))
        counts_by_status["unassigned"] = n_unassigned
        counts_by_status["assigned"] = int((assignments >= 0).sum())
        counts_by_status["total"] = n_total
        config = {
            **self.get_params(),
            "chosen_n_themes": len(themes),
            "k_searched": k_scores,
            "min_theme_size_used": int(min_size),
            "embeddings_used": emb is not None,
            "engine": "tfidf-lsa-bagged-kmeans-consensus-mixture/v2",
        }
        timings["total"] = time.perf_counter() - t0
        self.result_ = DiscoveryResult(
            assignments=tuple(int(a) for a in assignments),
            status=tuple(status),
            confidence=tuple(round(float(c), 4) for c in confidence),
            sentiment=tuple(sent),
            themes=themes,
            counts=counts_by_status,
            stability=None if stability is None else round(float(stability), 4),
            config=config,
            timings={k_: round(v, 3) for k_, v in timings.items()},
        )
        self.labels_ = np.asarray(self.result_.assignments)
        self.themes_: tuple[Theme, ...] = themes
        self.n_themes_ = len(themes)
        stages("describe", 1.0, f"found {len(themes)} themes")
        return self

    def fit_result(self, texts: Sequence[str], progress: Progress | None = None) -> DiscoveryResult:
        """Fit and return the frozen result."""
        return self.fit(texts, progress=progress).result_

    # -- stages --------------------------------------------------------------------
    def _wants_embeddings(self, given: np.ndarray | None) -> bool:
        if given is not None:
            return True
        if self.embeddings in (None, "none"):
            return False
        from . import semantic

        return self.embeddings == "minilm" or semantic.available()

    def _embeddings(self, texts, rows, given, progress) -> np.ndarray | None:
        if given is not None:
            arr = np.asarray(given, dtype=np.float32)
            if arr.shape[0] != len(texts):
                raise ValueError("embeddings must have one row per text")
            return normalize(arr[rows])
        if not self._wants_embeddings(None):
            return None
        from . import semantic

        return normalize(semantic.embed([texts[i] for i in rows], progress=progress))

    def _views(self, x: sp.csr_matrix, emb: np.ndarray | None) -> list[np.ndarray]:
        n, d = x.shape
        dims = int(min(self.n_components, d - 1, n - 1))
        views: list[np.ndarray] = []
        if dims >= 2:
            svd = TruncatedSVD(
                dims, algorithm="randomized", n_iter=4, random_state=self.random_state
            )
            z = svd.fit_transform(x).astype(np.float32)
            cuts = sorted({max(2, int(dims * f)) for f in (0.25, 0.5, 0.75, 1.0)})
            views = [normalize(z[:, :c]) for c in cuts]
        else:
            views = [normalize(x.toarray().astype(np.float32))] if d else [np.ones((n, 1))]
        if emb is not None:
            # Sentence embeddings alone and beside each word view: words alone are the
            # weak view on short text, so they only take part next to the embeddings.
            views = [emb, *(normalize(np.hstack([v, emb])) for v in views)]
        return views

    def _min_size(self, n_total: int) -> int:
        if self.min_theme_size is not None:
            return max(1, int(self.min_theme_size))
        return max(5, math.ceil(0.001 * n_total))

    def _k_bounds(self, n: int, min_size: int) -> tuple[int, int]:
        hi = min(self.max_themes, MAX_THEMES, max(1, n // max(min_size, 1)))
        if self.n_themes == "auto":
            # Rule of thumb k <= sqrt(n / 2): a few hundred answers do not make 30 themes.
            hi = min(hi, max(2, int(math.sqrt(n / 2))))
        lo = min(self.min_themes, hi)
        return max(1, lo), max(1, hi)

    def _choose_k(self, views, w, n, min_size, progress) -> tuple[int, dict[str, float]]:
        """Pick the number of themes: the smallest k whose silhouette is near the best.

        On short text the cosine silhouette climbs steeply until the real themes are
        separated, then creeps up on a plateau as themes are split into ever smaller
        near-duplicate groups, so its maximum sits at the upper bound. The smallest k
        within ``k_tolerance`` (relative) of the best silhouette is the start of that
        plateau: the simplest grouping that explains the data about as well (the
        "one standard error" idea of model selection). Where the silhouette keeps
        rising steeply (many small real themes), the largest k stays the choice.
        """
        lo, hi = self._k_bounds(n, min_size)
        if self.n_themes != "auto":
            return max(1, min(int(self.n_themes), n, MAX_THEMES)), {}
        if hi <= lo or n < 4:
            return lo, {}
        rng = np.random.default_rng(self.random_state)
        sample = np.sort(rng.choice(n, min(n, 4000), replace=False))
        z = views[len(views) // 2][sample]
        # One distance matrix for every k tried, instead of one per silhouette.
        distances = cosine_distances(z)
        ks = sorted(
            {round(float(v)) for v in np.geomspace(max(lo, 2), hi, num=min(12, hi - lo + 1))}
        )
        ks = [k for k in ks if 2 <= k < len(sample)] or [lo]
        scores: dict[str, float] = {}
        for j, k in enumerate(ks):
            progress(0.3 * j / len(ks), f"trying {k} themes")
            lab = KMeans(k, n_init=2, random_state=self.random_state).fit_predict(
                z, sample_weight=w[sample]
            )
            if len(set(lab)) < 2:
                continue
            score = silhouette_score(distances, lab, metric="precomputed")
            scores[str(k)] = round(float(score), 5)
        if not scores:
            return lo, scores
        best = max(scores.values())
        bar = best - self.k_tolerance * abs(best)
        return min(int(k) for k, s in scores.items() if s >= bar), scores

    def _kmeans(self, k: int, seed: int, n: int):
        if n > _LARGE:
            return MiniBatchKMeans(k, n_init=3, batch_size=4096, random_state=seed)
        return KMeans(k, n_init=1, random_state=seed)

    def _ensemble(self, views, w, k, progress, present=None) -> tuple[np.ndarray, float]:
        """Bagged KMeans runs on the LSA views, each polished by the word mixture, voted.

        With ``present`` (word presence per answer), each run's KMeans partition of
        its resample is the start of :func:`mixture_cem` fitted on the same resample
        (answers outside it weigh 0, so they are only assigned): the consensus then
        combines partitions that each explain the words well, instead of raw KMeans
        partitions of a 50-200 dimension projection.
        """
        n = views[0].shape[0]
        rng = np.random.default_rng(self.random_state)
        runs: list[np.ndarray] = []
        resamples: list[np.ndarray] = []
        size = max(k, round(self.resample * n))
        span = 0.25 if present is not None else 0.5  # the word mixture takes the rest
        for r in range(self.n_runs):
            progress(0.3 + span * r / self.n_runs, f"clustering run {r + 1} of {self.n_runs}")
            z = views[r % len(views)]
            sub = np.sort(rng.choice(n, size, replace=False)) if size < n else np.arange(n)
            km = self._kmeans(k, int(rng.integers(2**31 - 1)), n).fit(z[sub], sample_weight=w[sub])
            runs.append(km.predict(z))
            resamples.append(sub)
        if present is not None:
            runs = self._polish(runs, resamples, present, w, progress)
        progress(0.85, "combining runs")
        votes = sp.hstack(
            [sp.csr_matrix((np.ones(n), (np.arange(n), lab)), shape=(n, k)) for lab in runs]
        ).tocsr()
        votes = normalize(votes.astype(np.float64))
        seed = int(rng.integers(2**31 - 1))
        if n > _LARGE:
            consensus = MiniBatchKMeans(k, n_init=3, batch_size=4096, random_state=seed)
        else:
            consensus = KMeans(k, n_init=3, random_state=seed)
        labels = consensus.fit(votes, sample_weight=w).labels_
        # Stability: agreement between runs fitted on different resamples (on <= 5000 rows).
        check = np.sort(rng.choice(n, min(n, 5000), replace=False))
        pairs = [(a, b) for a in range(len(runs)) for b in range(a)]
        stab = float(
            np.mean([adjusted_rand_score(runs[a][check], runs[b][check]) for a, b in pairs])
        )
        return labels.astype(np.int64), stab

    def _threads(self) -> int:
        cores = os.cpu_count() or 1
        if self.n_jobs is None:
            return min(2, cores)
        return cores if self.n_jobs == -1 else self.n_jobs

    def _polish(self, runs, resamples, present, w, progress) -> list[np.ndarray]:
        """Each run's partition refined by :func:`mixture_cem` on that run's resample.

        The runs are independent and the sparse products release the GIL, so they go to
        a few threads (KMeans before them already uses every core through OpenMP).
        Progress is reported from this thread only, as runs finish.
        """

        def polish(r: int) -> np.ndarray:
            w_sub = np.zeros_like(w)
            w_sub[resamples[r]] = w[resamples[r]]
            return mixture_cem(present, runs[r], w_sub, self.mixture_iter, self.mixture_smoothing)

        polished: list[np.ndarray] = list(runs)
        pool = ThreadPoolExecutor(max_workers=max(1, min(self._threads(), len(runs))))
        try:
            futures = {pool.submit(polish, r): r for r in range(len(runs))}
            for done, future in enumerate(as_completed(futures), start=1):
                polished[futures[future]] = future.result()
                progress(0.55 + 0.25 * done / len(runs), f"word mixture {done} of {len(runs)}")
        finally:
            # A progress callback may raise to stop the run (the web job does when another
            # attempt owns it): the runs not started yet are dropped, not waited for.
            pool.shutdown(wait=True, cancel_futures=True)
        return polished

    def _features(self, x: sp.csr_matrix, emb: np.ndarray | None):
        if emb is None:
            return x
        return sp.hstack([x, sp.csr_matrix(emb)]).tocsr() * (1 / math.sqrt(2))

    def _centres(self, f, labels: np.ndarray, w: np.ndarray, k: int):
        n = len(labels)
        member = sp.csr_matrix((w, (labels, np.arange(n))), shape=(k, n))
        centres = member @ f
        centres = centres.toarray() if sp.issparse(centres) else np.asarray(centres)
        return normalize(centres)

    def _similarities(self, f, centres: np.ndarray) -> np.ndarray:
        s = f @ centres.T
        return np.asarray(s.toarray() if sp.issparse(s) else s)

    def _refine(self, x, emb, labels, w) -> np.ndarray:
        """Spherical KMeans on the word (and embedding) features, started from the consensus."""
        f = self._features(x, emb)
        k = int(labels.max()) + 1
        for _ in range(self.refine_iter):
            sims = self._similarities(f, self._centres(f, labels, w, k))
            new = sims.argmax(axis=1)
            if np.array_equal(new, labels):
                break
            labels = new
        return _renumber(labels)

    def _apply_rules(self, x, emb, labels, w, min_size) -> tuple[np.ndarray, np.ndarray]:
        """Theme-set rules: drop tiny themes, merge near-duplicates, cap the count.

        Near-duplicates are judged on the words alone (TF-IDF centres): sentence
        embeddings of one domain are all alike, so their cosine says little about
        whether two themes would get the same label.
        """
        f = self._features(x, emb)
        labels = _renumber(labels)
        while True:
            k = int(labels.max()) + 1
            sizes = np.bincount(labels, weights=w, minlength=k)
            small = sizes < min_size
            if small.any() and not small.all():
                # dissolve every too-small theme into its members' next-best themes
                sims = self._similarities(f, self._centres(f, labels, w, k))
                sims[:, small] = -np.inf
                moved = small[labels]
                labels[moved] = sims[moved].argmax(axis=1)
                labels = _renumber(labels)
                continue
            if k > 1:
                centres = self._centres(x, labels, w, k)
                c = centres @ centres.T
                np.fill_diagonal(c, -1)
                a, b = np.unravel_index(np.argmax(c), c.shape)
                if c[a, b] > self.merge_threshold or k > MAX_THEMES:
                    labels[labels == max(a, b)] = min(a, b)
                    labels = _renumber(labels)
                    continue
            break
        k = int(labels.max()) + 1
        sims = self._similarities(f, self._centres(f, labels, w, k))
        # order themes by size, largest first, for stable readable ids
        sizes = np.bincount(labels, weights=w, minlength=k)
        order = np.argsort(-sizes, kind="stable")
        rank = np.empty(k, dtype=np.int64)
        rank[order] = np.arange(k)
        own = sims[np.arange(len(labels)), labels]
        return rank[labels], own


def _presence(counts: sp.csr_matrix) -> sp.csr_matrix:
    """Word presence (1 per answer and term), float64, from document-term counts."""
    present = counts.astype(np.float64).tocsr(copy=True)
    present.data[:] = 1.0
    return present


def mixture_cem(
    present: sp.csr_matrix,
    labels: np.ndarray,
    w: np.ndarray,
    n_iter: int = 30,
    smoothing: float = 0.1,
    tol: float = 0.0,
) -> np.ndarray:
    """Classification EM of a mixture of multinomials over words, started from ``labels``.

    Short answers are mostly about one thing: the generative model of the Dirichlet
    multinomial mixture for short text (Nigam et al. 2000; Yin and Wang 2014, GSDMM)
    draws all the words of an answer from its theme's word distribution. Hard EM
    (Celeux and Govaert 1992) moves each answer to the theme that best explains its
    words *jointly*, weighting a rare but telling word by its probability ratio,
    where spherical KMeans only sees a cosine to a centroid. Words count once per
    answer (presence), so a repeated word does not dominate (burstiness).
    ``smoothing`` is the Dirichlet prior on the theme word distributions (GSDMM's
    default beta, 0.1). Rows of weight 0 are assigned but do not shape the themes.
    Deterministic; stops when at most ``tol`` of the weighted answers moved in a round
    (0: none; stopping early on SO titles left worse partitions, so runs go to the end).
    Returns labels ``0..k'-1`` (a theme
    that loses every member disappears).
    """
    n = len(labels)
    labels = _renumber(labels)
    if n == 0 or present.shape[1] == 0 or n_iter == 0:
        return labels
    # Only weighted answers shape the themes, so only they are re-assigned each round;
    # the rest are assigned once, by the model of the last round, which is what they
    # would have got had they been re-assigned every round.
    fit = np.flatnonzero(w > 0)
    if len(fit) == 0:
        return np.zeros(n, dtype=np.int64)
    shaping = present[fit] if len(fit) < n else present
    shaping_t = shaping.T.tocsr()
    wf, m = w[fit], len(fit)
    current = _renumber(labels[fit])
    for _ in range(n_iter):
        k = int(current.max()) + 1
        member = sp.csr_matrix((wf, (current, np.arange(m))), shape=(k, m))
        words = (shaping_t @ member.T).T.toarray() + smoothing
        log_word = np.log(words) - np.log(words.sum(axis=1, keepdims=True))
        log_prior = np.log(np.bincount(current, weights=wf, minlength=k) / wf.sum())
        raw = np.asarray(shaping @ log_word.T + log_prior).argmax(axis=1)
        new = _renumber(raw)
        moved = int(np.count_nonzero(new != current))
        current = new
        if moved <= tol * m:
            break
    if len(fit) == n:
        return current
    rest = np.flatnonzero(w <= 0)
    out = np.empty(n, dtype=np.int64)
    out[fit] = raw
    out[rest] = np.asarray(present[rest] @ log_word.T + log_prior).argmax(axis=1)
    return _renumber(out)


def _renumber(labels: np.ndarray) -> np.ndarray:
    """Labels as ``0..k-1`` in the order of their values (a theme with no member goes)."""
    return np.unique(labels, return_inverse=True)[1].astype(np.int64).reshape(-1)


def discover(texts: Sequence[str], **params: Any) -> DiscoveryResult:
    """One-call form: ``discover(texts, n_themes="auto", random_state=0, progress=cb)``."""
    progress = params.pop("progress", None)
    return ThemeDiscoverer(**params).fit(texts, progress=progress).result_
