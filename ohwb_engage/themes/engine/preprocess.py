"""Turn raw answers into clean token lists, and say what each answer *is*.

Every response gets a status so nothing is silently dropped: empty answers,
non-answers ("nothing", "n/a"), answers in another language and exact duplicates
are recognised here, counted by the caller, and kept out of (or folded into)
clustering explicitly.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import RegexpTokenizer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .redact import redact

__all__ = [
    "ANSWER",
    "DEFAULT_DOMAIN_STOP_WORDS",
    "DEFAULT_NON_ANSWERS",
    "DUPLICATE",
    "EMPTY",
    "NON_ANSWER",
    "NON_ENGLISH",
    "NO_TERMS",
    "STATUSES",
    "PreparedCorpus",
    "Preprocessor",
    "normalise",
]

ANSWER = "answer"
DUPLICATE = "duplicate"
EMPTY = "empty"
NON_ANSWER = "non_answer"
NON_ENGLISH = "non_english"
NO_TERMS = "no_terms"
#: Every status a response can have; only answers and duplicates are clustered.
STATUSES = (ANSWER, DUPLICATE, EMPTY, NON_ANSWER, NON_ENGLISH, NO_TERMS)

#: Words that appear in nearly every answer of an NHS wellbeing programme; editable.
DEFAULT_DOMAIN_STOP_WORDS: tuple[str, ...] = ("nhs", "staff", "oh", "ohwb", "trust")

#: Whole answers that say nothing (compared after normalisation); editable.
DEFAULT_NON_ANSWERS: tuple[str, ...] = (
    "nothing", "none", "nil", "na", "n a", "n/a", "no", "nope", "no comment", "no comments",
    "not applicable", "nothing to add", "nothing to say", "nothing to report", "nothing else",
    "nothing more", "nothing at all", "nothing really", "not really", "none at all",
    "no thanks", "no thank you", "nothing thanks", "nothing thank you", "dont know",
    "don't know", "do not know", "not sure", "unsure", "idk", "no idea", "nothing comes to mind",
    "cant think of anything", "can't think of anything", "cannot think of anything",
    "nothing i can think of", "no answer", "pass", "same", "as above", "see above", "x",
    "nothing to comment", "no comment to make", "nothing to improve", "nothing needs improving",
    "nothing springs to mind", "nothing comes to mind", "no improvements", "no suggestions",
    "none needed", "nothing needed", "not at this time", "no not really", "nothing else to add",
)  # fmt: skip

# Frequent function words of other languages that are not also English words.
_FOREIGN_TEXT = """
    el los las del por para con una está son muy pero como porque también gracias
    le les des est une pour avec dans sur pas très mais comme aussi merci nous vous
    der die das und ist nicht mit sich auch auf für dem den ein eine sehr aber danke
    och att det är som för på med inte jag och är mycket
    il che di della sono molto anche grazie perché questo
    não uma muito também obrigado obrigada você
    și nu este pentru foarte mulțumesc
    nie jest się na że bardzo dziękuję ale jak dla
    """
_FOREIGN_WORDS = frozenset(_FOREIGN_TEXT.split())

# An answer made only of these words, with at least one "nothing" word, says nothing.
_FILLER_TEXT = (
    "no nothing none nil na n/a not really thanks thank you comment comments at all else to "
    "add say much more sorry i can think of it for me really just that's that is"
)
_FILLER_WORDS = frozenset(_FILLER_TEXT.split())
_NOTHING_WORDS = frozenset({"no", "nothing", "none", "nil", "na", "n/a"})

_WORD_PATTERN = r"[#.]?[a-z0-9][a-z0-9+#]*(?:['\u2019.][a-z0-9+#]+)*"
_PLACEHOLDER = re.compile(r"\[(?:email|phone|nhs number|postcode|name)\]")
_SPACES = re.compile(r"\s+")
_NON_ANSWER_PUNCT = re.compile(r"[^\w/' ]+")


def normalise(text: object) -> str:
    """Unicode-normalise and collapse whitespace, so equal answers compare equal."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    return _SPACES.sub(" ", text).strip()


def _non_answer_key(text: str) -> str:
    key = _NON_ANSWER_PUNCT.sub(" ", text.lower())
    return _SPACES.sub(" ", key).strip()


def _is_non_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 3:
        return False
    latin = sum(1 for c in letters if c.isascii() or unicodedata.name(c, "").startswith("LATIN"))
    return latin < 0.5 * len(letters)


@dataclass(frozen=True)
class PreparedCorpus:
    """The result of preprocessing: per response a status, redacted text and stems."""

    texts: tuple[str, ...]  # redacted, normalised text (what quotes show)
    tokens: tuple[tuple[str, ...], ...]  # stems with stop words removed
    status: tuple[str, ...]
    duplicate_of: tuple[int, ...]  # position of the first equal answer, or own position
    surface: dict[str, str]  # stem (or stemmed bigram) -> most common surface form

    def counts(self) -> dict[str, int]:
        """How many responses have each status."""
        c = Counter(self.status)
        return {s: c.get(s, 0) for s in STATUSES}


class Preprocessor:
    """Normalise, redact, classify, tokenise and stem answers.

    Parameters are only stored here (scikit-learn convention); work happens in
    :meth:`transform`. ``stem=False`` keeps words as they are.
    """

    def __init__(
        self,
        domain_stop_words: Iterable[str] = DEFAULT_DOMAIN_STOP_WORDS,
        non_answers: Iterable[str] = DEFAULT_NON_ANSWERS,
        stem: bool = True,
        redact_personal_data: bool = True,
        detect_duplicates: bool = True,
        detect_language: bool = True,
    ) -> None:
        self.domain_stop_words = domain_stop_words
        self.non_answers = non_answers
        self.stem = stem
        self.redact_personal_data = redact_personal_data
        self.detect_duplicates = detect_duplicates
        self.detect_language = detect_language

    def get_config(self) -> dict:
        """JSON-serialisable parameters, stored with every run."""
        return {
            "domain_stop_words": sorted(self.domain_stop_words),
            "non_answers": sorted(self.non_answers),
            "stem": self.stem,
            "redact_personal_data": self.redact_personal_data,
            "detect_duplicates": self.detect_duplicates,
            "detect_language": self.detect_language,
        }

    def tokenizer(self) -> Callable[[str], list[str]]:
        """A function text -> stems, with stop words removed (shared with labelling)."""
        tokenize = RegexpTokenizer(_WORD_PATTERN).tokenize
        stop = frozenset(ENGLISH_STOP_WORDS) | {w.lower() for w in self.domain_stop_words}
        stemmer = SnowballStemmer("english") if self.stem else None
        cache: dict[str, str | None] = {}

        def stem_of(word: str) -> str | None:
            if word in cache:
                return cache[word]
            w = word.strip(".'")
            if (len(w) < 2 and not w.isdigit()) or w in stop or w.isdigit():
                out = None
            else:
                out = stemmer.stem(w) if stemmer is not None and w.isalpha() else w
            cache[word] = out
            return out

        def run(text: str) -> list[str]:
            return self._surface_tokens(text, tokenize, stem_of, None)

        run.stem_of = stem_of  # type: ignore[attr-defined]
        run.tokenize = tokenize  # type: ignore[attr-defined]
        return run

    @staticmethod
    def _surface_tokens(text, tokenize, stem_of, surface_counts) -> list[str]:
        text = _PLACEHOLDER.sub(" ", text.lower())
        out = []
        for word in tokenize(text):
            s = stem_of(word)
            if s is None:
                continue
            out.append(s)
            if surface_counts is not None:
                surface_counts[s][word.strip(".'")] += 1
        return out

    def transform(
        self,
        texts: Sequence[object],
        progress: Callable[[float, str], None] | None = None,
    ) -> PreparedCorpus:
        """Classify and tokenise every response (one pass, chunked progress)."""
        non_answers = {_non_answer_key(normalise(a)) for a in self.non_answers}
        tok = self.tokenizer()
        tokenize, stem_of = tok.tokenize, tok.stem_of  # type: ignore[attr-defined]
        surface_counts: defaultdict[str, Counter] = defaultdict(Counter)
        n = len(texts)
        clean: list[str] = []
        tokens: list[tuple[str, ...]] = []
        status: list[str] = []
        dup_of: list[int] = []
        first_seen: dict[str, int] = {}
        step = max(1, n // 20)
        for i, raw in enumerate(texts):
            if progress is not None and i % step == 0:
                progress(i / max(n, 1), f"preprocessing {i:,} of {n:,}")
            text = normalise(raw)
            if self.redact_personal_data:
                text = redact(text)
            clean.append(text)
            dup_of.append(i)
            key = _non_answer_key(text)
            if not key or not any(c.isalnum() for c in key):
                status.append(EMPTY)
                tokens.append(())
                continue
            if key in non_answers or self._is_filler(key):
                status.append(NON_ANSWER)
                tokens.append(())
                continue
            if self.detect_language and self._looks_foreign(key, text):
                status.append(NON_ENGLISH)
                tokens.append(())
                continue
            if self.detect_duplicates:
                j = first_seen.setdefault(key, i)
                if j != i:
                    status.append(DUPLICATE)
                    tokens.append(tokens[j])
                    dup_of[i] = j
                    continue
            toks = tuple(self._surface_tokens(text, tokenize, stem_of, surface_counts))
            tokens.append(toks)
            status.append(ANSWER if toks else NO_TERMS)
        # Duplicates of answers with no usable terms share that status.
        for i, j in enumerate(dup_of):
            if j != i and status[j] == NO_TERMS:
                status[i] = NO_TERMS
        surface = {s: c.most_common(1)[0][0] for s, c in surface_counts.items()}
        return PreparedCorpus(tuple(clean), tuple(tokens), tuple(status), tuple(dup_of), surface)

    @staticmethod
    def _is_filler(key: str) -> bool:
        words = key.split()
        return (
            len(words) <= 8
            and all(w in _FILLER_WORDS for w in words)
            and any(w in _NOTHING_WORDS for w in words)
        )

    @staticmethod
    def _looks_foreign(key: str, text: str) -> bool:
        if _is_non_latin(text):
            return True
        words = key.split()
        if len(words) < 3:
            return False
        foreign = sum(1 for w in words if w in _FOREIGN_WORDS)
        english = sum(1 for w in words if w in ENGLISH_STOP_WORDS)
        return foreign >= 2 and foreign >= 0.25 * len(words) and foreign > english
