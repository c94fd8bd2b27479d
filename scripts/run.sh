#!/usr/bin/env bash
# Set everything up and serve the app with demo data on SQLite at http://127.0.0.1:5000
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
echo "serving on http://127.0.0.1:5000  (Ctrl+C to stop)"
exec .venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
