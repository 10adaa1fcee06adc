"""VADER through nltk from the vaderSentiment package: no download, fresh or read-only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ohwb_engage.themes.engine import sentiment
from ohwb_engage.themes.engine.sentiment import get_analyzer

ROOT = Path(__file__).resolve().parents[3]


def test_polarity() -> None:
    pos, neg, empty = sentiment(["The staff were lovely and kind", "Awful, rude and late", ""])
    assert pos > 0.3 and neg < -0.3 and empty == 0.0


TRICKY = [
    "I LOVE it, but the wait was AWFUL!!!", ":) great", "not bad at all...", "kind of good",
    "?!?great", "good?!?!", ",cat,", "well-being is 'good'", '"excellent"', "Wow!!! :-( sad",
    "!! !!! ??", "a b c", "", "x", "don't like it,", "GOOD good GOOD", "meh :D",
    "it's not the best -", "Good. Good, good! good?", "never so happy; never so sad",
]  # fmt: skip


def test_scores_are_nltks_own(shared_data: Path) -> None:
    """The fast tokeniser changes nothing: every score equals stock nltk's, on real answers."""
    import csv

    from nltk.sentiment.vader import SentimentIntensityAnalyzer

    with open(shared_data / "nhs_fft_phase1" / "nhs_fft_phase1.tsv", encoding="utf-8") as fh:
        answers = [row["text"] for row in csv.DictReader(fh, delimiter="\t")][:3000]
    stock, ours = SentimentIntensityAnalyzer(), get_analyzer()
    assert type(ours) is not SentimentIntensityAnalyzer
    for text in TRICKY + answers:
        assert ours.polarity_scores(text) == stock.polarity_scores(text), text


def _run_fresh(env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    code = (
        "from ohwb_engage.themes.engine import sentiment; "
        "print(sentiment(['great support'])[0] > 0)"
    )
    env = {**os.environ, **env_extra}
    env.pop("OHWB_ENGAGE_CACHE", None)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_works_from_a_fresh_cache(tmp_path: Path) -> None:
    r = _run_fresh({"XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "True"
    assert (tmp_path / "cache/ohwb_engage/nltk_data/sentiment/vader_lexicon.zip").is_file()


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True,
                    reason="root ignores read-only permissions")  # fmt: skip
def test_falls_back_when_cache_is_read_only(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        r = _run_fresh({"XDG_CACHE_HOME": str(ro), "HOME": str(ro)})
        assert r.returncode == 0, r.stderr
    finally:
        ro.chmod(0o700)


def test_falls_back_when_cache_path_is_unusable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    # XDG cache "inside a file" cannot be created: the engine must use the next folder.
    r = _run_fresh({"XDG_CACHE_HOME": str(blocker), "HOME": str(blocker)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "True"
