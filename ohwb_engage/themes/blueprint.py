"""The themes blueprint, alone, so run pages and review pages live in separate modules."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("themes", __name__, url_prefix="/themes")
