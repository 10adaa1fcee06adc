"""Themes pages: runs (``run_views``) and the review workspace (``review_views``)."""

from __future__ import annotations

from ohwb_engage.themes import (
    review_views,  # noqa: F401  registers the review pages
    run_views,  # noqa: F401  (registers the run pages)
)
from ohwb_engage.themes.blueprint import bp

__all__ = ["bp"]
