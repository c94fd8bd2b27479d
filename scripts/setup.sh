#!/usr/bin/env bash
# Create .venv, install the project (with test tools when given "dev") and compile the translations.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-}"
python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "error: $python not found; install Python 3.11 or newer" >&2; exit 1; }
"$python" - <<'PY' || { echo "error: Python 3.11 or newer is required" >&2; exit 1; }
import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY

if [ ! -x .venv/bin/python ]; then
  if ! "$python" -m venv .venv 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "python3-venv is missing; installing it with apt-get" >&2
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      rm -rf .venv && "$python" -m venv .venv
    else
      echo "error: '$python -m venv' failed; install the python3-venv package" >&2; exit 1
    fi
  fi
fi

spec="."
[ "$extras" = "dev" ] && spec=".[dev]"
echo "installing Python packages into .venv ..." >&2
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e "$spec"
.venv/bin/pybabel compile --use-fuzzy -d lms/translations >/dev/null
if [ "$extras" = "dev" ]; then
  # Ralph, the learning record store the xAPI tests run on loopback, in its own environment: it pins click,
  # FastAPI and sentry-sdk, which must not move the LMS's own (scripts/lrs-requirements.txt says more).
  [ -x .venv-lrs/bin/python ] || "$python" -m venv .venv-lrs
  echo "installing the test LRS (Ralph) into .venv-lrs ..." >&2
  .venv-lrs/bin/python -m pip install --quiet -r scripts/lrs-requirements.txt
fi
echo "setup done" >&2
