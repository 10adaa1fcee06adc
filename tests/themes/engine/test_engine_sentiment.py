"""VADER through nltk from the vaderSentiment package: no download, fresh or read-only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ohwb_engage.themes.engine import sentiment

ROOT = Path(__file__).resolve().parents[3]


def test_polarity() -> None:
    pos, neg, empty = sentiment(["The staff were lovely and kind", "Awful, rude and late", ""])
    assert pos > 0.3 and neg < -0.3 and empty == 0.0


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
