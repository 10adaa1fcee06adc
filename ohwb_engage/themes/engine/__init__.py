"""The theme engine: a pure library (stdlib, numpy, scipy, scikit-learn, nltk only).

Discover themes in free text, describe them with readable evidence, and map every
response to an analyst-reviewed framework. Inputs are sequences of strings; outputs
are frozen dataclasses that refer to responses by position.
"""

from . import semantic  # light: torch is imported only inside semantic.embed()
from .discover import ThemeDiscoverer, discover
from .label import describe_themes
from .mapping import ThemeMapper, evaluate_mapping, parse_labels
from .metrics import cluster_accuracy, clustering_scores
from .preprocess import (
    DEFAULT_DOMAIN_STOP_WORDS,
    DEFAULT_NON_ANSWERS,
    STATUSES,
    PreparedCorpus,
    Preprocessor,
)
from .redact import redact
from .results import DiscoveryResult, MappingResult, MappingScores, Prediction, Theme, to_dict
from .sentiment import sentiment

__all__ = [
    "DEFAULT_DOMAIN_STOP_WORDS",
    "DEFAULT_NON_ANSWERS",
    "STATUSES",
    "DiscoveryResult",
    "MappingResult",
    "MappingScores",
    "Prediction",
    "PreparedCorpus",
    "Preprocessor",
    "Theme",
    "ThemeDiscoverer",
    "ThemeMapper",
    "cluster_accuracy",
    "clustering_scores",
    "describe_themes",
    "discover",
    "evaluate_mapping",
    "parse_labels",
    "redact",
    "semantic",
    "sentiment",
    "to_dict",
]
