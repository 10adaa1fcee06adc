"""The optional semantic backend: absent by default, used only when asked for."""

from __future__ import annotations

import numpy as np
import pytest

from ohwb_engage.themes.engine import ThemeDiscoverer, semantic


def test_embeddings_passed_in_are_used(corpus) -> None:
    texts, labels = corpus
    # Embeddings that encode the topic perfectly: discovery must follow them.
    topics = sorted(set(labels))
    emb = np.eye(len(topics))[[topics.index(lab) for lab in labels]] + 0.01
    result = ThemeDiscoverer(n_themes=3).fit(texts, embeddings=emb).result_
    assert result.config["embeddings_used"] is True
    with pytest.raises(ValueError):
        ThemeDiscoverer(n_themes=3).fit(texts, embeddings=emb[:-1])


@pytest.mark.skipif(not semantic.available(), reason="semantic extra not installed")
def test_packaged_model_embeds_offline() -> None:
    vectors = semantic.embed(["the car park is full", "no parking spaces", "canteen food"])
    assert vectors.shape == (3, 384)
    sims = vectors @ vectors.T
    assert sims[0, 1] > sims[0, 2]
