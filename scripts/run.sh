#!/usr/bin/env bash
# Set everything up and serve the app with demo data on SQLite at http://127.0.0.1:5000, with the scheduler beside it
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export LMS_ENV="${LMS_ENV:-development}"
export FLASK_APP=lms
.venv/bin/flask db upgrade
echo "demo accounts (ROLE EMAIL PASSWORD COMPANY):"
.venv/bin/flask demo
echo "loading the courses in courses/ ..."
.venv/bin/flask courses sync courses
echo
# The scheduler (weekly notices, reminders, digests) runs as its own process next to the web server.
.venv/bin/flask scheduler run &
scheduler=$!
trap 'kill "$scheduler" 2>/dev/null || true' EXIT INT TERM
echo "serving on http://127.0.0.1:5000  (Ctrl+C to stop)"
.venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
