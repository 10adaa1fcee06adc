"""Turn token lists into sparse TF-IDF and dense LSA features.

Sparse matrices throughout, float32, so 100,000 answers fit well inside 2 GiB.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

__all__ = ["lsa", "ngrams", "term_counts", "tfidf"]


def ngrams(tokens: Sequence[str]) -> list[str]:
    """Unigrams plus bigrams of adjacent kept words ("mental health")."""
    out = list(tokens)
    out.extend(f"{a} {b}" for a, b in pairwise(tokens) if a != b)
    return out


def term_counts(
    docs: Sequence[Sequence[str]], min_df: int = 2, max_df: float = 0.5
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Document-term counts of unigrams and bigrams, and the vocabulary (sorted)."""
    n = len(docs)
    if n * max_df < min_df:  # tiny inputs: keep everything that appears
        max_df = 1.0
    vec = CountVectorizer(
        analyzer=ngrams, min_df=min(min_df, max(1, n)), max_df=max_df, dtype=np.float32
    )
    try:
        counts = vec.fit_transform(docs)
    except ValueError:  # nothing survives the document-frequency limits
        vec = CountVectorizer(analyzer=ngrams, dtype=np.float32)
        try:
            counts = vec.fit_transform(docs)
        except ValueError:
            return sp.csr_matrix((n, 0), dtype=np.float32), np.array([], dtype=object)
    return counts.tocsr(), vec.get_feature_names_out()


def tfidf(counts: sp.csr_matrix) -> sp.csr_matrix:
    """Sublinear, smoothed, L2-normalised TF-IDF (short answers: counts rarely exceed 1)."""
    if counts.shape[1] == 0:
        return counts.astype(np.float32)
    out = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    return out.astype(np.float32).tocsr()


def lsa(x: sp.csr_matrix, n_components: int, random_state: int) -> np.ndarray:
    """Row-normalised latent semantic analysis (TruncatedSVD) of TF-IDF rows."""
    n, d = x.shape
    k = int(min(n_components, d - 1, n - 1))
    if k < 2:
        dense = x.toarray() if d else np.zeros((n, 1), dtype=np.float32)
        return normalize(dense).astype(np.float32)
    svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=5, random_state=random_state)
    z = svd.fit_transform(x)
    return normalize(z).astype(np.float32)
