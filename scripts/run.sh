#!/usr/bin/env bash
# Set up and start ohwb_engage on http://127.0.0.1:5000 with SQLite and the demo programme.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# A random secret key of this machine's own, kept in the git-ignored instance folder.
instance="${OHWB_INSTANCE_PATH:-instance}"
mkdir -p "$instance"
if [ ! -f "$instance/config.py" ]; then
  key=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))')
  printf '# Written by scripts/run.sh; see instance/config.example.py for more settings.\nSECRET_KEY = "%s"\n' "$key" >"$instance/config.py"
fi

export FLASK_APP=ohwb_engage
.venv/bin/flask db upgrade
.venv/bin/flask seed-demo   # loads once; later runs say it is already there

port="${PORT:-5000}"
echo
echo "ohwb_engage is starting on http://127.0.0.1:$port  (Ctrl+C to stop)"
echo "Demo sign-in: admin@example.org / demo-admin-password (see README for the others)"
exec .venv/bin/gunicorn --bind "127.0.0.1:$port" --workers 2 --threads 4 \
  --access-logfile - wsgi:app
