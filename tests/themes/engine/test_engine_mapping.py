"""Mapping to a reviewed framework: multi-label, few examples, suggestions, scores."""

from __future__ import annotations

import itertools

import numpy as np

from ohwb_engage.themes.engine import ThemeMapper, evaluate_mapping, parse_labels


def test_learns_framework_and_scores(corpus) -> None:
    texts, labels = corpus
    mapper = ThemeMapper().fit(texts[:45], labels[:45], unlabeled=texts[45:])
    result = mapper.predict(texts[45:])
    assert len(result.predictions) == len(texts) - 45
    scores = evaluate_mapping(result, labels[45:])
    assert scores.accuracy > 0.9 and scores.micro_f1 > 0.8 and scores.macro_f1 > 0.8
    for p in result.predictions:
        assert all(0 <= s <= 1 for s in p.scores) and 0 <= p.top_score <= 1


def test_multi_label_and_zero_labels() -> None:
    texts = ["parking is expensive", "parking spaces full", "food is cold", "canteen food poor",
             "parking and food both bad", "car park and canteen food awful"] * 3  # fmt: skip
    labels = ["parking", "parking", "food", "food", "parking|food", "parking|food"] * 3
    mapper = ThemeMapper().fit(texts, labels)
    result = mapper.predict(["parking and food were both bad", "parking spaces"])
    assert set(result.predictions[0].labels) == {"parking", "food"}
    assert result.predictions[1].labels == ("parking",)
    strict = ThemeMapper(threshold=0.99, top_threshold=0.99).fit(texts, labels)
    assert strict.predict(["zzz qqq"]).predictions[0].labels == ()
    assert strict.predict(["zzz qqq"]).predictions[0].confidence == 0.0


def test_very_few_examples_and_theme_descriptions() -> None:
    texts = ["parking costs", "no parking spaces", "cold food", "food is poor"]
    labels = [{"parking"}, {"parking"}, {"food"}, {"food"}]
    themes = {"parking": "car park, permits, spaces", "food": "canteen, meals, food",
              "rota": "shift patterns and rota changes"}  # fmt: skip
    mapper = ThemeMapper().fit(texts, labels, themes=themes, unlabeled=["rota changes late"])
    assert set(mapper.classes_) == {"parking", "food", "rota"}
    result = mapper.predict(["the car park is full", "meals in the canteen"])
    assert result.predictions[0].top_label == "parking"
    assert result.predictions[1].top_label == "food"


def test_single_theme() -> None:
    mapper = ThemeMapper().fit(["a", "b", "c"], ["only", "only", "only"])
    result = mapper.predict(["anything"])
    assert result.predictions[0].labels == ("only",)


def test_suggest_least_certain_first(corpus) -> None:
    texts, labels = corpus
    mapper = ThemeMapper().fit(texts[:30], labels[:30])
    pool = [*texts[30:], "something entirely unrelated about the weather"]
    order = mapper.suggest_for_coding(pool, k=5)
    assert len(order) == 5 and len(set(order)) == 5
    p = mapper.predict_proba(pool)
    margin = np.abs(p - 0.5).min(axis=1)
    assert margin[order[0]] == margin.min()


def test_deterministic(corpus) -> None:
    texts, labels = corpus
    a = ThemeMapper(random_state=1).fit(texts[:20], labels[:20], unlabeled=texts[20:])
    b = ThemeMapper(random_state=1).fit(texts[:20], labels[:20], unlabeled=texts[20:])
    assert a.predict(texts) == b.predict(texts)


def test_parse_labels() -> None:
    assert parse_labels("a| b ||") == frozenset({"a", "b"})
    assert parse_labels(None) == frozenset()
    assert parse_labels(["x", ""]) == frozenset({"x"})


def test_prior_correction_follows_the_uncoded_pool(corpus) -> None:
    texts, labels = corpus
    coded = [next(i for i, lab in enumerate(labels) if lab == t) for t in sorted(set(labels))]
    coded += [i + 1 for i in coded]
    pool = [t for t, lab in zip(texts, labels, strict=True) if lab == "parking"] * 6
    pool += [t for t, lab in zip(texts, labels, strict=True) if lab != "parking"][:10]
    x, y = [texts[i] for i in coded], [labels[i] for i in coded]
    mapper = ThemeMapper().fit(x, y, unlabeled=pool)
    odds = dict(zip(mapper.classes_, mapper.prior_odds_, strict=True))
    assert odds["parking"] > 1 > odds["food"]
    off = ThemeMapper(prior_correction=False).fit(x, y, unlabeled=pool)
    assert set(off.prior_odds_) == {1.0}


def test_lead_words_tell_the_main_point_from_an_aside() -> None:
    # Every answer names two topics (no punctuation between them); the coded theme is the
    # one it opens with. A bag of words sees the same words in either order, the lead
    # block sees which came first.
    topics = {
        "parking": ["car park full", "parking costs more", "no parking spaces",
                    "permit took weeks", "barrier broke again", "parking charges high"],
        "food": ["canteen food cold", "no healthy food", "breakfast was lovely", "no hot food",
                 "vending machine poor", "free fruit welcome"],
        "rota": ["rota came late", "shift swaps refused", "night shifts unfair",
                 "rota changes often", "long shifts again", "weekend rota fair"],
    }  # fmt: skip
    texts, labels, train, test = [], [], [], []
    for a in topics:
        for b in topics:
            for i in range(6):
                for j in range(6 if a != b else 0):
                    # every phrase opens some training answers and closes others
                    (train if (i + j) % 2 else test).append(len(texts))
                    texts.append(f"{topics[a][i]} {topics[b][j]}")
                    labels.append(a)

    def accuracy(mapper: ThemeMapper) -> float:
        mapper.fit([texts[i] for i in train], [labels[i] for i in train])
        return mapper.score([texts[i] for i in test], [labels[i] for i in test]).accuracy

    assert accuracy(ThemeMapper(lead_words=3)) >= 0.9  # the opening phrases' length
    assert accuracy(ThemeMapper(lead_words=0)) < 0.8
    assert ThemeMapper().get_params()["lead_words"] == 6


def test_fit_scores_the_texts_it_saw_as_predict_would(corpus) -> None:
    texts, labels = corpus
    coded, uncoded = texts[:12], texts[12:]  # few per theme: self-training and priors on
    mapper = ThemeMapper(random_state=0).fit(coded, labels[:12], unlabeled=uncoded)
    assert mapper.unlabeled_proba_ is not None
    np.testing.assert_array_equal(mapper.train_proba_, mapper.predict_proba(coded))
    np.testing.assert_array_equal(mapper.unlabeled_proba_, mapper.predict_proba(uncoded))
    assert mapper.predict_from_proba(mapper.unlabeled_proba_) == mapper.predict(uncoded)
    least = ThemeMapper.least_certain(mapper.unlabeled_proba_, k=4)
    assert least == mapper.suggest_for_coding(uncoded, k=4)
    many = ThemeMapper(random_state=0).fit(texts, labels)  # nothing uncoded: nothing kept
    assert many.unlabeled_proba_ is None and len(many.train_proba_) == len(texts)


def test_lsa_reads_a_capped_share_of_each_blocks_most_frequent_columns(corpus) -> None:
    texts, labels = corpus
    capped = ThemeMapper(random_state=0, lsa_features=200).fit(texts[:45], labels[:45])
    columns, widths = capped.svd_columns_, [len(v.vocabulary_) for v, _ in capped.blocks_]
    assert sum(widths) > 200 and len(columns) <= 200 and len(set(columns)) == len(columns)
    assert capped.svd_.components_.shape[1] == len(columns)
    starts = np.cumsum([0, *widths])
    for lo, hi in itertools.pairwise(starts):
        assert ((columns >= lo) & (columns < hi)).any()  # every block has its say
    # the same model scores a text the same in fitting and predicting, and still learns
    np.testing.assert_array_equal(capped.train_proba_, capped.predict_proba(texts[:45]))
    assert evaluate_mapping(capped.predict(texts[45:]), labels[45:]).accuracy > 0.8
    uncapped = ThemeMapper(random_state=0).fit(texts[:45], labels[:45])
    assert uncapped.svd_columns_ is None


def test_lsa_in_chunks_equals_lsa_at_once_and_row_blocks_equal_slices(corpus) -> None:
    from ohwb_engage.themes.engine.mapping import _row_block

    texts, labels = corpus
    mapper = ThemeMapper(random_state=0, lsa_features=300).fit(texts, labels)
    x = mapper._sparse(texts)
    np.testing.assert_allclose(mapper._lsa(x, chunk=7), mapper._lsa(x, chunk=len(texts)),
                               rtol=1e-5, atol=1e-6)  # fmt: skip
    for start, stop in [(0, 0), (0, 5), (3, 17), (10, len(texts))]:
        block = _row_block(x, start, stop)
        assert (block != x[start:stop]).nnz == 0 and block.shape == (stop - start, x.shape[1])


def test_an_uncoded_pool_scored_in_chunks_trains_the_same_mapper(corpus, monkeypatch) -> None:
    from ohwb_engage.themes.engine import mapping

    texts, labels = corpus
    coded, uncoded = texts[:12], texts[12:]
    whole = ThemeMapper(random_state=0).fit(coded, labels[:12], unlabeled=uncoded)
    monkeypatch.setattr(mapping, "POOL_CHUNK", 5)  # several chunks, the last one short
    assert len(uncoded) % 5
    chunked = ThemeMapper(random_state=0).fit(coded, labels[:12], unlabeled=uncoded)
    assert chunked.n_pseudo_ == whole.n_pseudo_ > 0
    np.testing.assert_allclose(chunked.prior_odds_, whole.prior_odds_, rtol=1e-6)
    np.testing.assert_allclose(chunked.unlabeled_proba_, whole.unlabeled_proba_, rtol=1e-6)
    np.testing.assert_allclose(chunked.predict_proba(texts), whole.predict_proba(texts),
                               rtol=1e-6)  # fmt: skip
