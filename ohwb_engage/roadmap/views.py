"""Roadmap pages. (Filled in by the roadmap issue.)"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("roadmap", __name__, url_prefix="/roadmap")
