"""Fixtures of the themes' tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.rq_worker import connect_or_skip


@pytest.fixture
def redis_connection() -> Any:
    """A real Redis for the jobs that go through RQ (see tests/rq_worker.py)."""
    return connect_or_skip()
