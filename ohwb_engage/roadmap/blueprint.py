"""The roadmap blueprint, alone, so item pages and strategy pages live in separate modules."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("roadmap", __name__, url_prefix="/roadmap")
