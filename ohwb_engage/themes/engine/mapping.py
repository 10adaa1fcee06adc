"""Map every response to an analyst-reviewed framework with a supervised model.

Features: word (1-2) and character (2-5, within words) TF-IDF, which survive the typos
of informal feedback, the same two for the response's opening words (its lead: people
and coders both put the main point first, and a bag of words cannot see order), plus
LSA of the whole corpus so that few coded examples still generalise to words they do
not contain (and sentence embeddings when the semantic extra is installed). Model: one
logistic regression per theme (one-vs-rest), so a response can have zero, one or
several themes, each with a probability.
With few coded examples, theme names/descriptions become extra weak examples and the
model is retrained once on its own most confident predictions on uncoded responses.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.preprocessing import normalize

from .preprocess import normalise
from .redact import redact
from .results import MappingResult, MappingScores, Prediction

__all__ = ["ThemeMapper", "evaluate_mapping", "parse_labels"]

Progress = Callable[[float, str], None]


def parse_labels(value: str | Iterable[str] | None, separator: str = "|") -> frozenset[str]:
    """A set of theme keys from "a|b" or an iterable; blanks dropped."""
    if value is None:
        return frozenset()
    parts = value.split(separator) if isinstance(value, str) else list(value)
    return frozenset(p.strip() for p in parts if p and p.strip())


class ThemeMapper:
    """Multi-label mapper from text to framework themes, with confidences in [0, 1].

    Parameters
    ----------
    threshold: a theme is predicted when its probability reaches this.
    top_threshold: the best theme is also predicted when it reaches this lower bar,
        so single-label frameworks rarely leave a response with nothing.
    C: inverse regularisation of each logistic regression.
    lead_words: the first this many words also get their own word and character
        TF-IDF block (0 = off), so where a theme is mentioned counts, not only whether.
    n_components: LSA dimensions learnt on all texts (coded and uncoded).
    lsa_features: the LSA reads at most this many TF-IDF columns (each block keeps its
        most frequent, in proportion to its size): its components and working
        matrices are dense rows as long as the columns it reads, which at 100,000
        answers (about 750,000 columns) would take gigabytes, while the rare n-grams
        left out add almost nothing to a 200-dimension topic space.
    self_training: "auto" (when a theme has fewer than 50 coded examples and uncoded
        texts are given), True or False.
    prior_correction: "auto" (same rule as self-training), True or False. A handful of
        examples per theme says nothing about how common each theme is, so the theme
        shares are re-estimated on the uncoded responses by EM (Saerens et al. 2002)
        and the probabilities moved (tempered) towards them.
    embeddings: None/"none", "auto" (use the semantic extra when installed) or "minilm".
    """

    def __init__(
        self,
        *,
        threshold: float = 0.5,
        top_threshold: float = 0.2,
        C: float = 3.0,
        lead_words: int = 6,
        n_components: int = 200,
        lsa_features: int = 100_000,
        self_training: bool | str = "auto",
        pseudo_per_theme: int = 100,
        prior_correction: bool | str = "auto",
        embeddings: str | None = None,
        redact_personal_data: bool = True,
        random_state: int = 0,
    ) -> None:
        self.threshold = threshold
        self.top_threshold = top_threshold
        self.C = C
        self.lead_words = lead_words
        self.n_components = n_components
        self.lsa_features = lsa_features
        self.self_training = self_training
        self.pseudo_per_theme = pseudo_per_theme
        self.prior_correction = prior_correction
        self.embeddings = embeddings
        self.redact_personal_data = redact_personal_data
        self.random_state = random_state

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters (scikit-learn style), stored with every result."""
        return {
            "threshold": self.threshold,
            "top_threshold": self.top_threshold,
            "C": self.C,
            "lead_words": self.lead_words,
            "n_components": self.n_components,
            "lsa_features": self.lsa_features,
            "self_training": self.self_training,
            "pseudo_per_theme": self.pseudo_per_theme,
            "prior_correction": self.prior_correction,
            "embeddings": self.embeddings,
            "redact_personal_data": self.redact_personal_data,
            "random_state": self.random_state,
        }

    # -- features ------------------------------------------------------------------
    def _clean(self, texts: Sequence[str]) -> list[str]:
        out = [normalise(t) for t in texts]
        return [redact(t) for t in out] if self.redact_personal_data else out

    def _use_embeddings(self) -> bool:
        if self.embeddings in (None, "none"):
            return False
        from . import semantic

        return self.embeddings == "minilm" or semantic.available()

    def _fit_features(self, corpus: list[str], progress: Progress) -> sp.csr_matrix:
        """Learn the TF-IDF blocks and the LSA on ``corpus``; its TF-IDF rows back (what
        ``_sparse(corpus)`` gives), so fitting reads every text once, not three times."""
        min_df = 2 if len(corpus) >= 200 else 1
        blocks: list[tuple[TfidfVectorizer, bool]] = []
        matrices = []
        for lead in (False, True) if self.lead_words > 0 else (False,):
            view = [self._lead(t) for t in corpus] if lead else corpus
            for vec in (
                TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=min_df,
                                dtype=np.float32),
                TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5),
                                min_df=min_df, dtype=np.float32),
            ):  # fmt: skip
                # ValueError: e.g. only one-letter words, so no vocabulary of this kind
                with contextlib.suppress(ValueError):
                    matrix = vec.fit_transform(view)
                    matrix.sort_indices()  # as transform() leaves them: the same sums
                    matrices.append(matrix)
                    blocks.append((vec, lead))
        self.blocks_ = blocks
        progress(0.3, "learning latent topics")
        x = self._stack(matrices, len(corpus))
        del matrices
        self.svd_columns_ = self._lsa_columns(x, [len(v.vocabulary_) for v, _ in blocks])
        lsa_input = x if self.svd_columns_ is None else x[:, self.svd_columns_]
        dims = int(min(self.n_components, lsa_input.shape[1] - 1, len(corpus) - 1))
        self.svd_ = None
        if dims >= 2:
            self.svd_ = TruncatedSVD(dims, algorithm="randomized", n_iter=4,
                                     random_state=self.random_state).fit(lsa_input)  # fmt: skip
        del lsa_input
        self.use_embeddings_ = self._use_embeddings()
        return x

    def _lsa_columns(self, x: sp.csr_matrix, widths: list[int]) -> np.ndarray | None:
        """The columns the LSA reads (None: all): each block's most frequent ones, each
        block keeping the same share of its own columns; ties go to the earlier column."""
        if x.shape[1] <= self.lsa_features or not widths:
            return None
        df = np.bincount(x.indices, minlength=x.shape[1])
        share = self.lsa_features / x.shape[1]
        keep, start = [], 0
        for width in widths:
            block = df[start : start + width]
            top = np.argsort(-block, kind="stable")[: max(1, int(width * share))]
            keep.append(np.sort(top) + start)
            start += width
        return np.concatenate(keep)

    def _lead(self, text: str) -> str:
        return " ".join(text.split()[: self.lead_words])

    def _stack(self, parts: list[sp.csr_matrix], n: int) -> sp.csr_matrix:
        """The TF-IDF blocks side by side, each weighing the same (unit norm in total).

        Scaled in place and stacked straight into float32: at 100,000 answers each
        intermediate copy of the corpus would cost hundreds of megabytes."""
        if not parts:
            return sp.csr_matrix((n, 1), dtype=np.float32)
        for part in parts:
            part.data *= np.float32(1 / math.sqrt(len(parts)))
        return sp.hstack(parts, format="csr", dtype=np.float32)

    def _sparse(self, texts: list[str]) -> sp.csr_matrix:
        leads = [self._lead(t) for t in texts] if any(lead for _, lead in self.blocks_) else []
        parts = [vec.transform(leads if lead else texts) for vec, lead in self.blocks_]
        return self._stack(parts, len(texts))

    def _features(
        self, x: sp.csr_matrix, texts: list[str], progress: Progress | None = None
    ) -> sp.csr_matrix:
        """The model's input from the texts' TF-IDF rows: those, their LSA and embeddings."""
        return self._assemble(x, self._dense_parts(x, texts, progress))

    def _dense_parts(
        self, x: sp.csr_matrix, texts: list[str], progress: Progress | None = None
    ) -> list[np.ndarray]:
        """The dense columns of the model's input: LSA rows, then sentence embeddings."""
        parts = []
        if self.svd_ is not None:
            parts.append(self._lsa(x))
        if self.use_embeddings_:
            from . import semantic

            parts.append(normalize(semantic.embed(texts, progress=progress)).astype(np.float32))
        return parts

    @staticmethod
    def _assemble(x: sp.csr_matrix, dense: list[np.ndarray]) -> sp.csr_matrix:
        parts = [x, *(sp.csr_matrix(d) for d in dense)]
        return sp.hstack(parts, format="csr", dtype=np.float32)

    def _pool_proba(self, pool: _Pool, raw: bool = False) -> np.ndarray:
        """Scores of the uncoded pool, whose model input is assembled a chunk at a time."""
        return np.vstack([self._proba(block, raw) for block in pool.chunks(self._assemble)])

    def _lsa(self, x: sp.csr_matrix, chunk: int = 20_000) -> np.ndarray:
        """Unit-length LSA rows, a chunk at a time: the column subset the LSA reads is a
        copy, which for 100,000 answers at once would add hundreds of megabytes."""
        columns = getattr(self, "svd_columns_", None)
        out = np.empty((x.shape[0], self.svd_.n_components), dtype=np.float32)
        for start in range(0, x.shape[0], chunk):
            stop = min(start + chunk, x.shape[0])
            rows = _row_block(x, start, stop)
            lsa = self.svd_.transform(rows if columns is None else rows[:, columns])
            out[start:stop] = normalize(lsa)
        return out

    def _transform(self, texts: list[str], progress: Progress | None = None) -> sp.csr_matrix:
        return self._features(self._sparse(texts), texts, progress)

    # -- fitting -------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str | Iterable[str]],
        *,
        themes: Mapping[str, str] | None = None,
        unlabeled: Sequence[str] | None = None,
        separator: str = "|",
        progress: Progress | None = None,
    ) -> ThemeMapper:
        """Learn from coded examples.

        ``labels[i]`` is a set of theme keys (or "a|b"); ``themes`` maps theme keys to
        a name/description used as extra weak examples; ``unlabeled`` are uncoded
        responses used for the latent topics and for self-training.
        """
        progress = progress or (lambda _f, _m: None)
        t0 = time.perf_counter()
        if len(texts) != len(labels):
            raise ValueError("texts and labels must have the same length")
        sets = [parse_labels(v, separator) for v in labels]
        keys = sorted({k for s in sets for k in s} | set(themes or {}))
        if not keys:
            raise ValueError("no theme labels in the coded examples")
        coded = self._clean(texts)
        extra = self._clean(unlabeled or [])
        described = [(k, self._clean([f"{k}. {v or ''}"])[0]) for k, v in (themes or {}).items()]
        progress(0.05, "building features")
        descriptions = [d for _, d in described]
        rows = self._fit_features(coded + extra + descriptions, progress)
        n_coded, n_extra = len(coded), len(extra)
        self.classes_ = tuple(keys)
        x = x_coded = self._features(_row_block(rows, 0, n_coded), coded)
        y = np.array([[k in s for k in keys] for s in sets], dtype=bool)
        weight = np.ones(len(coded))
        if described:
            x = sp.vstack([x, self._features(_row_block(rows, n_coded + n_extra, rows.shape[0]),
                                             descriptions)]).tocsr()  # fmt: skip
            y = np.vstack([y, np.array([[k == key for k in keys] for key, _ in described])])
            weight = np.concatenate([weight, np.full(len(described), 0.5)])
        progress(0.5, "training")
        self.models_ = self._train(x, y, weight)
        self.prior_odds_ = np.ones(len(keys))
        per_theme = y[: len(coded)].sum(axis=0)
        few = len(extra) > 0 and per_theme.min(initial=0) < 50
        do_self = self.self_training is True or (self.self_training == "auto" and few)
        # Estimating theme shares needs a real pool of uncoded answers, not a handful.
        big_pool = len(extra) >= max(100, 10 * len(keys))
        do_prior = self.prior_correction is True or (
            self.prior_correction == "auto" and few and big_pool
        )
        self.n_pseudo_ = 0
        train_prior = np.clip(y[: len(coded)].mean(axis=0), 1e-3, 1 - 1e-3)
        pool = None
        if extra and (do_self or do_prior):
            pool_rows = _row_block(rows, n_coded, n_coded + n_extra)
            pool = _Pool(pool_rows, self._dense_parts(pool_rows, extra), POOL_CHUNK)
        del rows
        if do_prior and pool is not None:
            self.prior_odds_ = self._prior_odds(self._pool_proba(pool, raw=True), train_prior)
        if do_self and pool is not None:
            progress(0.7, "self-training on uncoded responses")
            p = self._pool_proba(pool)
            top = p.argmax(axis=1)
            chosen: list[int] = []
            for j in range(len(keys)):
                cand = np.flatnonzero((top == j) & (p[:, j] >= 0.5))
                cand = cand[np.argsort(-p[cand, j], kind="stable")][: self.pseudo_per_theme]
                chosen.extend(int(c) for c in cand)
            if chosen:
                chosen_arr = np.array(sorted(chosen))
                yp = np.zeros((len(chosen_arr), len(keys)), dtype=bool)
                yp[np.arange(len(chosen_arr)), top[chosen_arr]] = True
                x = sp.vstack([x, pool.rows(chosen_arr, self._assemble)]).tocsr()
                y = np.vstack([y, yp])
                weight = np.concatenate([weight, np.full(len(chosen_arr), 0.5)])
                self.models_ = self._train(x, y, weight)
                self.n_pseudo_ = len(chosen_arr)
                if do_prior:
                    self.prior_odds_ = self._prior_odds(
                        self._pool_proba(pool, raw=True), train_prior
                    )
        self.n_examples_ = len(coded)
        # What predict_proba would say of the texts fit saw, without reading them again
        # (a caller mapping the same answers, as "Map all" does, saves a pass over them).
        self.train_proba_ = self._proba(x_coded)
        self.unlabeled_proba_ = self._pool_proba(pool) if pool is not None else None
        self.fit_seconds_ = round(time.perf_counter() - t0, 3)
        progress(1.0, "mapper trained")
        return self

    def _train(self, x, y, weight) -> list[LogisticRegression | float]:
        models: list[LogisticRegression | float] = []
        for j in range(y.shape[1]):
            col = y[:, j]
            if col.all() or not col.any():  # a single class: constant probability
                models.append(1.0 if col.all() else 0.0)
                continue
            m = LogisticRegression(
                C=self.C, solver="liblinear", max_iter=1000, random_state=self.random_state
            )
            models.append(m.fit(x, col, sample_weight=weight))
        return models

    @staticmethod
    def _prior_odds(p: np.ndarray, train_prior: np.ndarray, n_iter: int = 50) -> np.ndarray:
        """EM estimate of theme shares on uncoded texts, as odds multipliers per theme."""
        if p.size == 0 or p.shape[1] < 2:
            return np.ones(p.shape[1])
        base = train_prior / train_prior.sum()
        q = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-12)
        prior = base.copy()
        for _ in range(n_iter):
            a = q * (prior / base)
            a /= np.maximum(a.sum(axis=1, keepdims=True), 1e-12)
            new = a.mean(axis=0)
            if np.abs(new - prior).max() < 1e-6:
                prior = new
                break
            prior = new
        # Tempered: EM on an overconfident model over-concentrates the shares, so move
        # halfway (geometrically) and never by more than a factor of 5 either way.
        return np.sqrt(np.clip(prior / base, 0.2, 5.0))

    def _proba(self, x, raw: bool = False) -> np.ndarray:
        """Each theme's probability. Scoring casts the rows to float64, so large inputs
        come in chunks (``predict_proba``, ``_pool_proba``), never whole."""
        cols = []
        for m in self.models_:
            if isinstance(m, float):
                cols.append(np.full(x.shape[0], m))
            else:
                cols.append(m.predict_proba(x)[:, 1])
        p = np.column_stack(cols) if cols else np.zeros((x.shape[0], 0))
        odds = getattr(self, "prior_odds_", None)
        if raw or odds is None or np.all(odds == 1.0):
            return p
        o = p / np.maximum(1.0 - p, 1e-12) * odds
        return o / (1.0 + o)

    # -- prediction ----------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Probability of each theme (columns in ``classes_`` order)."""
        out = []
        texts = list(texts)
        step = 20_000
        for start in range(0, len(texts), step):
            if progress:
                progress(start / max(len(texts), 1), f"mapping {start:,} of {len(texts):,}")
            out.append(self._proba(self._transform(self._clean(texts[start : start + step]))))
        if not out:
            return np.zeros((0, len(self.classes_)))
        return np.vstack(out)

    def predict(self, texts: Sequence[str], progress: Progress | None = None) -> MappingResult:
        """Zero, one or more themes per response, each with a confidence."""
        return self.predict_from_proba(self.predict_proba(texts, progress=progress))

    def predict_from_proba(self, p: np.ndarray) -> MappingResult:
        """The themes of each row of ``predict_proba``'s output (or ``train_proba_``...)."""
        preds = []
        for row in p:
            order = np.argsort(-row, kind="stable")
            chosen = [j for j in order if row[j] >= self.threshold]
            if not chosen and len(order) and row[order[0]] >= self.top_threshold:
                chosen = [int(order[0])]
            preds.append(
                Prediction(
                    labels=tuple(self.classes_[j] for j in chosen),
                    scores=tuple(round(float(row[j]), 4) for j in chosen),
                    top_label=self.classes_[order[0]] if len(order) else "",
                    top_score=round(float(row[order[0]]), 4) if len(order) else 0.0,
                )
            )
        return MappingResult(tuple(preds), tuple(self.classes_), {**self.get_params()})

    def suggest_for_coding(self, texts: Sequence[str], k: int = 20) -> tuple[int, ...]:
        """Positions of the k responses the model is least sure about (code these next).

        Uncertainty is the smallest distance of any theme probability from 0.5 (the
        decision boundary of a one-vs-rest model); ties keep input order.
        """
        return self.least_certain(self.predict_proba(texts), k)

    @staticmethod
    def least_certain(p: np.ndarray, k: int = 20) -> tuple[int, ...]:
        """Rows of probabilities ``p`` nearest a decision boundary, least sure first."""
        if len(p) == 0:
            return ()
        margin = np.abs(p - 0.5).min(axis=1)
        return tuple(int(i) for i in np.argsort(margin, kind="stable")[: max(0, k)])

    def score(
        self, texts: Sequence[str], labels: Sequence[str | Iterable[str]], separator: str = "|"
    ) -> MappingScores:
        """Agreement with held-out coded examples (see :func:`evaluate_mapping`)."""
        return evaluate_mapping(self.predict(texts), labels, separator=separator)


POOL_CHUNK = 20_000  # uncoded answers put together into one block of model input


@dataclass(frozen=True)
class _Pool:
    """The uncoded answers as the model reads them, never whole at once: their TF-IDF
    rows and the dense parts (LSA, embeddings) are kept, and the model's input is put
    together a chunk at a time. At 100,000 answers the whole input was a second copy
    of the corpus, the largest part of fitting's peak memory."""

    tfidf: sp.csr_matrix
    dense: list[np.ndarray]
    chunk: int

    def chunks(self, assemble: Callable[..., sp.csr_matrix]) -> Iterator[sp.csr_matrix]:
        n = self.tfidf.shape[0]
        for start in range(0, n, self.chunk):
            stop = min(start + self.chunk, n)
            yield assemble(_row_block(self.tfidf, start, stop), [d[start:stop] for d in self.dense])

    def rows(self, which: np.ndarray, assemble: Callable[..., sp.csr_matrix]) -> sp.csr_matrix:
        return assemble(self.tfidf[which], [d[which] for d in self.dense])


def _row_block(x: sp.csr_matrix, start: int, stop: int) -> sp.csr_matrix:
    """Rows ``start:stop`` of ``x`` sharing its data (slicing copies them): fitting at
    100,000 answers would otherwise hold the corpus twice."""
    lo, hi = int(x.indptr[start]), int(x.indptr[stop])
    return sp.csr_matrix(
        (x.data[lo:hi], x.indices[lo:hi], x.indptr[start : stop + 1] - lo),
        shape=(stop - start, x.shape[1]),
        copy=False,
    )


def evaluate_mapping(
    result: MappingResult, labels: Sequence[str | Iterable[str]], separator: str = "|"
) -> MappingScores:
    """Micro/macro F1 of predicted label sets, and accuracy of the best label."""
    truth = [parse_labels(v, separator) for v in labels]
    if len(truth) != len(result.predictions):
        raise ValueError("one coded label set per prediction is needed")
    keys = sorted(set(result.classes) | {k for s in truth for k in s})
    y_true = np.array([[k in s for k in keys] for s in truth], dtype=bool)
    y_pred = np.array([[k in p.labels for k in keys] for p in result.predictions], dtype=bool)
    if not len(truth):
        return MappingScores(0.0, 0.0, 0.0, 0, {})
    present = y_true.any(axis=0) | y_pred.any(axis=0)
    per = f1_score(y_true, y_pred, average=None, zero_division=0)
    acc = float(np.mean([p.top_label in s for p, s in zip(result.predictions, truth, strict=True)]))
    return MappingScores(
        micro_f1=round(float(f1_score(y_true, y_pred, average="micro", zero_division=0)), 4),
        macro_f1=round(float(np.mean(per[present])) if present.any() else 0.0, 4),
        accuracy=round(acc, 4),
        n=len(truth),
        per_theme_f1={
            k: round(float(f), 4) for k, f, ok in zip(keys, per, present, strict=True) if ok
        },
    )
