"""Themes pages. (Filled in by the themes issue.)"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("themes", __name__, url_prefix="/themes")
