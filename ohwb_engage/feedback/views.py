"""Feedback pages. (Filled in by the feedback issue.)"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
