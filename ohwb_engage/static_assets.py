"""Serve the NHS.UK frontend assets at /assets: its CSS refers to /assets/images/... directly.

The files are installed from the npm registry at set-up time (see package.json), not committed.
"""

from __future__ import annotations

import os

from flask import Blueprint, send_from_directory
from werkzeug.wrappers import Response

from ohwb_engage.accounts.access import public

ASSETS_DIR = os.path.join(os.path.dirname(__file__), "static", "nhsuk", "assets")

bp = Blueprint("nhsuk_assets", __name__)


@bp.get("/assets/<path:filename>")
@public
def asset(filename: str) -> Response:
    return send_from_directory(ASSETS_DIR, filename, max_age=7 * 24 * 3600)
