#!/usr/bin/env bash
# Set up and run every test: lint, unit, integration, migrations, the live-server races and
# the browser journeys. Extra arguments go to pytest (e.g. scripts/test.sh tests/accounts -x).
# OHWB_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test runs it all on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test,dev

echo "ruff: lint and format"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "pytest on ${OHWB_TEST_DATABASE_URL:-SQLite}"
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-auto}" "$@"
