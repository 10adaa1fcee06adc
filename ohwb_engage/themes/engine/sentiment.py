"""Sentiment of answers with the VADER lexicon, loaded through nltk with no download.

nltk's ``SentimentIntensityAnalyzer`` reads ``sentiment/vader_lexicon.zip`` from a
folder on ``nltk.data.path``, and nltk refuses arbitrary absolute paths. The PyPI
package ``vaderSentiment`` ships the same lexicon as a text file, so at first use we
zip it into a per-user cache folder (the package folder may be read-only), add that
folder to ``nltk.data.path`` and let nltk load it the normal way.

Scoring is nltk's, with one part made fast (``_SentiText``): for every text nltk builds
a table of each of its words joined to each of 18 punctuation marks, before and after,
which is most of VADER's time on short answers (28 s of 100,000 answers' 140 s).
"""

from __future__ import annotations

import importlib.util
import os
import string
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path

import nltk.data
from nltk.sentiment.vader import SentimentIntensityAnalyzer, SentiText

__all__ = ["get_analyzer", "sentiment", "vader_data_dir"]

_LEXICON_MEMBER = "vader_lexicon/vader_lexicon.txt"
_LOCK = threading.Lock()
_ANALYZER: SentimentIntensityAnalyzer | None = None
_PUNCTUATION = string.punctuation  # what nltk's REGEX_REMOVE_PUNCTUATION removes


class _SentiText(SentiText):
    """nltk's SentiText, stripping a mark from a token by looking at the token alone.

    nltk replaces a token by its word when the token is one mark of ``PUNC_LIST``
    before or after a word (of two letters or more) of the text with its punctuation
    removed. Such words hold no punctuation, so the mark is the token's whole leading
    (or trailing) run of punctuation: there is no need for nltk's table of every word
    joined to every mark. The same tokens come out (tested against nltk's own class).
    """

    def _words_and_emoticons(self) -> list[str]:
        words = {w for w in self.REGEX_REMOVE_PUNCTUATION.sub("", self.text).split() if len(w) > 1}
        return [_strip_mark(t, self.PUNC_LIST, words) for t in self.text.split() if len(t) > 1]


def _strip_mark(token: str, marks: frozenset[str], words: set[str]) -> str:
    rest = token.lstrip(_PUNCTUATION)
    if len(rest) < len(token):
        return rest if token[: len(token) - len(rest)] in marks and rest in words else token
    rest = token.rstrip(_PUNCTUATION)
    if len(rest) < len(token):
        return rest if token[len(rest) :] in marks and rest in words else token
    return token


class _Analyzer(SentimentIntensityAnalyzer):
    """nltk's analyser reading texts with :class:`_SentiText`; scoring is nltk's own."""

    def __init__(self) -> None:
        super().__init__()
        self._marks = frozenset(self.constants.PUNC_LIST)  # built once, looked up per token

    def polarity_scores(self, text: str) -> dict[str, float]:
        sentitext = _SentiText(text, self._marks, self.constants.REGEX_REMOVE_PUNCTUATION)
        tokens = sentitext.words_and_emoticons
        first_index: dict[str, int] = {}
        for idx, token in enumerate(tokens):
            first_index.setdefault(token, idx)
        sentiments: list[float] = []
        for item in tokens:
            i = first_index[item]  # nltk scores a repeated token at its first place
            if (
                i < len(tokens) - 1 and item.lower() == "kind" and tokens[i + 1].lower() == "of"
            ) or item.lower() in self.constants.BOOSTER_DICT:
                sentiments.append(0)
                continue
            sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
        sentiments = self._but_check(tokens, sentiments)
        return self.score_valence(sentiments, text)


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
            _ANALYZER = _Analyzer()
        return _ANALYZER


def sentiment(texts: Sequence[str]) -> tuple[float, ...]:
    """VADER compound score in [-1, 1] for each text (0.0 for empty text).

    A text repeated (the same answer pasted by many people) is scored once.
    """
    analyzer = get_analyzer()
    scores: dict[str, float] = {}

    def score(text: str) -> float:
        if not text or not text.strip():
            return 0.0
        if text not in scores:
            scores[text] = round(float(analyzer.polarity_scores(text)["compound"]), 4)
        return scores[text]

    return tuple(score(t) for t in texts)
