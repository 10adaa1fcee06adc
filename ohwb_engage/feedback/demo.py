"""Demo questionnaires and answers (filled in below)."""

from __future__ import annotations

from ohwb_engage.accounts.models import User


def seed(staff: dict[str, User]) -> list[str]:
    return []
