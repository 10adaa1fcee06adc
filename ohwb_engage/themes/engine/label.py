"""Describe any grouping of answers: readable label, distinctive terms, quotes, sentiment.

Used after discovery and again whenever an analyst merges themes or moves answers,
so it takes plain assignments and recomputes everything from the texts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from .preprocess import ANSWER, DEFAULT_DOMAIN_STOP_WORDS, DUPLICATE, PreparedCorpus, Preprocessor
from .results import Theme
from .vectorise import term_counts, tfidf

__all__ = ["class_tfidf", "describe_themes", "make_label"]


def class_tfidf(counts: sp.csr_matrix, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """c-TF-IDF (BERTopic style): term frequency in a group times log(1 + A / f_term)."""
    rows = np.flatnonzero(groups >= 0)
    onehot = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (groups[rows], rows)),
        shape=(n_groups, counts.shape[0]),
    )
    tf = np.asarray((onehot @ counts).todense(), dtype=np.float64)
    per_group = tf.sum(axis=1, keepdims=True)
    tf_norm = tf / np.maximum(per_group, 1.0)
    term_total = tf.sum(axis=0)
    avg = per_group.mean() if n_groups else 1.0
    idf = np.log1p(avg / np.maximum(term_total, 1.0))
    return tf_norm * idf


def make_label(terms: Sequence[str], weights: Sequence[float], n_words: int = 2) -> str:
    """Pick a short label, preferring a bigram over its own unigrams."""
    chosen: list[str] = []
    bigrams = [(t, w) for t, w in zip(terms, weights, strict=True) if " " in t]
    for term, weight in zip(terms, weights, strict=True):
        if len(chosen) >= n_words:
            break
        if " " not in term:
            better = next(
                (b for b, bw in bigrams if term in b.split() and bw >= 0.4 * weight), None
            )
            if better is not None:
                term = better
        if term in chosen or any(term in c.split() for c in chosen if " " in c):
            continue
        if " " in term and any(c in term.split() for c in chosen):
            chosen = [c for c in chosen if c not in term.split()]
        chosen.append(term)
    return ", ".join(chosen) if chosen else "(no distinctive terms)"


def _surface(term: str, surface: dict[str, str]) -> str:
    return " ".join(surface.get(part, part) for part in term.split())


def describe_themes(
    texts: Sequence[str] | PreparedCorpus,
    assignments: Sequence[int],
    *,
    n_terms: int = 10,
    n_quotes: int = 5,
    sentiments: Sequence[float] | None = None,
    features: np.ndarray | None = None,
    domain_stop_words: Iterable[str] = DEFAULT_DOMAIN_STOP_WORDS,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[Theme, ...]:
    """Evidence for each theme id 0..max(assignments); -1 (unassigned) is skipped.

    ``texts`` may be raw answers (they are preprocessed with ``domain_stop_words``)
    or an already :class:`PreparedCorpus`. ``features`` (rows aligned with texts,
    e.g. LSA) choose quotes by closeness to the theme centre; TF-IDF is used otherwise.
    Theme ids with no member get an empty theme so ids stay positional.
    """
    from .sentiment import sentiment as _sentiment

    if isinstance(texts, PreparedCorpus):
        corpus = texts
    else:
        corpus = Preprocessor(domain_stop_words=domain_stop_words).transform(list(texts))
    groups = np.asarray(list(assignments), dtype=np.int64)
    if len(groups) != len(corpus.texts):
        raise ValueError("assignments must have one entry per text")
    n_groups = int(groups.max()) + 1 if len(groups) and groups.max() >= 0 else 0
    if progress:
        progress(0.0, "describing themes")
    if sentiments is None:
        sentiments = _sentiment(corpus.texts)
    sent = np.asarray(sentiments, dtype=np.float64)
    # Terms from unique answers only, so a repeated answer does not dominate a label.
    use = np.array(
        [
            s in (ANSWER, DUPLICATE) and corpus.duplicate_of[i] == i
            for i, s in enumerate(corpus.status)
        ]
    )
    idx = np.flatnonzero(use)
    counts, vocab = term_counts([corpus.tokens[i] for i in idx], min_df=1, max_df=1.0)
    sub_groups = groups[idx]
    weights = class_tfidf(counts, sub_groups, n_groups) if counts.shape[1] else None
    if weights is not None and len(idx) >= 50:
        # A term used by one answer only describes that answer, not a theme.
        df = np.asarray((counts > 0).sum(axis=0)).ravel()
        weights[:, df < 2] = 0.0
    feats = tfidf(counts) if features is None else np.asarray(features)[idx]
    themes = []
    total = len(groups)
    for g in range(n_groups):
        members = np.flatnonzero(groups == g)
        size = len(members)
        terms: tuple[tuple[str, float], ...] = ()
        if weights is not None and size:
            row = weights[g]
            top = [j for j in np.argsort(-row, kind="stable")[: n_terms * 2] if row[j] > 0]
            terms = tuple(
                (_surface(vocab[j], corpus.surface), round(float(row[j]), 6)) for j in top
            )
            # keep n_terms, but drop unigrams that only repeat a kept bigram
            terms = _dedupe_terms(terms)[:n_terms]
        label = make_label([t for t, _ in terms], [w for _, w in terms]) if terms else "(empty)"
        quotes = _quotes(feats, sub_groups, g, idx, corpus, n_quotes) if size else ()
        mean_sent = round(float(sent[members].mean()), 4) if size else 0.0
        themes.append(
            Theme(
                id=g,
                label=label,
                terms=terms,
                quotes=quotes,
                size=size,
                sentiment=mean_sent,
                share=round(size / total, 6) if total else 0.0,
            )
        )
    if progress:
        progress(1.0, "themes described")
    return tuple(themes)


def _dedupe_terms(terms: tuple[tuple[str, float], ...]) -> tuple[tuple[str, float], ...]:
    bigram_words = {w for t, _ in terms if " " in t for w in t.split()}
    bigrams = {t for t, _ in terms if " " in t}
    out = []
    for t, w in terms:
        if " " not in t and t in bigram_words and bigrams:
            # a unigram that only appears inside kept bigrams adds nothing
            continue
        out.append((t, w))
    return tuple(out) if out else terms


def _quotes(feats, sub_groups, g, idx, corpus, n_quotes) -> tuple[int, ...]:
    local = np.flatnonzero(sub_groups == g)
    if len(local) == 0:
        return ()
    x = feats[local]
    if sp.issparse(x):
        centre = np.asarray(x.mean(axis=0)).ravel()
        sims = np.asarray(x @ centre).ravel()
    else:
        centre = normalize(x.mean(axis=0, keepdims=True))[0]
        sims = x @ centre
    # Prefer answers of ordinary length: one-word answers make poor evidence.
    lengths = np.array([len(corpus.tokens[idx[i]]) for i in local], dtype=np.float64)
    sims = sims * np.minimum(1.0, 0.5 + lengths / 8.0)
    order = local[np.argsort(-sims, kind="stable")]
    out: list[int] = []
    seen: set[str] = set()
    for i in order:
        pos = int(idx[i])
        key = corpus.texts[pos].lower()
        if key in seen:
            continue
        seen.add(key)
        out.append(pos)
        if len(out) >= n_quotes:
            break
    return tuple(out)
