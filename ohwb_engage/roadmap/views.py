"""Roadmap pages: items (``item_views``), the strategy (``strategy_views``), the public page."""

from __future__ import annotations

from ohwb_engage.roadmap import (  # noqa: F401  (registers routes)
    item_views,
    public_views,
    review_views,
    strategy_views,
)
from ohwb_engage.roadmap.blueprint import bp

__all__ = ["bp"]
