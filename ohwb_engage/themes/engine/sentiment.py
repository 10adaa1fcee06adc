"""Sentiment of answers with the VADER lexicon, loaded through nltk with no download.

nltk's ``SentimentIntensityAnalyzer`` reads ``sentiment/vader_lexicon.zip`` from a
folder on ``nltk.data.path``, and nltk refuses arbitrary absolute paths. The PyPI
package ``vaderSentiment`` ships the same lexicon as a text file, so at first use we
zip it into a per-user cache folder (the package folder may be read-only), add that
folder to ``nltk.data.path`` and let nltk load it the normal way.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path

import nltk.data
from nltk.sentiment.vader import SentimentIntensityAnalyzer

__all__ = ["get_analyzer", "sentiment", "vader_data_dir"]

_LEXICON_MEMBER = "vader_lexicon/vader_lexicon.txt"
_LOCK = threading.Lock()
_ANALYZER: SentimentIntensityAnalyzer | None = None


def _candidate_dirs() -> list[Path]:
    dirs = []
    if os.environ.get("OHWB_ENGAGE_CACHE"):
        dirs.append(Path(os.environ["OHWB_ENGAGE_CACHE"]))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    dirs.append(Path(base) / "ohwb_engage")
    dirs.append(
        Path(tempfile.gettempdir())
        / f"ohwb_engage-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    )
    return dirs


def _lexicon_source() -> Path:
    spec = importlib.util.find_spec("vaderSentiment")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the vaderSentiment package is needed for sentiment scores")
    path = Path(next(iter(spec.submodule_search_locations))) / "vader_lexicon.txt"
    if not path.is_file():
        raise RuntimeError(f"vaderSentiment does not ship {path.name}")
    return path


def vader_data_dir() -> Path:
    """Make sure ``<cache>/nltk_data/sentiment/vader_lexicon.zip`` exists; return nltk_data."""
    source = _lexicon_source()
    last_error: Exception | None = None
    for base in _candidate_dirs():
        data_dir = base / "nltk_data"
        target = data_dir / "sentiment" / "vader_lexicon.zip"
        try:
            if not _zip_is_current(target, source):
                target.parent.mkdir(parents=True, exist_ok=True)
                # Write to a temporary name, then rename: concurrent workers never see half a zip.
                fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
                os.close(fd)
                with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                    zf.write(source, _LEXICON_MEMBER)
                os.replace(tmp, target)
            return data_dir
        except OSError as exc:  # read-only or missing home: try the next folder
            last_error = exc
    raise RuntimeError(f"no writable cache folder for the VADER lexicon: {last_error}")


def _zip_is_current(target: Path, source: Path) -> bool:
    try:
        with zipfile.ZipFile(target) as zf:
            return zf.getinfo(_LEXICON_MEMBER).file_size == source.stat().st_size
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def get_analyzer() -> SentimentIntensityAnalyzer:
    """The shared nltk VADER analyser (built once per process)."""
    global _ANALYZER
    with _LOCK:
        if _ANALYZER is None:
            data_dir = str(vader_data_dir())
            if data_dir not in nltk.data.path:
                nltk.data.path.append(data_dir)
            _ANALYZER = SentimentIntensityAnalyzer()
        return _ANALYZER


def sentiment(texts: Sequence[str]) -> tuple[float, ...]:
    """VADER compound score in [-1, 1] for each text (0.0 for empty text)."""
    analyzer = get_analyzer()
    return tuple(
        round(float(analyzer.polarity_scores(t)["compound"]), 4) if t and t.strip() else 0.0
        for t in texts
    )
