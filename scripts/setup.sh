#!/usr/bin/env bash
# Shared set-up for run.sh and test.sh: a virtual environment with the package installed,
# the NHS.UK frontend assets built from the npm registry, and the database migrated.
# Usage: scripts/setup.sh [pip extras, e.g. "test,dev"]
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-}"

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

if [ ! -x .venv/bin/python ]; then
  python=$(find_python)
  echo "Creating .venv with $python"
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
spec="."
[ -n "$extras" ] && spec=".[$extras]"
echo "Installing ohwb_engage${extras:+ with $extras}"
.venv/bin/python -m pip install --quiet -e "$spec"

if ! command -v npm >/dev/null 2>&1; then
  echo "Node.js and npm are needed to install the NHS.UK frontend" >&2
  exit 1
fi
if [ ! -f node_modules/nhsuk-frontend/package.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
